/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs after pivot_root, so /etc/passwd is the image's own file and its
 * symlinks cannot lead out of the container. It can still be a fifo, a
 * device or huge: only regular files of a sane size are read. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "user-db.h"

#define USER_DB_MAX (4U * 1024 * 1024)

static int read_user_db(const char *path, char **ret)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t done = 0;

        *ret = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "open %s", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(SYNTHETIC_ERRNO(EBADF), "read %s: not a regular file", path);
        if (st.st_size > USER_DB_MAX)
                return log_error_errno(EFBIG, "read %s", path);
        buf = malloc(st.st_size + 1);
        if (!buf)
                return log_oom();
        while (done < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + done, st.st_size - done);
                if (n < 0)
                        return log_error_errno(errno, "read %s", path);
                if (n == 0)
                        break;
                done += n;
        }
        buf[done] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

int user_resolve(Container *c, char **ret_home)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        ExecUser u = {};
        int r;

        r = read_user_db("/etc/passwd", &passwd);
        if (r < 0)
                return r;
        r = read_user_db("/etc/group", &group);
        if (r < 0)
                return r;
        r = exec_user_resolve(c->user_spec, c->group_add, passwd, group, &u);
        if (r == -ESRCH)
                return log_error_errno(r, "find user %s in the image's /etc/passwd", c->user_spec);
        if (r == -ENXIO)
                return log_error_errno(r, "find a group of %s in the image's /etc/group",
                                       c->user_spec);
        if (r < 0)
                return log_error_errno(r, "resolve user %s", strempty(c->user_spec));
        c->uid = u.uid;
        c->gid = u.gid;
        free(c->groups);
        c->groups = TAKE_PTR(u.groups);
        c->n_groups = u.n_groups;
        *ret_home = TAKE_PTR(u.home);
        return 0;
}
