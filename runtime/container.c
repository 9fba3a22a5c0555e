/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "container.h"
#include "macro.h"
#include "mount-opts.h"
#include "netattach.h"
#include "strv.h"

Container *container_new(void)
{
        Container *c = calloc(1, sizeof(Container));

        if (!c)
                return NULL;
        c->seccomp_mode = SECCOMP_MODE_DEFAULT;
        return c;
}

void container_free(Container *c)
{
        free(c->name);
        strv_free(c->lower_dirs);
        free(c->layer_dir);
        free(c->root_path);
        for (size_t i = 0; i < c->n_joins; i++)
                free(c->joins[i].path);
        free(c->joins);
        free(c->hostname);
        container_net_free(c->net);
        for (size_t i = 0; i < c->n_mounts; i++)
                mount_spec_done_static(&c->mounts[i]);
        free(c->mounts);
        for (size_t i = 0; i < c->n_devices; i++)
                free(c->devices[i].path);
        free(c->devices);
        strv_free(c->masked_paths);
        strv_free(c->readonly_paths);
        for (size_t i = 0; i < c->n_sysctls; i++) {
                free(c->sysctls[i].key);
                free(c->sysctls[i].value);
        }
        free(c->sysctls);
        strv_free(c->args);
        strv_free(c->env);
        free(c->cwd);
        free(c->user_spec);
        strv_free(c->group_add);
        free(c->groups);
        free(c->seccomp_file);
        free(c->rlimits);
        strv_free(c->labels);
        strv_free(c->annotations);
        free(c->image_ref);
        free(c->image_id);
        free(c->console_socket);
        free(c);
}

static char *strdup_or_null(const char *s, bool *oom)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *oom = true;
        return d;
}

int container_add_mount(Container *c, const MountSpec *m)
{
        MountSpec *n, *new_mounts;
        bool oom = false;

        new_mounts = realloc(c->mounts, sizeof(MountSpec) * (c->n_mounts + 1));
        if (!new_mounts)
                return -ENOMEM;
        c->mounts = new_mounts;
        n = &c->mounts[c->n_mounts];
        *n = *m;
        n->source = strdup_or_null(m->source, &oom);
        n->destination = strdup_or_null(m->destination, &oom);
        n->fstype = strdup_or_null(m->fstype, &oom);
        n->data = strdup_or_null(m->data, &oom);
        n->tree_fd = -EBADF;
        c->n_mounts++;
        return oom ? -ENOMEM : 0;
}

int container_add_default_mounts(Container *c, uint64_t shm_size)
{
        char shm_data[64];
        const unsigned long nosuid_noexec_nodev = MS_NOSUID | MS_NOEXEC | MS_NODEV;
        int r;

        snprintf(shm_data, sizeof(shm_data), "mode=1777,size=%llu", (unsigned long long)shm_size);
        const MountSpec defaults[] = {
            {.kind = MOUNT_FS,
             .source = "proc",
             .destination = "/proc",
             .fstype = "proc",
             .flags = nosuid_noexec_nodev},
            {.kind = MOUNT_FS,
             .source = "tmpfs",
             .destination = "/dev",
             .fstype = "tmpfs",
             .flags = MS_NOSUID | MS_STRICTATIME,
             .data = "mode=755,size=65536k"},
            {.kind = MOUNT_FS,
             .source = "devpts",
             .destination = "/dev/pts",
             .fstype = "devpts",
             .flags = MS_NOSUID | MS_NOEXEC,
             .data = "newinstance,ptmxmode=0666,mode=0620,gid=5"},
            {.kind = MOUNT_FS,
             .source = "shm",
             .destination = "/dev/shm",
             .fstype = "tmpfs",
             .flags = nosuid_noexec_nodev,
             .data = shm_data},
            {.kind = MOUNT_FS,
             .source = "mqueue",
             .destination = "/dev/mqueue",
             .fstype = "mqueue",
             .flags = nosuid_noexec_nodev},
            {.kind = MOUNT_FS,
             .source = "sysfs",
             .destination = "/sys",
             .fstype = "sysfs",
             .flags = nosuid_noexec_nodev | MS_RDONLY},
            {.kind = MOUNT_FS,
             .source = "cgroup",
             .destination = "/sys/fs/cgroup",
             .fstype = "cgroup2",
             .flags = nosuid_noexec_nodev | MS_RDONLY,
             .optional = true},
        };

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                r = container_add_mount(c, &defaults[i]);
                if (r < 0)
                        return r;
        }
        c->default_devices = true;
        return 0;
}

/* Thermal throttle directories exist per CPU, so they are found at start. */
static int add_thermal_throttle_masks(Container *c)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/devices/system/cpu");
        struct dirent *de;
        char path[512];

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                if (!strneq(de->d_name, "cpu", 3) || de->d_name[3] < '0' || de->d_name[3] > '9')
                        continue;
                snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s/thermal_throttle",
                         de->d_name);
                if (access(path, F_OK) < 0)
                        continue;
                if (strv_extend(&c->masked_paths, path) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int container_add_default_masks(Container *c)
{
        static const char *const masked[] = {
            "/proc/acpi",
            "/proc/asound",
            "/proc/interrupts",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/sched_debug",
            "/proc/scsi",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/sys/devices/virtual/powercap",
            "/sys/firmware",
        };
        static const char *const readonly[] = {
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
        };

        for (size_t i = 0; i < ELEMENTSOF(masked); i++)
                if (strv_extend(&c->masked_paths, masked[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(readonly); i++)
                if (strv_extend(&c->readonly_paths, readonly[i]) < 0)
                        return -ENOMEM;
        return add_thermal_throttle_masks(c);
}
