/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berthctl.h"
#include "container-record.h"
#include "macro.h"
#include "table.h"

static uint64_t now_realtime(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static bool state_is_up(const char *s)
{
        return streq(s, "running") || streq(s, "starting") || streq(s, "restarting") ||
               streq(s, "stopping");
}

/* Parses only --help and the flags in extra; returns optind or <0. */
static int simple_args(int argc, char **argv, const char *usage, const char *shortopts,
                       const struct option *longopts, int (*handle)(int c, void *userdata),
                       void *userdata)
{
        int c, r;

        while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) >= 0) {
                if (c == 'h') {
                        printf("%s", usage);
                        return -ECANCELED;
                }
                if (c == '?')
                        return -EINVAL;
                r = handle ? handle(c, userdata) : -EINVAL;
                if (r < 0)
                        return r;
        }
        return optind;
}

typedef struct PsArgs {
        bool all;
        bool json;
} PsArgs;

static int ps_handle(int c, void *userdata)
{
        PsArgs *a = userdata;

        if (c == 'a')
                a->all = true;
        else if (c == 'j')
                a->json = true;
        else
                return -EINVAL;
        return 0;
}

int verb_ps(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"all", no_argument, NULL, 'a'},
            {"json", no_argument, NULL, 'j'},
            {},
        };
        static const char *const headers[] = {"CONTAINER ID", "IMAGE", "CREATED", "STATUS",
                                              "UNIT",         "NAMES", NULL};
        static const char *const keys[] = {"id", "image", "created", "state", "unit", "name", NULL};
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        PsArgs a = {.json = ctl->json};
        const char *name, *id, *image, *state, *unit, *path;
        uint64_t created, now = now_realtime();
        int r;

        r = simple_args(argc, argv,
                        "berthctl ps [-a|--all] [--json]\n\nList running containers; -a: all.\n",
                        "+haj", opts, ps_handle, &a);
        if (r < 0)
                return r == -ECANCELED ? 0 : r;
        if (r < argc) {
                fprintf(stderr, "berthctl: ps takes no arguments\n");
                return -EINVAL;
        }
        r = ctl_call(ctl, "ListContainers", &reply, "list containers", NULL);
        if (r < 0)
                return r;
        r = table_new(headers, keys, &t);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sssssto)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sssssto)", &name, &id, &image, &state,
                                                  &unit, &created, &path)) > 0) {
                char shortid[13], when[64];

                if (!a.all && !state_is_up(state))
                        continue;
                snprintf(shortid, sizeof(shortid), "%s", id);
                format_relative_time(when, sizeof(when), now, created);
                if ((r = table_add_cell(t, shortid, json_string(id))) < 0 ||
                    (r = table_add_cell(t, image, NULL)) < 0 ||
                    (r = table_add_cell(t, when, json_integer((json_int_t)created))) < 0 ||
                    (r = table_add_cell(t, state, NULL)) < 0 ||
                    (r = table_add_cell(t, unit, NULL)) < 0 ||
                    (r = table_add_cell(t, name, NULL)) < 0)
                        return r;
        }
        if (r < 0)
                return ctl_error(ctl, NULL, r, "unreadable reply from berthd");
        return table_print(t, stdout, a.json);
}

/* start/stop/kill/rm on each NAME */
static int each_container(Ctl *ctl, int argc, char **argv, const char *method, const char *what,
                          const char *types, int signo, int force)
{
        int ret = 0, r;

        if (optind >= argc) {
                fprintf(stderr, "berthctl: %s: no container named\n", what);
                return -EINVAL;
        }
        for (int i = optind; i < argc; i++) {
                _cleanup_free_ char *w = NULL;

                if (asprintf(&w, "%s %s", what, argv[i]) < 0)
                        return -ENOMEM;
                if (streq(types, "s"))
                        r = ctl_call(ctl, method, NULL, w, "s", argv[i]);
                else if (streq(types, "si"))
                        r = ctl_call(ctl, method, NULL, w, "si", argv[i], (int32_t)signo);
                else
                        r = ctl_call(ctl, method, NULL, w, "sb", argv[i], force);
                if (r < 0) {
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        return ret;
}

static const struct option help_only[] = {
    {"help", no_argument, NULL, 'h'},
    {},
};

int verb_start(Ctl *ctl, int argc, char **argv)
{
        int r = simple_args(argc, argv, "berthctl start NAME...\n\nStart containers.\n", "+h",
                            help_only, NULL, NULL);
        if (r < 0)
                return r == -ECANCELED ? 0 : r;
        return each_container(ctl, argc, argv, "StartContainer", "start", "s", 0, 0);
}

int verb_stop(Ctl *ctl, int argc, char **argv)
{
        int r = simple_args(argc, argv, "berthctl stop NAME...\n\nStop containers.\n", "+h",
                            help_only, NULL, NULL);
        if (r < 0)
                return r == -ECANCELED ? 0 : r;
        return each_container(ctl, argc, argv, "StopContainer", "stop", "s", 0, 0);
}

int verb_restart(Ctl *ctl, int argc, char **argv)
{
        int r = simple_args(argc, argv, "berthctl restart NAME...\n\nStop and start containers.\n",
                            "+h", help_only, NULL, NULL);
        if (r < 0)
                return r == -ECANCELED ? 0 : r;
        r = each_container(ctl, argc, argv, "StopContainer", "stop", "s", 0, 0);
        if (r < 0)
                return r;
        return each_container(ctl, argc, argv, "StartContainer", "start", "s", 0, 0);
}

static int parse_signal(const char *s)
{
        char *end;
        long v;

        if (strneq(s, "SIG", 3))
                s += 3;
        v = strtol(s, &end, 10);
        if (*s && !*end)
                return v > 0 && v < _NSIG ? (int)v : -EINVAL;
        for (int i = 1; i < _NSIG; i++) {
                const char *n = sigabbrev_np(i);
                if (n && strcasecmp(n, s) == 0)
                        return i;
        }
        return -EINVAL;
}

static int kill_handle(int c, void *userdata)
{
        int *signo = userdata;

        if (c != 's')
                return -EINVAL;
        *signo = parse_signal(optarg);
        if (*signo < 0) {
                fprintf(stderr, "berthctl: unknown signal \"%s\"\n", optarg);
                return -EINVAL;
        }
        return 0;
}

int verb_kill(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"signal", required_argument, NULL, 's'},
            {},
        };
        int signo = SIGKILL;
        int r = simple_args(
            argc, argv,
            "berthctl kill [-s|--signal SIGNAL] NAME...\n\nSend SIGNAL (default KILL) to "
            "the containers' init.\n",
            "+hs:", opts, kill_handle, &signo);
        if (r < 0)
                return r == -ECANCELED ? 0 : r;
        return each_container(ctl, argc, argv, "KillContainer", "kill", "si", signo, 0);
}

static int rm_handle(int c, void *userdata)
{
        if (c != 'f')
                return -EINVAL;
        *(int *)userdata = 1;
        return 0;
}

int verb_rm(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"force", no_argument, NULL, 'f'},
            {},
        };
        int force = 0;
        int r =
            simple_args(argc, argv,
                        "berthctl rm [-f|--force] NAME...\n\nRemove containers; -f stops running "
                        "ones first.\n",
                        "+hf", opts, rm_handle, &force);
        if (r < 0)
                return r == -ECANCELED ? 0 : r;
        return each_container(ctl, argc, argv, "RemoveContainer", "rm", "sb", 0, force);
}
