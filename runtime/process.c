/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last steps before the exec, shared by a container's init (child.c)
 * and a process that `exec` starts in a running container. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "security.h"

/* Bit sig-1 set for each ignored signal, or every bit when the kernel does
 * not say. */
static uint64_t ignored_signals(void)
{
        char buf[4096];
        const char *p;
        uint64_t mask;
        ssize_t n;
        int fd;

        fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return UINT64_MAX;
        n = read(fd, buf, sizeof(buf) - 1);
        (void)close(fd);
        if (n <= 0)
                return UINT64_MAX;
        buf[n] = 0;
        p = strstr(buf, "\nSigIgn:\t");
        if (!p || sscanf(p + 9, "%" SCNx64, &mask) != 1)
                return UINT64_MAX;
        return mask;
}

/* exec resets caught signals by itself; what survives it is SIG_IGN
 * (systemd starts services with SIGPIPE ignored, for one). The kernel lists
 * the ignored signals in /proc/self/status: one read instead of asking
 * sigaction() about all 64. The runtime installs no handlers of its own. */
int signals_reset(const sigset_t *mask)
{
        struct sigaction sa = {.sa_handler = SIG_DFL};
        uint64_t ignored = ignored_signals();

        for (int sig = 1; sig < _NSIG && sig <= 64; sig++)
                if (sig != SIGKILL && sig != SIGSTOP && (ignored & (UINT64_C(1) << (sig - 1))))
                        (void)sigaction(sig, &sa, NULL);
        if (sigprocmask(SIG_SETMASK, mask, NULL) < 0)
                return log_error_errno(errno, "restore signal mask");
        return 0;
}

int process_limits_apply(const Container *c)
{
        int r;

        r = rlimits_apply(c->rlimits, c->n_rlimits);
        if (r < 0)
                return r;
        if (c->set_oom_score_adj) {
                char buf[16];
                int n = snprintf(buf, sizeof(buf), "%d", c->oom_score_adj);
                _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, buf, n) != n)
                        return log_error_errno(errno, "write /proc/self/oom_score_adj");
        }
        if (c->set_umask)
                umask(c->umask);
        return 0;
}

int process_drop_privileges(const Container *c, const SeccompProgram *seccomp)
{
        int r;

        /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before
         * the drop (the default profile allows what follows). */
        if (seccomp && !c->no_new_privileges) {
                r = seccomp_program_install(seccomp);
                if (r < 0)
                        return log_error_errno(r, "install seccomp filter");
        }
        /* Keep the permitted set across the uid switch so the capability
         * code can still shape the bounding set afterwards. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "set keepcaps");
        if (setgroups(c->n_groups, c->groups) < 0)
                return log_error_errno(errno, "set supplementary groups");
        if (setresgid(c->gid, c->gid, c->gid) < 0)
                return log_error_errno(errno, "set gid %u", (unsigned)c->gid);
        if (setresuid(c->uid, c->uid, c->uid) < 0)
                return log_error_errno(errno, "set uid %u", (unsigned)c->uid);
        r = caps_apply(c->caps, c->uid == 0);
        if (r < 0)
                return log_error_errno(r, "apply capabilities");
        if (c->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "set no_new_privs");
        if (seccomp && c->no_new_privileges) {
                r = seccomp_program_install(seccomp);
                if (r < 0)
                        return log_error_errno(r, "install seccomp filter");
        }
        return 0;
}
