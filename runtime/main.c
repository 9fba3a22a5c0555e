/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "prefault.h"
#include "run.h"
#include "verbs.h"

static void help(void)
{
        printf("Usage: berth-runtime [--root DIR] VERB ...\n\n"
               "Creates containers: namespaces, an overlay rootfs, mounts, capabilities,\n"
               "seccomp and the user, then hands the container's init to systemd.\n\n"
               "Verbs:\n"
               "  run [OPTIONS] (--image REF|--rootfs DIR|--layers DIR[:DIR...]) [-- CMD...]\n"
               "  cleanup --name NAME [--store DIR] [--upper DIR] [--rm]\n"
               "  exec [--name NAME] [--pid PID] -- CMD...   (default PID: $MAINPID)\n"
               "  exec [--process FILE] [OPTIONS] ID [CMD...]  (OCI; exec --help)\n"
               "  stop [--pid PID] [--signal SIG]            (ExecStop=: signal, wait for exit)\n"
               "  create|start|state|kill|delete ID   (OCI runtime front end)\n"
               "  run --bundle DIR ID                 (OCI create + start, foreground)\n\n"
               "  -h --help     show this help (run --help lists run's options)\n"
               "     --version  show the version\n\n"
               "See berth-runtime(8).\n");
}

void run_help(void)
{
        printf(
            "Usage: berth-runtime run [OPTIONS] (--image REF|--rootfs DIR|--layers DIR[:DIR...])\n"
            "                         [-- COMMAND [ARG...]]\n\n"
            "  --name NAME            container name (default: random)\n"
            "  --store DIR            image store root (default " BERTH_STATEDIR ")\n"
            "  --upper DIR            writable layer dir, kept between runs\n"
            "                         (default STORE/containers/NAME, fresh each run)\n"
            "  --rm                   remove the writable layer when the container ends\n"
            "  --pull never|missing|always|newer\n"
            "                         with --image: when to run berth-pull (default missing)\n"
            "  --label K=V            --annotation K=V   (STORE/containers/NAME/metadata.json)\n"
            "  -e --env K=V           --env-file FILE   --env-host\n"
            "  -u --user USER[:GROUP] --group-add GROUP\n"
            "  -w --workdir DIR       --entrypoint CMD   --hostname NAME\n"
            "  --cap-add CAP          --cap-drop CAP     --no-new-privileges\n"
            "  --seccomp-profile FILE|unconfined\n"
            "  --read-only            -v --volume SRC:DST[:OPTS]\n"
            "  --mount type=bind|tmpfs|volume,source=..,target=..[,readonly]\n"
            "  --tmpfs DST[:OPTS]     --shm-size SIZE    --device PATH[:CPATH]\n"
            "  --sysctl K=V           --ulimit NAME=SOFT[:HARD]\n"
            "  --init                 a minimal init as PID 1\n"
            "  --network none|host|bridge|NAME\n"
            "                         default: an own namespace with only lo\n"
            "  -p --publish [IP:]HOST:CONTAINER[/PROTO]   --ip ADDR\n"
            "  --dns IP  --dns-search DOMAIN  --dns-option OPT  --add-host NAME:IP\n"
            "  --network-run-dir DIR  network state (default " BERTH_RUNDIR "/network)\n"
            "  --notify               the app sends READY=1 itself\n"
            "  -t --tty               give the container a pty (foreground only)\n"
            "  -b --bundle DIR        run an OCI bundle: run --bundle DIR ID\n");
}

int main(int argc, char **argv)
{
        const char *root = NULL;
        int i = 1;

        prefault_heap();
        log_setup("berth-runtime", LOG_TARGET_STDERR);
        /* global options of OCI runtimes, as container engines pass them */
        while (i < argc && argv[i][0] == '-') {
                if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
                        help();
                        return 0;
                }
                if (streq(argv[i], "--version")) {
                        printf("berth-runtime " PACKAGE_VERSION "\n");
                        return 0;
                }
                if (streq(argv[i], "--root") && i + 1 < argc) {
                        root = argv[i + 1];
                        i += 2;
                } else if (strneq(argv[i], "--root=", 7)) {
                        root = argv[i] + 7;
                        i++;
                } else if (streq(argv[i], "--debug")) {
                        log_set_max_level(LOG_DEBUG);
                        i++;
                } else if (streq(argv[i], "--systemd-cgroup")) {
                        i++;
                } else if ((streq(argv[i], "--log") || streq(argv[i], "--log-format")) &&
                           i + 1 < argc) {
                        i += 2;
                } else {
                        log_error("unknown option %s", argv[i]);
                        return 2;
                }
        }
        if (i >= argc) {
                help();
                return 2;
        }
        if (streq(argv[i], "run"))
                return verb_run(argc - i, argv + i, root);
        if (streq(argv[i], "cleanup"))
                return verb_cleanup(argc - i, argv + i);
        if (streq(argv[i], "exec"))
                return verb_exec(argc - i, argv + i, root);
        if (streq(argv[i], "stop"))
                return verb_stop(argc - i, argv + i);
        if (streq(argv[i], "create") || streq(argv[i], "start") || streq(argv[i], "state") ||
            streq(argv[i], "kill") || streq(argv[i], "delete"))
                return verb_oci(argv[i], argc - i, argv + i, root);
        log_error("unknown verb %s; see berth-runtime --help", argv[i]);
        return 2;
}
