/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berthctl.h"
#include "macro.h"
#include "strv.h"
#include "table.h"

int verb_images(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"json", no_argument, NULL, 'j'},
            {},
        };
        static const char *const headers[] = {"NAME", "IMAGE ID", "CREATED", "SIZE", NULL};
        static const char *const keys[] = {"names", "id", "created", "size", NULL};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        bool json = ctl->json;
        struct timespec ts;
        uint64_t now;
        int c, r;

        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl images [--json]\n\nList images.\n");
                        return 0;
                case 'j':
                        json = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "berthctl: images takes no arguments\n");
                return -EINVAL;
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;

        r = ctl_call(ctl, "ListImages", &reply, "list images", NULL);
        if (r < 0)
                return r;
        r = table_new(headers, keys, &t);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sasttso)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sasttso")) > 0) {
                _cleanup_strv_free_ char **names = NULL;
                const char *id, *digest, *path, *hex;
                uint64_t size, created;
                char shortid[13], when[64], sz[32];
                json_t *jn;

                r = sd_bus_message_read(reply, "s", &id);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &names);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "ttso", &size, &created, &digest, &path);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                hex = strchr(id, ':') ? strchr(id, ':') + 1 : id;
                snprintf(shortid, sizeof(shortid), "%s", hex);
                format_relative_time(when, sizeof(when), now, created);
                format_size(sz, sizeof(sz), size);
                jn = json_array();
                STRV_FOREACH (n, names)
                        json_array_append_new(jn, json_string(*n));
                /* one row per name, like docker; an unnamed image gets one */
                for (size_t i = 0; i == 0 || (names && names[i]); i++) {
                        if ((r = table_add_cell(t, names && names[i] ? names[i] : "<none>",
                                                json_incref(jn))) < 0 ||
                            (r = table_add_cell(t, shortid, json_string(id))) < 0 ||
                            (r = table_add_cell(t, when, json_integer((json_int_t)created))) < 0 ||
                            (r = table_add_cell(t, sz, json_integer((json_int_t)size))) < 0)
                                break;
                        if (json)
                                break;
                }
                json_decref(jn);
                if (r < 0)
                        break;
        }
        if (r < 0)
                return ctl_error(ctl, NULL, r, "unreadable reply from berthd");
        return table_print(t, stdout, json);
}

int verb_rmi(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {},
        };
        int c, ret = 0, r;

        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl rmi IMAGE...\n\nRemove images (one name each; the "
                               "image goes with its last name).\n");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind >= argc) {
                fprintf(stderr, "berthctl: rmi: no image given\n");
                return -EINVAL;
        }
        for (int i = optind; i < argc; i++) {
                _cleanup_free_ char *w = NULL;
                if (asprintf(&w, "rmi %s", argv[i]) < 0)
                        return -ENOMEM;
                r = ctl_call(ctl, "RemoveImage", NULL, w, "s", argv[i]);
                if (r < 0) {
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                printf("Untagged: %s\n", argv[i]);
        }
        return ret;
}
