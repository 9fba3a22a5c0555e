/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "strv.h"

/* overlayfs splits its options on ',' and lowerdir on ':'; a path holding
 * either would be read as something else. */
static bool overlay_path_ok(const char *p)
{
        return !strpbrk(p, ",:\\");
}

static int overlay_options(Container *c, char **ret)
{
        _cleanup_free_ char *upper = NULL, *work = NULL;
        size_t len = 64;
        char *o, *p;

        if (asprintf(&upper, "%s/upper", c->layer_dir) < 0 ||
            asprintf(&work, "%s/work", c->layer_dir) < 0)
                return log_oom();
        STRV_FOREACH (l, c->lower_dirs) {
                if (!overlay_path_ok(*l))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "layer %s: ',', ':' and '\\' are not allowed "
                                               "in layer paths",
                                               *l);
                len += strlen(*l) + 1;
        }
        if (!overlay_path_ok(c->layer_dir))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "writable layer %s: ',', ':' and '\\' are not "
                                       "allowed in its path",
                                       c->layer_dir);
        len += strlen(upper) + strlen(work);
        o = p = malloc(len);
        if (!o)
                return log_oom();
        p = stpcpy(p, "lowerdir=");
        /* overlayfs lists the top layer first; we keep them bottom first. */
        for (size_t i = strv_length(c->lower_dirs); i > 0; i--) {
                p = stpcpy(p, c->lower_dirs[i - 1]);
                if (i > 1)
                        *p++ = ':';
        }
        p += sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
        *ret = o;
        return 0;
}

int rootfs_mount(Container *c, const char *target)
{
        _cleanup_free_ char *options = NULL;
        struct statfs sfs;
        int r;

        if (c->rootfs_kind == ROOTFS_BIND) {
                if (mount(c->root_path, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return log_error_errno(errno, "bind rootfs %s", c->root_path);
                return 0;
        }
        r = overlay_options(c, &options);
        if (r < 0)
                return r;
        if (strlen(options) >= (size_t)getpagesize())
                return log_error_errno(E2BIG,
                                       "mount overlay on %s: %zu layers do not fit in "
                                       "the mount options",
                                       target, strv_length(c->lower_dirs));
        if (mount("overlay", target, "overlay", 0, options) < 0) {
                r = -errno;
                /* overlayfs says which layer is wrong only in the kernel log;
                 * a missing lower dir is the usual cause, so name it. */
                STRV_FOREACH (l, c->lower_dirs)
                        if (access(*l, F_OK) < 0)
                                return log_error_errno(errno, "mount overlay on %s: layer %s",
                                                       target, *l);
                if (statfs(c->layer_dir, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC)
                        return log_error_errno(r,
                                               "mount overlay on %s: the writable layer %s is "
                                               "itself on overlayfs, which cannot hold an "
                                               "upper dir; use --upper on another file system",
                                               target, c->layer_dir);
                return log_error_errno(r, "mount overlay on %s (%s)", target, options);
        }
        return 0;
}

int rootfs_pivot(const char *target)
{
        if (chdir(target) < 0)
                return log_error_errno(errno, "change to rootfs %s", target);
        /* pivot_root(".", "."): the old root ends up stacked on the new one
         * and is detached right away, no put_old directory needed. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return log_error_errno(errno, "pivot_root to %s", target);
        if (umount2(".", MNT_DETACH) < 0)
                return log_error_errno(errno, "detach the old root from %s", target);
        if (chdir("/") < 0)
                return log_error_errno(errno, "change to / in %s", target);
        return 0;
}

int rootfs_finish(Container *c)
{
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

        if (!c->read_only)
                return 0;
        if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
                return log_error_errno(errno, "make the rootfs read-only");
        return 0;
}
