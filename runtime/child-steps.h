/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The steps child_main() runs, one file per concern. Each logs its own
 * error naming the step and the path and returns -errno. */

#include <signal.h>
#include <stddef.h>

#include "container.h"
#include "fileio.h"
#include "macro.h"

/* Where --notify puts systemd's notification socket inside the container. */
#define NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"

/* rootfs.c */
int rootfs_mount(Container *c, const char *target);
int rootfs_pivot(const char *target);
int rootfs_finish(Container *c);

/* mounts.c */
int mounts_open_sources(Container *c);
int mounts_apply(Container *c);
/* Attaches a detached tree (open_tree) at path, creating a file or directory
 * to mount on as the tree needs. */
int mount_detached(int tree_fd, const char *path, bool readonly);
int paths_mask(char **paths);
int paths_make_readonly(char **paths);

/* dev.c */
int dev_populate(void);
int dev_add(const DeviceSpec *devices, size_t n);

/* limits.c */
int sysctls_apply(const Sysctl *sysctls, size_t n);
int rlimits_apply(const Rlimit *rlimits, size_t n);

/* net.c */
int loopback_up(void);

/* user.c: looks the user up in the container's own /etc files */
int user_resolve(Container *c, char **ret_home);

/* env.c */
int env_finish(Container *c, const char *home);
int find_executable(const char *name, const char *path_env, char *buf, size_t size);

/* process.c: the last steps before the exec, for a container's init and
 * for `exec`: rlimits, oom_score_adj and umask; then seccomp, groups, gid,
 * uid, capabilities and no_new_privs, in the order the kernel needs. */
int process_limits_apply(const Container *c);
/* Ignored signals back to their defaults, and the signal mask to mask. */
int signals_reset(const sigset_t *mask);
struct SeccompProgram;
int process_drop_privileges(const Container *c, const struct SeccompProgram *seccomp);

/* init.c: --init, PID 1 that forks the command, reaps and forwards signals */
_noreturn_ void init_run(Container *c, const char *exe, int error_fd);
