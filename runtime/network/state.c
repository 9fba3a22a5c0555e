/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "network-internal.h"

int run_dir_lock(const NetworkContext *ctx, int *ret_run_fd, int *ret_lock_fd)
{
        _cleanup_close_ int run_fd = -EBADF, lock_fd = -EBADF;
        int r;

        /* It exists but for the first attach after a boot. */
        run_fd = open(ctx->run_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (run_fd < 0 && errno == ENOENT) {
                r = mkdir_p(ctx->run_dir, 0755);
                if (r < 0)
                        return log_error_errno(r, "Failed to create %s", ctx->run_dir);
                run_fd = open(ctx->run_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        }
        if (run_fd < 0)
                return log_error_errno(errno, "Failed to open %s", ctx->run_dir);
        lock_fd = openat(run_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0)
                return log_error_errno(errno, "Failed to open %s/lock", ctx->run_dir);
        if (flock(lock_fd, LOCK_EX) < 0)
                return log_error_errno(errno, "Failed to lock %s/lock", ctx->run_dir);
        *ret_run_fd = TAKE_FD(run_fd);
        *ret_lock_fd = TAKE_FD(lock_fd);
        return 0;
}

static int mkdirat_p(int run_fd, const char *a, const char *b)
{
        char path[256];

        if (mkdirat(run_fd, a, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        if (!b)
                return 0;
        snprintf(path, sizeof(path), "%s/%s", a, b);
        if (mkdirat(run_fd, path, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* Creates a file only if absent and writes the owner's name into it. */
static int create_exclusive(int run_fd, const char *path, const char *content)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(content);

        fd = openat(run_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return negative_errno();
        if (write(fd, content, len) != (ssize_t)len) {
                int r = errno > 0 ? -errno : -EIO;
                (void)unlinkat(run_fd, path, 0);
                return r;
        }
        return 0;
}

static int read_owner(int run_fd, const char *path, char **ret)
{
        /* A container name (at most 128 characters), read on the stack
         * rather than into a heap buffer sized for any file: see
         * etc_write_resolv_conf(). */
        char text[512];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        fd = openat(run_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        n = read(fd, text, sizeof(text) - 1);
        if (n < 0)
                return negative_errno();
        text[n] = 0;
        text[strcspn(text, "\n")] = 0;
        *ret = strdup(text);
        return *ret ? 0 : -ENOMEM;
}

static void ipam_path(const char *network, uint32_t a, char *buf, size_t size)
{
        char ip[IPV4_STRLEN];

        snprintf(buf, size, "networks/%s/%s", network, ipv4_format(a, ip));
}

int ipam_allocate(int run_fd, const Network *n, const char *container, uint32_t wanted,
                  uint32_t *ret)
{
        char path[256];
        int r;

        r = mkdirat_p(run_fd, "networks", n->name);
        if (r < 0)
                return r;
        if (wanted != 0) {
                ipam_path(n->name, wanted, path, sizeof(path));
                r = create_exclusive(run_fd, path, container);
                if (r < 0)
                        return r;
                *ret = wanted;
                return 0;
        }
        for (uint64_t a = n->range_start; a <= n->range_end; a++) {
                if (a == n->gateway)
                        continue;
                ipam_path(n->name, (uint32_t)a, path, sizeof(path));
                r = create_exclusive(run_fd, path, container);
                if (r == -EEXIST)
                        continue;
                if (r < 0)
                        return r;
                *ret = (uint32_t)a;
                return 0;
        }
        return -ENOSPC;
}

int ipam_release(int run_fd, const char *network, uint32_t address, const char *container)
{
        _cleanup_free_ char *owner = NULL;
        char path[256];

        ipam_path(network, address, path, sizeof(path));
        if (read_owner(run_fd, path, &owner) >= 0 && !streq(owner, container))
                return 0;
        if (unlinkat(run_fd, path, 0) < 0 && errno != ENOENT)
                return negative_errno();
        /* An empty directory is how a network says it has no members. */
        snprintf(path, sizeof(path), "networks/%s", network);
        (void)unlinkat(run_fd, path, AT_REMOVEDIR);
        return 0;
}

void ipam_entries_free(IpamEntry *e, int n)
{
        for (int i = 0; i < n; i++)
                free(e[i].container);
        free(e);
}

int ipam_list(int run_fd, const char *network, IpamEntry **ret)
{
        _cleanup_closedir_ DIR *d = NULL;
        IpamEntry *l = NULL;
        struct dirent *de;
        char path[256];
        int n = 0, fd;

        snprintf(path, sizeof(path), "networks/%s", network);
        fd = openat(run_fd, path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                *ret = NULL;
                return errno == ENOENT ? 0 : negative_errno();
        }
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                IpamEntry *nl;
                uint32_t a;
                char *owner;

                if (ipv4_parse(de->d_name, &a) < 0)
                        continue;
                if (read_owner(dirfd(d), de->d_name, &owner) < 0)
                        continue;
                nl = realloc(l, (n + 1) * sizeof(*l));
                if (!nl) {
                        free(owner);
                        ipam_entries_free(l, n);
                        return -ENOMEM;
                }
                l = nl;
                l[n++] = (IpamEntry){.address = a, .container = owner};
        }
        *ret = l;
        return n;
}

static void port_path(const PortMapping *m, char *buf, size_t size)
{
        snprintf(buf, size, "ports/%s-%u", proto_name(m->proto), m->host_port);
}

int port_reserve(int run_fd, const PortMapping *m, const char *container)
{
        char path[64];
        int r = mkdirat_p(run_fd, "ports", NULL);

        if (r < 0)
                return r;
        port_path(m, path, sizeof(path));
        return create_exclusive(run_fd, path, container);
}

int port_owner(int run_fd, const PortMapping *m, char **ret)
{
        char path[64];

        port_path(m, path, sizeof(path));
        return read_owner(run_fd, path, ret);
}

int port_release(int run_fd, const PortMapping *m, const char *container)
{
        _cleanup_free_ char *owner = NULL;
        char path[64];

        /* Only the holder releases: after a reclaim the port may belong to
         * a newer container already. */
        if (port_owner(run_fd, m, &owner) < 0 || !streq(owner, container))
                return 0;
        port_path(m, path, sizeof(path));
        if (unlinkat(run_fd, path, 0) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int sysctl_write(const char *path, const char *value)
{
        _cleanup_free_ char *cur = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);

        if (read_full_file(path, 64, &cur, NULL) >= 0 && strneq(cur, value, len))
                return 0;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (write(fd, value, len) != (ssize_t)len)
                return errno > 0 ? -errno : -EIO;
        return 0;
}
