/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --init: PID 1 stays our own code (no exec), forks the command, forwards
 * signals to it and reaps every orphan, like tini or docker --init. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "spawn.h"
#include "strv.h"

static void noop_handler(int sig)
{
}

_noreturn_ void init_run(Container *c, const char *exe, int error_fd)
{
        struct sigaction sa = {.sa_handler = noop_handler};
        sigset_t all, old;
        pid_t child;

        /* PID 1 only receives signals it has a handler for. */
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);

        child = fork();
        if (child < 0) {
                int32_t v = -errno;
                log_error_errno(errno, "fork the container command");
                (void)!write(error_fd, &v, sizeof(v));
                _exit(1);
        }
        if (child == 0) {
                int32_t v;
                char pid[32];

                sa.sa_handler = SIG_DFL;
                for (int sig = 1; sig < _NSIG; sig++)
                        if (sig != SIGKILL && sig != SIGSTOP)
                                (void)sigaction(sig, &sa, NULL);
                sigprocmask(SIG_SETMASK, &old, NULL);
                if (strv_env_get(c->env, "LISTEN_FDS")) {
                        snprintf(pid, sizeof(pid), "LISTEN_PID=%d", (int)getpid());
                        (void)strv_env_set(&c->env, pid);
                }
                execve(exe, c->args, c->env);
                v = -errno;
                log_error_errno(errno, "execute %s", exe);
                (void)!write(error_fd, &v, sizeof(v));
                _exit(errno == ENOENT ? 127 : 126);
        }
        /* The command's exec closes its copy; ours must go too so the
         * runtime sees EOF once the command runs. */
        close(error_fd);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        kill(child, sig);
                        continue;
                }
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);

                        if (p <= 0)
                                break;
                        if (p != child)
                                continue;
                        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                }
        }
}
