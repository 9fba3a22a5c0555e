/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"

/* Called with umask 0, so mknod sets the mode exactly. */
static int make_node(const char *path, mode_t mode, dev_t rdev, uid_t uid, gid_t gid)
{
        int r;

        if (mknod(path, mode, rdev) < 0) {
                if (errno == EEXIST)
                        return 0;
                if (errno != ENOENT)
                        return log_error_errno(errno, "create device node %s", path);
                r = mkdir_parents(path, 0755);
                if (r < 0)
                        return log_error_errno(r, "create parent directories of %s", path);
                if (mknod(path, mode, rdev) < 0)
                        return log_error_errno(errno, "create device node %s", path);
        }
        if ((uid != 0 || gid != 0) && chown(path, uid, gid) < 0)
                return log_error_errno(errno, "set the owner of %s", path);
        return 0;
}

int dev_populate(void)
{
        static const struct {
                const char *path;
                unsigned major, minor;
        } nodes[] = {
            {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
            {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
        };
        static const struct {
                const char *target, *path;
        } links[] = {
            {"pts/ptmx", "/dev/ptmx"},          {"/proc/self/fd", "/dev/fd"},
            {"/proc/self/fd/0", "/dev/stdin"},  {"/proc/self/fd/1", "/dev/stdout"},
            {"/proc/self/fd/2", "/dev/stderr"},
        };
        mode_t old = umask(0);
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(nodes) && r >= 0; i++)
                r = make_node(nodes[i].path, S_IFCHR | 0666,
                              makedev(nodes[i].major, nodes[i].minor), 0, 0);
        umask(old);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlink(links[i].target, links[i].path) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "create symlink %s", links[i].path);
        return 0;
}

int dev_add(const DeviceSpec *devices, size_t n)
{
        mode_t old = umask(0);
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++)
                r = make_node(devices[i].path, devices[i].mode, devices[i].rdev, devices[i].uid,
                              devices[i].gid);
        umask(old);
        return r;
}
