/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container init between clone and exec. Order matters:
 *  1. host side (still the host's mount tree): join namespaces, make the tree
 *     private, mount the rootfs, open bind sources as detached trees;
 *  2. pivot_root: from here on every path resolves inside the container, so
 *     an image's symlinks cannot point a mount or mkdir at the host;
 *  3. filesystems, /dev, sysctls, masks, read-only paths, hostname, lo;
 *  4. user lookup in the image's files, workdir, read-only root;
 *  5. credentials, capabilities and seccomp (before dropping caps unless
 *     no_new_privs, since loading a filter needs CAP_SYS_ADMIN otherwise);
 *  6. exec. The error pipe is O_CLOEXEC: EOF tells the parent it worked. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child-steps.h"
#include "console.h"
#include "log.h"
#include "netattach.h"
#include "spawn.h"
#include "strv.h"

static _noreturn_ void child_fail(SpawnContext *ctx, int r)
{
        int32_t v = r < 0 ? r : -EIO;

        (void)!write(ctx->error_fd, &v, sizeof(v));
        _exit(1);
}

static int join_namespaces(Container *c)
{
        for (size_t i = 0; i < c->n_joins; i++) {
                _cleanup_close_ int fd = open(c->joins[i].path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(errno, "open namespace %s", c->joins[i].path);
                if (setns(fd, c->joins[i].type) < 0)
                        return log_error_errno(errno, "join namespace %s", c->joins[i].path);
        }
        return 0;
}

static int read_full(int fd, void *buf, size_t size)
{
        for (size_t done = 0; done < size;) {
                ssize_t n = read(fd, (char *)buf + done, size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EPIPE;
                done += n;
        }
        return 0;
}

/* Whether a mount of c already targets path; destinations compare with
 * repeated and trailing slashes ignored. */
static bool mounted_at(const Container *c, const char *path)
{
        for (size_t i = 0; i < c->n_mounts; i++) {
                const char *a = c->mounts[i].destination, *b = path;

                for (;;) {
                        while (a[0] == '/' && (a[1] == '/' || a[1] == 0))
                                a++;
                        while (b[0] == '/' && (b[1] == '/' || b[1] == 0))
                                b++;
                        if (*a != *b)
                                break;
                        if (*a == 0)
                                return true;
                        a++, b++;
                }
        }
        return false;
}

/* --network bridge|NAME: waits until the parent has attached our network
 * namespace, then binds its /etc files over the image's (Docker does the
 * same, so the files stay current as peers come and go). */
static int net_receive(Container *c, SpawnContext *ctx)
{
        _cleanup_free_ char *buf = NULL;
        const char *p;
        uint32_t len;
        int r;

        r = read_full(ctx->net_fd, &len, sizeof(len));
        if (r == -EPIPE)
                _exit(1); /* the parent failed to attach and logged why */
        if (r < 0)
                return log_error_errno(r, "read the network files from the runtime");
        if (len == 0 || len > 3 * PATH_MAX || !(buf = malloc(len)))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "bad network message from the runtime");
        r = read_full(ctx->net_fd, buf, len);
        if (r < 0 || buf[len - 1] != '\0')
                return log_error_errno(r < 0 ? r : EINVAL,
                                       "read the network files from the runtime");
        ctx->net_fd = safe_close(ctx->net_fd);
        p = buf;
        for (int i = 0; i < 3; i++) {
                MountSpec m = {.kind = MOUNT_BIND,
                               .source = (char *)p,
                               .destination = (char *)container_net_etc_files[i],
                               .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC};
                if (p >= buf + len)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "bad network message from the runtime");
                /* As with Docker, a volume the user put there wins. */
                if (!mounted_at(c, m.destination) && container_add_mount(c, &m) < 0)
                        return log_oom();
                p += strlen(p) + 1;
        }
        return 0;
}

static int setup_host_side(Container *c, SpawnContext *ctx)
{
        int r;

        r = join_namespaces(c);
        if (r < 0)
                return r;
        /* Nothing we mount may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return log_error_errno(errno, "make mount tree private on /");
        r = rootfs_mount(c, ctx->root_target);
        if (r < 0)
                return r;
        r = mounts_open_sources(c);
        if (r < 0)
                return r;
        if (ctx->notify_path) {
                ctx->notify_fd =
                    open_tree(AT_FDCWD, ctx->notify_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (ctx->notify_fd < 0)
                        return log_error_errno(errno, "open notify socket %s", ctx->notify_path);
        }
        return rootfs_pivot(ctx->root_target);
}

static int setup_container_side(Container *c, SpawnContext *ctx)
{
        int r;

        r = mounts_apply(c);
        if (r < 0)
                return r;
        if (c->default_devices) {
                r = dev_populate();
                if (r < 0)
                        return r;
        }
        r = dev_add(c->devices, c->n_devices);
        if (r < 0)
                return r;
        r = sysctls_apply(c->sysctls, c->n_sysctls);
        if (r < 0)
                return r;
        r = paths_mask(c->masked_paths);
        if (r < 0)
                return r;
        r = paths_make_readonly(c->readonly_paths);
        if (r < 0)
                return r;
        if (ctx->notify_fd >= 0) {
                r = mount_detached(ctx->notify_fd, NOTIFY_SOCKET_IN_CONTAINER, false);
                if (r < 0)
                        return r;
        }
        if (c->hostname && (c->clone_flags & CLONE_NEWUTS) &&
            sethostname(c->hostname, strlen(c->hostname)) < 0)
                return log_error_errno(errno, "set hostname %s", c->hostname);
        if (c->clone_flags & CLONE_NEWNET) {
                r = loopback_up();
                if (r < 0)
                        return r;
        }
        return 0;
}

static int setup_process(Container *c)
{
        _cleanup_free_ char *home = NULL;
        int r;

        r = user_resolve(c, &home);
        if (r < 0)
                return r;
        r = env_finish(c, home);
        if (r < 0)
                return r;
        if (c->cwd) {
                /* Docker creates a missing working directory. */
                r = mkdir_p(c->cwd, 0755);
                if (r < 0 && r != -EEXIST && r != -EROFS)
                        return log_error_errno(r, "create working directory %s", c->cwd);
                if (chdir(c->cwd) < 0)
                        return log_error_errno(errno, "change to working directory %s", c->cwd);
        }
        r = rootfs_finish(c);
        if (r < 0)
                return r;
        return process_limits_apply(c);
}

