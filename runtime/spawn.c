/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parent side of a container start. One pipe is the only synchronisation:
 * the child writes an int32 -errno when a step fails (after logging it), or
 * SPAWN_READY when it waits for an OCI `start`; EOF means it has exec'd. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-steps.h"
#include "clone-vm.h"
#include "layer.h"
#include "log.h"
#include "netattach.h"
#include "parse-util.h"
#include "spawn.h"
#include "strv.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

void spawn_forward_signals(sigset_t *ret)
{
        static const int sigs[] = {SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM, SIGUSR1, SIGUSR2,
                                   SIGALRM, SIGCONT, SIGWINCH, SIGPWR,  SIGCHLD};

        sigemptyset(ret);
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(ret, sigs[i]);
}

/* systemd passes socket-activated fds as 3.. with LISTEN_PID set to us. */
static int listen_fds_take(Container *c, unsigned *ret)
{
        const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
        const char *names = getenv("LISTEN_FDNAMES");
        char buf[64];
        uint32_t p, n;

        *ret = 0;
        if (!pid || !fds || parse_uint32(pid, &p) < 0 || (pid_t)p != getpid() ||
            parse_uint32(fds, &n) < 0 || n == 0)
                return 0;
        if (n > 4096)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "LISTEN_FDS=%s is out of range",
                                       fds);
        for (unsigned i = 0; i < n; i++)
                if (fcntl(3 + (int)i, F_GETFD) < 0)
                        return log_error_errno(errno, "LISTEN_FDS fd %u", 3 + i);
        snprintf(buf, sizeof(buf), "LISTEN_FDS=%u", n);
        if (strv_env_set(&c->env, buf) < 0 || strv_env_set(&c->env, "LISTEN_PID=1") < 0)
                return log_oom();
        if (names) {
                _cleanup_free_ char *e = NULL;
                if (asprintf(&e, "LISTEN_FDNAMES=%s", names) < 0 || strv_env_set(&c->env, e) < 0)
                        return log_oom();
        }
        *ret = n;
        return 0;
}

static int notify_socket_prepare(Container *c, SpawnContext *ctx)
{
        const char *s = getenv("NOTIFY_SOCKET");

        if (!c->notify || !s)
                return 0;
        if (s[0] != '/')
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "--notify needs NOTIFY_SOCKET to be a path, not %s", s);
        ctx->notify_path = s;
        if (strv_env_set(&c->env, "NOTIFY_SOCKET=" NOTIFY_SOCKET_IN_CONTAINER) < 0)
                return log_oom();
        return 0;
}

static int seccomp_prepare(Container *c, SeccompProgram **ret)
{
        int r;

        *ret = NULL;
        switch (c->seccomp_mode) {
        case SECCOMP_MODE_UNCONFINED:
                return 0;
        case SECCOMP_MODE_FILE:
                r = seccomp_program_from_file(c->seccomp_file, c->caps, ret);
                return r < 0 ? log_error_errno(r, "load seccomp profile %s", c->seccomp_file) : 0;
        default:
                r = seccomp_program_default(c->caps, ret);
                return r < 0 ? log_error_errno(r, "load the default seccomp profile") : 0;
        }
}

static int clone_flags(const Container *c)
{
        static int have_timens = -1;
        int flags = c->clone_flags;

        if (have_timens < 0)
                have_timens = access("/proc/self/ns/time", F_OK) == 0;
        if (!have_timens)
                flags &= ~CLONE_NEWTIME;
        return flags;
}

static int wait_child(Container *c, SpawnContext *ctx, int read_fd, SpawnWait wait, pid_t pid)
{
        int32_t v;
        ssize_t n;

        for (;;) {
                n = read(read_fd, &v, sizeof(v));
                if (n < 0 && errno == EINTR)
                        continue;
                break;
        }
        if (n == 0)
                return 0;
        if (n == sizeof(v) && v == SPAWN_READY && wait == SPAWN_WAIT_READY)
                return 0;
        if (n < 0)
                return log_error_errno(errno, "read the container's start status");
        /* The child logged the failing step itself. */
        (void)waitpid(pid, NULL, 0);
        return n == sizeof(v) && v < 0 ? v : -EIO;
}

/* The child waits for these before its mounts: a uint32 length, then the
 * host paths of /etc/hosts, resolv.conf and hostname, NUL-terminated. */
