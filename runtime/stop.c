/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-runtime stop: ExecStop= of a container unit.
 *
 * systemd cannot wait for a main process that is not its own child when it
 * stops a unit, so without this it sends SIGKILL right after the stop
 * signal and an application never gets to shut down cleanly. Here the stop
 * signal goes to the container's init and we wait, through a pidfd, until it
 * has exited or the grace period is over, then SIGKILL: Docker's stop.
 * TimeoutStopSec= of the unit must leave room for the grace period.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>

#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "verbs.h"

static void stop_help(void)
{
        printf("berth-runtime stop [--pid PID] [--signal SIG] [--time SECONDS]\n\n"
               "Sends SIG (default SIGTERM) to a container's init (default: $MAINPID),\n"
               "waits until it has exited, and sends SIGKILL after SECONDS (default 10).\n");
}

int verb_stop(int argc, char **argv)
{
        static const struct option options[] = {
            {"pid", required_argument, NULL, 'p'},
            {"signal", required_argument, NULL, 's'},
            {"time", required_argument, NULL, 't'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        const char *pid_s = getenv("MAINPID");
        _cleanup_close_ int pidfd = -EBADF;
        struct pollfd p;
        uint32_t pid, grace = 10;
        int sig = SIGTERM, c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "hp:s:t:", options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        pid_s = optarg;
                        break;
                case 's':
                        sig = parse_signal(optarg);
                        if (sig < 0) {
                                log_error("stop: unknown signal %s", optarg);
                                return 2;
                        }
                        break;
                case 't':
                        if (parse_uint32(optarg, &grace) < 0 || grace > 24 * 3600) {
                                log_error("stop: invalid time %s", optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        stop_help();
                        return 0;
                default:
                        return 2;
                }

        /* No main process any more: nothing to stop. */
        if (isempty(pid_s))
                return 0;
        if (parse_uint32(pid_s, &pid) < 0 || pid <= 1) {
                log_error("stop: invalid pid %s", pid_s);
                return 2;
        }
        pidfd = pidfd_open((pid_t)pid, 0);
        if (pidfd < 0) {
                if (errno == ESRCH)
                        return 0;
                log_error_errno(errno, "stop: open process %u", pid);
                return 1;
        }
        if (pidfd_send_signal(pidfd, sig, NULL, 0) < 0) {
                if (errno == ESRCH)
                        return 0;
                log_error_errno(errno, "stop: signal process %u", pid);
                return 1;
        }
        p = (struct pollfd){.fd = pidfd, .events = POLLIN};
        for (int round = 0; round < 2; round++) {
                int n;

                /* After the grace period, SIGKILL and a short wait for the
                 * kernel to tear the namespace down. */
                do
                        n = poll(&p, 1, round == 0 ? (int)grace * 1000 : 5000);
                while (n < 0 && errno == EINTR);
                if (n < 0) {
                        log_error_errno(errno, "stop: wait for process %u", pid);
                        return 1;
                }
                if (n > 0)
                        return 0;
                if (round == 0) {
                        log_info("stop: process %u still runs after %u s, sending SIGKILL", pid,
                                 grace);
                        if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH) {
                                log_error_errno(errno, "stop: kill process %u", pid);
                                return 1;
                        }
                }
        }
        log_error("stop: process %u did not exit after SIGKILL", pid);
        return 1;
}
