/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime cleanup: ExecStopPost= of a container unit. The namespaces
 * and mounts died with the container; what outlives it is on disk. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "log.h"
#include "macro.h"
#include "netattach.h"
#include "run.h"
#include "verbs.h"

int verb_cleanup(int argc, char **argv)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"name", required_argument, NULL, 'n'},
                                                {"store", required_argument, NULL, 's'},
                                                {"upper", required_argument, NULL, 'u'},
                                                {"rm", no_argument, NULL, 'r'},
                                                {"network-run-dir", required_argument, NULL, 'N'},
                                                {}};
        const char *name = NULL, *store = BERTH_STATEDIR, *upper = NULL, *net_run_dir = NULL;
        _cleanup_free_ char *net_state_dir = NULL;
        bool store_set = false;
        _cleanup_free_ char *dir = NULL;
        bool remove = false;
        int opt, r;

        optind = 0;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        printf("Usage: berth-runtime cleanup --name NAME [--store DIR] "
                               "[--upper DIR] [--rm] [--network-run-dir DIR]\n");
                        return 0;
                case 'n':
                        name = optarg;
                        break;
                case 's':
                        store = optarg;
                        store_set = true;
                        break;
                case 'N':
                        net_run_dir = optarg;
                        break;
                case 'u':
                        upper = optarg;
                        break;
                case 'r':
                        remove = true;
                        break;
                default:
                        return 2;
                }
        if (!name || !container_name_is_valid(name)) {
                log_error("cleanup needs --name NAME with a valid container name");
                return 2;
        }
        if (upper)
                dir = strdup(upper);
        else if (asprintf(&dir, "%s/containers/%s", store, name) < 0)
                dir = NULL;
        if (!dir)
                return log_oom(), 1;
        /* The container's init is gone: give back its address and ports
         * (a no-op for containers that never joined a network). */
        if (store_set && asprintf(&net_state_dir, "%s/networks", store) < 0)
                return log_oom(), 1;
        r = container_net_detach(net_state_dir, net_run_dir, name);
        if (layer_dir_cleanup(dir, remove) < 0)
                return 1;
        return r < 0 ? 1 : 0;
}
