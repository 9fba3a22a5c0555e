/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one description of a container that every front end (the `run`
 * options, an OCI bundle's config.json) fills in and the spawn code reads. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef enum RootfsKind {
        ROOTFS_OVERLAY, /* lower dirs + a writable upper: `run` */
        ROOTFS_BIND,    /* a plain directory used in place: OCI bundles */
} RootfsKind;

typedef enum MountKind {
        MOUNT_FS,   /* a fresh filesystem: proc, sysfs, tmpfs, devpts, mqueue, cgroup2 */
        MOUNT_BIND, /* a host path, opened before pivot_root */
} MountKind;

typedef struct MountSpec {
        MountKind kind;
        char *source;      /* host path for binds, fs source name otherwise */
        char *destination; /* absolute, inside the container */
        char *fstype;
        unsigned long flags; /* MS_* */
        bool recursive;      /* rbind */
        bool readonly;       /* for binds: applied recursively with mount_setattr */
        char *data;          /* fs options */
        bool optional;       /* skip when the kernel lacks the fs (cgroup2) */
        bool create_source;  /* binds: an anonymous volume, created at start */
        int tree_fd;         /* child only: the detached bind source */
} MountSpec;

typedef struct Rlimit {
        int resource;
        struct rlimit limit;
} Rlimit;

typedef struct Sysctl {
        char *key; /* dotted: net.ipv4.ip_forward */
        char *value;
} Sysctl;

typedef struct DeviceSpec {
        char *path; /* inside the container */
        mode_t mode;
        dev_t rdev;
        uid_t uid;
        gid_t gid;
} DeviceSpec;

typedef enum SeccompMode {
        SECCOMP_MODE_DEFAULT,
        SECCOMP_MODE_UNCONFINED,
        SECCOMP_MODE_FILE, /* a Docker-format profile */
} SeccompMode;

typedef struct NamespaceJoin {
        int type; /* CLONE_NEW* */
        char *path;
} NamespaceJoin;

typedef struct Container {
        char *name;

        RootfsKind rootfs_kind;
        char **lower_dirs;        /* overlay: bottom first */
        char *layer_dir;          /* overlay: holds upper/, work/ and the mount point */
        bool layer_dir_created;   /* by this start: removed again if it fails */
        bool layer_upper_created; /* likewise */
        char *root_path;          /* bind: the rootfs directory */
        bool read_only;

        int clone_flags; /* CLONE_NEW* */
        NamespaceJoin *joins;
        size_t n_joins;
        char *hostname;
        /* --network bridge|NAME: attached by the parent after the clone,
         * see netattach.h. NULL for none and host. */
        struct ContainerNet *net;

        MountSpec *mounts;
        size_t n_mounts;
        bool default_devices; /* populate a tmpfs /dev with the standard nodes */
        DeviceSpec *devices;
        size_t n_devices;
        char **masked_paths;
        char **readonly_paths;
        Sysctl *sysctls;
        size_t n_sysctls;

        char **args;
        char **env;
        char *cwd;
        /* Either resolved ids (OCI) or a USER[:GROUP] string looked up in the
         * container's /etc/passwd and /etc/group. */
        char *user_spec;
        char **group_add;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
        bool user_resolved;

        uint64_t caps;
        bool no_new_privileges;
        SeccompMode seccomp_mode;
        char *seccomp_file;
        Rlimit *rlimits;
        size_t n_rlimits;
        int oom_score_adj;
        bool set_oom_score_adj;
        mode_t umask;
        bool set_umask;

        /* metadata only: --label, --annotation K=V, and the image reference */
        char **labels;
        char **annotations;
        char *image_ref;
        char *image_id; /* recorded in the layer dir: the store keeps the image */

        bool init;   /* a minimal init as PID 1 that reaps and forwards signals */
        bool notify; /* the app sends READY=1: NOTIFY_SOCKET goes into the container */
        bool remove; /* --rm */
        bool tty;    /* --tty: a pty of the container's devpts on stdio, see console.h */
        /* OCI process.consoleSize; 0 rows: the size of the runtime's terminal */
        unsigned short tty_rows, tty_cols;
        /* OCI --console-socket PATH, where the init sends the pty master
         * (named in messages); NULL: back to the runtime */
        char *console_socket;
} Container;

Container *container_new(void);
void container_free(Container *c);
static inline void container_freep(Container **c)
{
        if (*c)
                container_free(*c);
}

int container_add_mount(Container *c, const MountSpec *m);
/* The mounts every container gets (Docker's set): /proc, /dev, /dev/pts,
 * /dev/shm (shm_size bytes), /dev/mqueue, /sys (ro), /sys/fs/cgroup (ro). */
int container_add_default_mounts(Container *c, uint64_t shm_size);
/* Docker's masked and read-only paths. */
int container_add_default_masks(Container *c);
