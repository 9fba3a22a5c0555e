/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last steps before the exec, shared by a container's init (child.c)
 * and a process that `exec` starts in a running container. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "security.h"

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