/* After the user is known (the pty is handed to it) and before the uid
 * switch; only the init can open its devpts instance's ptmx. The terminal
 * goes on stdio only just before the exec, so that the messages of the
 * steps until then still reach the runtime's stderr. */
static int setup_console(Container *c, SpawnContext *ctx)
{
        _cleanup_close_ int master = -EBADF;
        int r;

        r = console_open_pty(c->uid, c->tty_rows, c->tty_cols, &master, &ctx->tty_fd);
        if (r >= 0)
                r = console_mount_dev_console(master);
        if (r >= 0)
                r = console_send(ctx->console_fd, master, c->console_socket ?: "the runtime");
        ctx->console_fd = safe_close(ctx->console_fd);
        return r;
}

static int wait_for_start(SpawnContext *ctx)
{
        int32_t ready = SPAWN_READY;
        char path[64];
        _cleanup_close_ int fd = -EBADF;

        if (write(ctx->error_fd, &ready, sizeof(ready)) != sizeof(ready))
                return log_error_errno(errno, "report readiness to the runtime");
        /* Blocks until `start` opens the fifo for reading. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", ctx->exec_fifo_fd);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "open exec.fifo");
        if (write(fd, "0", 1) != 1)
                return log_error_errno(errno, "write exec.fifo");
        ctx->exec_fifo_fd = safe_close(ctx->exec_fifo_fd);
        return 0;
}

_noreturn_ void child_main(Container *c, SpawnContext *ctx)
{
        char exe[PATH_MAX];
        int saved_stderr = -EBADF;
        int r;

        /* Everything but stdio, the LISTEN_FDS and our own pipes goes at exec. */
        if (close_range(3 + ctx->n_listen_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                child_fail(ctx, log_error_errno(errno, "mark inherited fds close-on-exec"));
        for (unsigned i = 0; i < ctx->n_listen_fds; i++)
                if (fcntl(3 + (int)i, F_SETFD, 0) < 0)
                        child_fail(ctx, log_error_errno(errno, "keep LISTEN_FDS fd %u", 3 + i));

        r = signals_reset(&ctx->saved_mask);
        if (r >= 0 && ctx->net_fd >= 0)
                r = net_receive(c, ctx);
        if (r >= 0)
                r = setup_host_side(c, ctx);
        if (r >= 0)
                r = setup_container_side(c, ctx);
        if (r >= 0)
                r = setup_process(c);
        if (r >= 0 && ctx->console_fd >= 0)
                r = setup_console(c, ctx);
        if (r >= 0)
                r = find_executable(c->args[0], strv_env_get(c->env, "PATH"), exe, sizeof(exe));
        if (r >= 0 && ctx->exec_fifo_fd >= 0)
                r = wait_for_start(ctx);
        if (r >= 0)
                r = process_drop_privileges(c, ctx->seccomp);
        if (r >= 0 && ctx->tty_fd >= 0)
                r = console_take_stdio(TAKE_FD(ctx->tty_fd), &saved_stderr);
        if (r < 0)
                child_fail(ctx, r);

        if (c->init)
                init_run(c, exe, ctx->error_fd);
        execve(exe, c->args, c->env);
        r = -errno;
        if (saved_stderr >= 0)
                (void)dup2(saved_stderr, STDERR_FILENO);
        log_error_errno(r, "execute %s", exe);
        child_fail(ctx, r);
}
