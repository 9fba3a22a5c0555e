/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What happens after a successful start: hand the init to systemd, or stay
 * in the foreground as its stand-in. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handoff.h"
#include "log.h"
#include "notify.h"
#include "spawn.h"

#define BARRIER_TIMEOUT_MS 5000

bool handoff_wanted(void)
{
        const char *s = getenv("NOTIFY_SOCKET");

        return !isempty(s);
}

int handoff_to_systemd(pid_t pid, bool app_notifies)
{
        int r;

        /* systemd accepts MAINPID= from a process of the unit's cgroup with
         * NotifyAccess=all; once we exit, the init is reparented to it. */
        char msg[64];

        snprintf(msg, sizeof(msg), "MAINPID=%d%s", (int)pid, app_notifies ? "" : "\nREADY=1");
        r = notify_message(msg);
        if (r < 0)
                return log_error_errno(r, "send MAINPID=%d to systemd", (int)pid);
        /* Exiting before systemd read the message would make it see its main
         * process gone and fail the unit. */
        r = notify_barrier(BARRIER_TIMEOUT_MS);
        if (r < 0)
                return log_error_errno(r, "wait for systemd to read MAINPID=%d", (int)pid);
        return 0;
}

int foreground_wait(pid_t pid, int pidfd)
{
        sigset_t fwd;

        spawn_forward_signals(&fwd);
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&fwd, &si);

                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "wait for signals");
                }
                if (sig == SIGCHLD) {
                        int status;
                        pid_t p = waitpid(pid, &status, WNOHANG);

                        if (p < 0)
                                return log_error_errno(errno, "wait for the container");
                        if (p == 0)
                                continue;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                /* The pidfd cannot hit a recycled pid. */
                if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                        log_warning_errno(errno, "forward signal %d to the container", sig);
        }
}
