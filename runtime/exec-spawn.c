/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process `exec` starts in a running container. The runtime itself
 * stays in the host's mount namespace, so every host path (pid file,
 * console socket, state) keeps meaning the host's: only the pid namespace
 * is joined here, which takes effect for children. The fork then joins the
 * rest itself (mount, UTS, IPC, network, cgroup, time) and follows the
 * init's last steps: user, working directory, limits, pty, seccomp, ids,
 * capabilities. One O_CLOEXEC pipe reports: an int32 -errno when a step
 * failed (logged by the process), EOF once the command runs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-steps.h"
#include "console.h"
#include "exec.h"
#include "log.h"
#include "spawn.h"
#include "strv.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The namespaces of pid that differ from ours. */
static int namespaces_to_join(pid_t pid)
{
        static const struct {
                const char *name;
                int flag;
        } ns[] = {{"mnt", CLONE_NEWNS},   {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
                  {"ipc", CLONE_NEWIPC},  {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
                  {"time", CLONE_NEWTIME}};
        int flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char p[64], q[64];
                struct stat a, b;

                snprintf(p, sizeof(p), "/proc/self/ns/%s", ns[i].name);
                snprintf(q, sizeof(q), "/proc/%d/ns/%s", (int)pid, ns[i].name);
                if (stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_ino != b.st_ino)
                        flags |= ns[i].flag;
        }
        return flags;
}

/* In the container's mount namespace, /dev/pts/ptmx is its own devpts
 * instance: the pty is the container's, as the init's is. */
static int exec_console(Container *c, const ExecContext *x, int *ret_tty)
{
        _cleanup_close_ int master = -EBADF;
        int r;

        r = console_open_pty(c->uid, c->tty_rows, c->tty_cols, &master, ret_tty);
        if (r >= 0)
                r = console_send(x->console_fd, master, x->console_to ?: "the runtime");
        return r;
}

static int exec_prepare(Container *c, const ExecContext *x, int ns_flags, int *ret_tty)
{
        _cleanup_free_ char *home = NULL;
        int r;

        for (unsigned i = 0; i < x->preserve_fds; i++)
                if (fcntl(3 + (int)i, F_SETFD, 0) < 0)
                        return log_error_errno(errno, "keep fd %u (--preserve-fds)", 3 + i);
        if (ns_flags && setns(x->init_pidfd, ns_flags) < 0)
                return log_error_errno(errno, "join the namespaces of process %d",
                                       (int)x->init_pid);
        if (x->resolve_user) {
                r = user_resolve(c, &home);
                if (r >= 0)
                        r = env_finish(c, home);
                if (r < 0)
                        return r;
        }
        if (x->cwd_fd >= 0 ? fchdir(x->cwd_fd) < 0 : chdir(c->cwd ?: "/") < 0)
                return log_error_errno(errno, "change to working directory %s",
                                       x->cwd_fd >= 0 ? "of the container's init" : c->cwd);
        r = process_limits_apply(c);
        if (r < 0)
                return r;
        if (c->tty) {
                r = exec_console(c, x, ret_tty);
                if (r < 0)
                        return r;
        }
        return 0;
}

static _noreturn_ void exec_child(Container *c, const ExecContext *x, int ns_flags, int error_fd,
                                  const sigset_t *mask)
{
        int tty = -EBADF, saved_stderr = -EBADF;
        char exe[PATH_MAX];
        int32_t v;
        int r;

        /* Until the exec we are root with every capability inside a
         * container whose processes may be hostile: not dumpable, so they
         * cannot ptrace us or open our /proc files (exe, fds, root). The
         * exec makes the command dumpable again. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                r = log_error_errno(errno, "make the process undumpable");
        /* Nothing of the runtime's reaches the command but stdio and the
         * preserved fds. */
        else if (close_range(3 + x->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                r = log_error_errno(errno, "mark inherited fds close-on-exec");
        else if ((r = signals_reset(mask)) >= 0)
                r = exec_prepare(c, x, ns_flags, &tty);
        if (x->console_fd >= 0)
                (void)close(x->console_fd);
        if (r >= 0)
                r = find_executable(c->args[0], strv_env_get(c->env, "PATH"), exe, sizeof(exe));
        if (r >= 0)
                r = process_drop_privileges(c, x->seccomp);
        if (r >= 0 && tty >= 0)
                r = console_take_stdio(TAKE_FD(tty), &saved_stderr);
        if (r >= 0) {
                execve(exe, c->args, c->env);
                r = -errno;
                if (saved_stderr >= 0)
                        (void)dup2(saved_stderr, STDERR_FILENO);
                log_error_errno(r, "execute %s", exe);
        }
        v = r;
        (void)!write(error_fd, &v, sizeof(v));
        _exit(r == -ENOENT ? 127 : 126);
}

int exec_spawn(Container *c, const ExecContext *x, pid_t *ret_pid, int *ret_pidfd)
{
        _cleanup_close_pair_ int pipefd[2] = {-EBADF, -EBADF};
        int flags = namespaces_to_join(x->init_pid), status, pidfd, pidfd_errno;
        sigset_t fwd, old;
        int32_t v;
        ssize_t n;
        pid_t pid;

        /* A fork enters the pid namespace; our own view stays the host's. */
        if ((flags & CLONE_NEWPID) && setns(x->init_pidfd, CLONE_NEWPID) < 0)
                return log_error_errno(errno,
                                       errno == ESRCH ? "the container's init %d has exited"
                                                      : "join the pid namespace of process %d",
                                       (int)x->init_pid);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return log_error_errno(errno, "create a pipe");
        spawn_forward_signals(&fwd);
        sigprocmask(SIG_BLOCK, &fwd, &old);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "fork");
        if (pid == 0) {
                pipefd[0] = safe_close(pipefd[0]);
                exec_child(c, x, flags & ~CLONE_NEWPID, pipefd[1], &old);
        }
        pipefd[1] = safe_close(pipefd[1]);
        /* before anything can reap it, so the pidfd names this process */
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        pidfd_errno = errno;
        do
                n = read(pipefd[0], &v, sizeof(v));
        while (n < 0 && errno == EINTR);
        if (n == 0 && pidfd >= 0) {
                *ret_pid = pid;
                *ret_pidfd = pidfd;
                return 0;
        }
        if (n < 0)
                (void)log_error_errno(errno, "wait for the process to start");
        else if (n == 0)
                (void)log_error_errno(pidfd_errno, "open process %d", (int)pid);
        safe_close(pidfd);
        if (n == 0)
                (void)kill(pid, SIGKILL); /* it runs, but we cannot follow it */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n != sizeof(v))
                return -EIO;
        return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 126;
}
