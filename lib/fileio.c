/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

static int split_dir(const char *path, char **ret_dir, const char **ret_base)
{
        const char *slash = strrchr(path, '/');

        if (!slash) {
                *ret_dir = strdup(".");
                *ret_base = path;
        } else {
                *ret_dir = slash == path ? strdup("/") : strndup(path, slash - path);
                *ret_base = slash + 1;
        }
        return *ret_dir ? 0 : -ENOMEM;
}

int write_file_atomic_at_flags(int dirfd, const char *path, const void *data, size_t len,
                               mode_t mode, WriteFileFlags flags)
{
        _cleanup_free_ char *dir = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, own_dfd = -EBADF;
        const char *base;
        const char *p = data;
        int dfd, r;

        r = split_dir(path, &dir, &base);
        if (r < 0)
                return r;
        if (isempty(base))
                return -EISDIR;

        if (strchr(path, '/')) {
                own_dfd = openat(dirfd, dir, O_DIRECTORY | O_CLOEXEC | O_RDONLY);
                if (own_dfd < 0)
                        return negative_errno();
                dfd = own_dfd;
        } else
                dfd = dirfd; /* no need to open what the caller holds */

        if (asprintf(&tmp, ".#%s.%lx%x", base, (unsigned long)getpid(), (unsigned)random()) < 0)
                return -ENOMEM;

        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        goto fail;
                }
                p += n;
                len -= n;
        }
        if ((!(flags & WRITE_FILE_MODE_FROM_UMASK) && fchmod(fd, mode) < 0) ||
            ((flags & WRITE_FILE_SYNC) && fsync(fd) < 0)) {
                r = negative_errno();
                goto fail;
        }
        if (renameat(dfd, tmp, dfd, base) < 0) {
                r = negative_errno();
                goto fail;
        }
        if (flags & WRITE_FILE_SYNC)
                (void)fsync(dfd);
        return 0;
fail:
        (void)unlinkat(dfd, tmp, 0);
        return r;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode)
{
        return write_file_atomic_at_flags(dirfd, path, data, len, mode, WRITE_FILE_SYNC);
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
        return write_file_atomic_at(AT_FDCWD, path, data, len, mode);
}

int read_full_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        for (;;) {
                ssize_t n;

                if (cap - len < 4096) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nbuf;

                        if (ncap > max + 1)
                                ncap = max + 1;
                        if (ncap <= len)
                                return -EFBIG;
                        nbuf = realloc(buf, ncap + 1);
                        if (!nbuf)
                                return -ENOMEM;
                        buf = nbuf;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += n;
                if (len > max)
                        return -EFBIG;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        return read_full_file_at(AT_FDCWD, path, max, ret, ret_len);
}

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        char *s;

        if (!p)
                return -ENOMEM;
        for (s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

int mkdir_parents(const char *path, mode_t mode)
{
        _cleanup_free_ char *dir = NULL;
        const char *base;
        int r;

        r = split_dir(path, &dir, &base);
        if (r < 0)
                return r;
        return mkdir_p(dir, mode);
}

static int rm_rf_children(int dfd, dev_t dev)
{
        _cleanup_(closedir_p) DIR *d = NULL;
        struct dirent *de;
        int r = 0;

        d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT && r == 0)
                                r = negative_errno();
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        int cfd;

                        if (st.st_dev != dev) /* a mount point: never descend */
                                continue;
                        cfd = openat(dirfd(d), de->d_name,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd >= 0) {
                                int q = rm_rf_children(cfd, dev);
                                if (q < 0 && r == 0)
                                        r = q;
                        }
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
                            r == 0)
                                r = negative_errno();
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0)
                        r = negative_errno();
        }
        return r;
}

int rm_rf_at(int dirfd, const char *path)
{
        struct stat st;
        int fd, r;

        if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, path, 0) < 0 && errno != ENOENT ? negative_errno() : 0;

        fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = rm_rf_children(fd, st.st_dev);
        if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = negative_errno();
        return r;
}

int rm_rf(const char *path)
{
        return rm_rf_at(AT_FDCWD, path);
}

int fsync_path(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        return fsync(fd) < 0 ? negative_errno() : 0;
}
