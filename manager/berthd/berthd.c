/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd: the org.berth1 D-Bus service. Started by D-Bus activation, it
 * serves until it has been idle for a while and then exits. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "berthd.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"

typedef struct Args {
        const char *bus_address;
        const char *state_dir;
        uint64_t idle_timeout_usec;
        bool idle_timeout_set;
} Args;

static void help(void)
{
        printf(
            "berthd [OPTIONS]\n\n"
            "The org.berth1 D-Bus service: images, containers and transfers.\n"
            "Normally started by D-Bus activation as berthd.service.\n\n"
            "  -h --help                Show this help\n"
            "     --version             Show the version\n"
            "     --idle-timeout SEC    Exit after SEC idle seconds; 0: never (default 30,\n"
            "                           or $BERTH_IDLE_TIMEOUT)\n"
            "     --state-dir DIR       Image store and container records (default " BERTH_STATEDIR
            ")\n"
            "     --bus-address ADDR    Serve on this bus instead of the system bus\n");
}

static int parse_timeout(const char *s, Args *a)
{
        uint64_t v;

        if (parse_uint64(s, &v) < 0 || v > UINT64_MAX / 1000000ULL)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "invalid idle timeout: %s", s);
        a->idle_timeout_usec = v * 1000000ULL;
        a->idle_timeout_set = true;
        return 0;
}

static int parse_args(int argc, char **argv, Args *a)
{
        enum { ARG_VERSION = 0x100, ARG_IDLE, ARG_STATE, ARG_BUS };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {"idle-timeout", required_argument, NULL, ARG_IDLE},
            {"state-dir", required_argument, NULL, ARG_STATE},
            {"bus-address", required_argument, NULL, ARG_BUS},
            {},
        };
        const char *e;
        int c, r;

        e = getenv("BERTH_IDLE_TIMEOUT");
        if (e && (r = parse_timeout(e, a)) < 0)
                return r;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berthd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_IDLE:
                        if ((r = parse_timeout(optarg, a)) < 0)
                                return r;
                        break;
                case ARG_STATE:
                        a->state_dir = optarg;
                        break;
                case ARG_BUS:
                        a->bus_address = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "unexpected argument: %s",
                                       argv[optind]);
        return 1;
}

int main(int argc, char **argv)
{
        _cleanup_(manager_freep) Manager *m = NULL;
        Args args = {};
        sigset_t ss;
        int r;

        log_setup("berthd", LOG_TARGET_STDERR);
        r = parse_args(argc, argv, &args);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        /* sd-event handles these: SIGTERM/SIGINT end the loop cleanly,
         * SIGCHLD reports pull workers */
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        r = manager_new(&m);
        if (r < 0)
                return log_error_errno(r, "set up"), 1;
        if (args.state_dir) {
                free(m->state_dir);
                m->state_dir = strdup(args.state_dir);
                if (!m->state_dir)
                        return log_oom(), 1;
        }
        if (args.idle_timeout_set)
                m->idle_timeout_usec = args.idle_timeout_usec;
        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "watch signals"), 1;

        r = manager_connect(m, args.bus_address);
        if (r < 0)
                return 1;
        r = manager_load(m);
        if (r < 0)
                return 1;
        r = manager_run(m);
        return r < 0 ? 1 : 0;
}
