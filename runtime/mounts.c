/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "strv.h"

static uint64_t ms_to_attr(unsigned long flags)
{
        uint64_t a = 0;

        if (flags & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (flags & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (flags & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (flags & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        return a;
}

/* Bind sources are host paths: they are opened as detached trees while the
 * host is still visible, and attached after pivot_root. */
int mounts_open_sources(Container *c)
{
        for (size_t i = 0; i < c->n_mounts; i++) {
                MountSpec *m = &c->mounts[i];
                struct mount_attr attr = {};
                unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;

                if (m->kind != MOUNT_BIND)
                        continue;
                if (m->recursive)
                        flags |= AT_RECURSIVE;
                m->tree_fd = open_tree(AT_FDCWD, m->source, flags);
                if (m->tree_fd < 0)
                        return log_error_errno(errno, "open bind mount source %s", m->source);
                attr.attr_set = ms_to_attr(m->flags | (m->readonly ? MS_RDONLY : 0));
                if (attr.attr_set != 0 &&
                    mount_setattr(m->tree_fd, "", AT_EMPTY_PATH | (m->recursive ? AT_RECURSIVE : 0),
                                  &attr, sizeof(attr)) < 0)
                        return log_error_errno(errno, "set options of bind mount %s", m->source);
        }
        return 0;
}

static int make_mount_point(const char *path, bool directory)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (directory) {
                /* Usually the parent exists: try the one mkdir first. */
                if (mkdir(path, 0755) == 0 || errno == EEXIST)
                        return 0;
                r = errno == ENOENT ? mkdir_p(path, 0755) : -errno;
                return r < 0 ? log_error_errno(r, "create mount point %s", path) : 0;
        }
        r = mkdir_parents(path, 0755);
        if (r < 0)
                return log_error_errno(r, "create parent directories of %s", path);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
        if (fd < 0 && errno != EEXIST && errno != EISDIR && errno != ENXIO && errno != EROFS)
                return log_error_errno(errno, "create mount point %s", path);
        return 0;
}

int mount_detached(int tree_fd, const char *path, bool readonly)
{
        struct stat st;
        int r;

        if (fstat(tree_fd, &st) < 0)
                return log_error_errno(errno, "stat the source of %s", path);
        r = make_mount_point(path, S_ISDIR(st.st_mode));
        if (r < 0)
                return r;
        if (move_mount(tree_fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return log_error_errno(errno, "bind mount on %s", path);
        return 0;
}

static int mount_fs(const MountSpec *m)
{
        int r;

        r = make_mount_point(m->destination, true);
        if (r < 0)
                return r;
        if (mount(m->source, m->destination, m->fstype, m->flags, m->data) < 0) {
                if (m->optional && (errno == ENODEV || errno == EBUSY || errno == EPERM)) {
                        log_debug_errno(errno, "skip %s on %s", m->fstype, m->destination);
                        return 0;
                }
                return log_error_errno(errno, "mount %s on %s", m->fstype, m->destination);
        }
        return 0;
}

int mounts_apply(Container *c)
{
        int r;

        for (size_t i = 0; i < c->n_mounts; i++) {
                MountSpec *m = &c->mounts[i];

                if (m->kind == MOUNT_BIND) {
                        r = mount_detached(m->tree_fd, m->destination, m->readonly);
                        m->tree_fd = safe_close(m->tree_fd);
                } else
                        r = mount_fs(m);
                if (r < 0)
                        return r;
        }
        return 0;
}

int paths_mask(char **paths)
{
        STRV_FOREACH (p, paths) {
                struct stat st;

                if (stat(*p, &st) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return log_error_errno(errno, "mask %s", *p);
                }
                if (S_ISDIR(st.st_mode)) {
                        if (mount("tmpfs", *p, "tmpfs", MS_RDONLY, "size=0") < 0)
                                return log_error_errno(errno, "mask %s with an empty tmpfs", *p);
                } else if (mount("/dev/null", *p, NULL, MS_BIND, NULL) < 0)
                        return log_error_errno(errno, "mask %s with /dev/null", *p);
        }
        return 0;
}

int paths_make_readonly(char **paths)
{
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

        STRV_FOREACH (p, paths) {
                if (mount(*p, *p, NULL, MS_BIND | MS_REC, NULL) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return log_error_errno(errno, "bind %s for read-only", *p);
                }
                if (mount_setattr(AT_FDCWD, *p, AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                        return log_error_errno(errno, "make %s read-only", *p);
        }
        return 0;
}