static int net_attach_child(Container *c, pid_t pid, int net_fd)
{
        char *files[3] = {};
        _cleanup_free_ char *msg = NULL;
        size_t len = 0, off;
        int r;

        r = container_net_attach(c->net, c->name, c->hostname, pid, files);
        if (r < 0)
                return r;
        for (int i = 0; i < 3; i++)
                len += strlen(files[i]) + 1;
        msg = malloc(sizeof(uint32_t) + len);
        if (!msg) {
                r = log_oom();
                goto out;
        }
        *(uint32_t *)msg = (uint32_t)len;
        off = sizeof(uint32_t);
        for (int i = 0; i < 3; i++) {
                size_t l = strlen(files[i]) + 1;
                memcpy(msg + off, files[i], l);
                off += l;
        }
        /* Far below PIPE_BUF times the pipe's capacity: one write. */
        if (write(net_fd, msg, off) != (ssize_t)off)
                r = log_error_errno(errno, "pass the network files to the container");
out:
        for (int i = 0; i < 3; i++)
                free(files[i]);
        return r;
}

static void net_undo(Container *c)
{
        if (c->net && c->net->attached) {
                (void)container_net_detach(c->net->state_dir, c->net->run_dir, c->name);
                c->net->attached = false;
        }
}

int container_spawn_result(Container *c, int status_fd)
{
        int32_t v;
        ssize_t n = read(status_fd, &v, sizeof(v));

        if (n != sizeof(v) || v >= 0)
                return 0;
        if (c)
                net_undo(c);
        if (c && c->rootfs_kind == ROOTFS_OVERLAY && c->layer_dir)
                layer_dir_undo(c);
        return v;
}

typedef struct ChildArgs {
        Container *c;
        const SpawnContext *ctx;
        int close_fds[2]; /* the parent's ends of the pipes */
} ChildArgs;

static int child_entry(void *p)
{
        const ChildArgs *a = p;
        /* Under CLONE_VM *a lives on the parent's stack: work on a copy. */
        SpawnContext ctx = *a->ctx;

        for (int i = 0; i < 2; i++)
                if (a->close_fds[i] >= 0)
                        (void)close(a->close_fds[i]);
        if (ctx.unshare_time && unshare(CLONE_NEWTIME) < 0) {
                int32_t v = -errno;
                log_error_errno(errno, "create the time namespace");
                (void)!write(ctx.error_fd, &v, sizeof(v));
                _exit(1);
        }
        child_main(a->c, &ctx);
}

/* The child can share our memory, vfork-style, when we have nothing to do
 * until it has exec'd: no network to attach meanwhile, no OCI `start` to
 * wait for, no --init that never execs. That spares copying the page tables
 * and the copy-on-write faults in both processes afterwards, which are
 * costly on virtual machines. Memory the child changes (the Container, the
 * heap) is then ours too, as if we had done it. */
static bool vfork_ok(const Container *c, SpawnWait wait, int exec_fifo_fd)
{
        return !c->net && !c->init && exec_fifo_fd < 0 && wait != SPAWN_WAIT_READY;
}

/* The child used at most 17 KiB in the tests (error paths included). */
#define CHILD_STACK_SIZE     (512UL * 1024)
#define CHILD_STACK_PREFAULT (32UL * 1024)

/* Returns the child's pid or -errno (logged). */
static pid_t spawn_clone(Container *c, SpawnContext *ctx, const int close_fds[2], bool share_vm,
                         int *ret_pidfd)
{
        struct clone_args_v0 args = {.exit_signal = SIGCHLD};
        ChildArgs child = {.c = c, .ctx = ctx, .close_fds = {close_fds[0], close_fds[1]}};
        uint64_t flags = (uint64_t)clone_flags(c);
        void *stack;
        pid_t pid;

        args.pidfd = (uint64_t)(uintptr_t)ret_pidfd;
        if (share_vm) {
                stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
                if (stack != MAP_FAILED) {
                        /* One call maps what the child will touch, not a fault a page. */
                        (void)madvise((char *)stack + CHILD_STACK_SIZE - CHILD_STACK_PREFAULT,
                                      CHILD_STACK_PREFAULT, MADV_POPULATE_WRITE);
                        /* A CLONE_VM child shares our time namespace; it enters
                         * its own at exec (see child_entry). */
                        ctx->unshare_time = flags & CLONE_NEWTIME;
                        args.flags = (flags & ~(uint64_t)CLONE_NEWTIME) | CLONE_PIDFD | CLONE_VM |
                                     CLONE_VFORK;
                        args.stack = (uint64_t)(uintptr_t)stack;
                        args.stack_size = CHILD_STACK_SIZE;
                        pid = clone3_vm(&args, child_entry, &child);
                        ctx->unshare_time = false;
                        /* Not unmapped: a process spawns one container, and
                         * its exit frees the stack without the TLB shootdown
                         * an munmap() now costs (0.1-0.3 ms measured here,
                         * the child having run on another CPU). */
                        if (pid >= 0)
                                return pid;
                        if (errno != ENOSYS)
                                return log_error_errno(errno, "create the container's namespaces "
                                                              "(clone3)");
                }
        }
        args.flags = flags | CLONE_PIDFD;
        args.stack = args.stack_size = 0;
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                return log_error_errno(errno, "create the container's namespaces (clone3)");
        if (pid == 0)
                child_entry(&child);
        return pid;
}

int container_spawn(Container *c, SpawnWait wait, int exec_fifo_fd, int console_fd, pid_t *ret_pid,
                    int *ret_pidfd, int *ret_status_fd)
{
        _cleanup_(seccomp_program_freep) SeccompProgram *seccomp = NULL;
        _cleanup_free_ char *target = NULL;
        _cleanup_close_pair_ int pipe_fds[2] = {-EBADF, -EBADF}, net_fds[2] = {-EBADF, -EBADF};
        SpawnContext ctx = {.exec_fifo_fd = exec_fifo_fd,
                            .notify_fd = -EBADF,
                            .net_fd = -EBADF,
                            .console_fd = console_fd,
                            .tty_fd = -EBADF};
        sigset_t fwd;
        int pidfd = -EBADF;
        pid_t pid;
        int r;

        if (strv_length(c->args) == 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "no command to run: the image has none and none "
                                       "was given");
        r = listen_fds_take(c, &ctx.n_listen_fds);
        if (r < 0)
                return r;
        r = notify_socket_prepare(c, &ctx);
        if (r < 0)
                return r;
        r = seccomp_prepare(c, &seccomp);
        if (r < 0)
                return r;
        ctx.seccomp = seccomp;

        if (c->rootfs_kind == ROOTFS_OVERLAY) {
                r = layer_dir_prepare(c, &target);
                if (r < 0)
                        goto fail;
        } else if (!(target = strdup(c->root_path))) {
                r = log_oom();
                goto fail;
        }
        ctx.root_target = target;
        for (size_t i = 0; i < c->n_mounts; i++)
                if (c->mounts[i].create_source) {
                        r = mkdir_p(c->mounts[i].source, 0755);
                        if (r < 0) {
                                log_error_errno(r, "create volume %s", c->mounts[i].source);
                                goto fail;
                        }
                }

        if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
                r = log_error_errno(errno, "create the start pipe");
                goto fail;
        }
        if (c->net && pipe2(net_fds, O_CLOEXEC) < 0) {
                r = log_error_errno(errno, "create the network pipe");
                goto fail;
        }
        spawn_forward_signals(&fwd);
        sigprocmask(SIG_BLOCK, &fwd, &ctx.saved_mask);

        ctx.error_fd = pipe_fds[1];
        ctx.net_fd = net_fds[0];
        pid = spawn_clone(c, &ctx, (int[2]){pipe_fds[0], net_fds[1]},
                          vfork_ok(c, wait, exec_fifo_fd), &pidfd);
        if (pid < 0) {
                r = pid;
                goto fail;
        }
        pipe_fds[1] = safe_close(pipe_fds[1]);
        if (c->net) {
                net_fds[0] = safe_close(net_fds[0]);
                r = net_attach_child(c, pid, net_fds[1]);
                net_fds[1] = safe_close(net_fds[1]);
                if (r < 0) {
                        (void)kill(pid, SIGKILL);
                        (void)waitpid(pid, NULL, 0);
                        safe_close(pidfd);
                        goto fail;
                }
        }
        if (wait == SPAWN_WAIT_NONE) {
                *ret_pid = pid;
                *ret_pidfd = pidfd;
                *ret_status_fd = TAKE_FD(pipe_fds[0]);
                return 0;
        }
        r = wait_child(c, &ctx, pipe_fds[0], wait, pid);
        if (r < 0) {
                safe_close(pidfd);
                goto fail;
        }
        *ret_pid = pid;
        *ret_pidfd = pidfd;
        return 0;
fail:
        net_undo(c);
        if (c->rootfs_kind == ROOTFS_OVERLAY && c->layer_dir)
                layer_dir_undo(c);
        return r;
}
