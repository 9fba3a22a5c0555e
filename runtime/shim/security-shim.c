/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TEMPORARY: see security.h in this directory. Capabilities are real; the
 * seccomp filter only denies a short list of dangerous calls and is compiled
 * on every start. */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "security.h"

struct SeccompProgram {
        scmp_filter_ctx ctx;
};

static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

int cap_from_name(const char *name)
{
        if (strncasecmp(name, "CAP_", 4) == 0)
                name += 4;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (strcasecmp(name, cap_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

uint64_t caps_default(void)
{
        return 0x00000000a80425fbULL;
}

int caps_apply(uint64_t caps)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2] = {};
        bool root = geteuid() == 0;

        /* With keepcaps the permitted set survived the uid switch; raise it
         * so that CAP_SETPCAP allows shrinking the bounding set. */
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        d[0].effective = d[0].permitted;
        d[1].effective = d[1].permitted;
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
                if (!(caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
                    errno != EINVAL)
                        return -errno;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return -errno;
        memset(d, 0, sizeof(d));
        if (root) {
                d[0].effective = d[0].permitted = d[0].inheritable = (uint32_t)caps;
                d[1].effective = d[1].permitted = d[1].inheritable = (uint32_t)(caps >> 32);
        }
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

static int program_build(SeccompProgram **ret)
{
        static const char *const denied[] = {
            "keyctl",     "add_key",         "request_key",  "mount",
            "umount2",    "pivot_root",      "ptrace",       "bpf",
            "kexec_load", "init_module",     "finit_module", "delete_module",
            "reboot",     "swapon",          "swapoff",      "open_by_handle_at",
            "setns",      "fsopen",          "fsmount",      "move_mount",
            "open_tree",  "perf_event_open", "userfaultfd",  "acct",
            "quotactl",
        };
        SeccompProgram *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!p->ctx) {
                free(p);
                return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
                int nr = seccomp_syscall_resolve_name(denied[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = seccomp_rule_add(p->ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
                if (r < 0)
                        goto fail;
        }
        /* unshare and clone of new namespaces */
        r = seccomp_rule_add(p->ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0);
        if (r < 0)
                goto fail;
        *ret = p;
        return 0;
fail:
        seccomp_release(p->ctx);
        free(p);
        return r;
}

int seccomp_program_default(uint64_t caps, SeccompProgram **ret)
{
        return program_build(ret);
}

int seccomp_program_from_file(const char *json_path, uint64_t caps, SeccompProgram **ret)
{
        return -EOPNOTSUPP;
}

int seccomp_program_install(const SeccompProgram *p)
{
        return seccomp_load(p->ctx);
}

void seccomp_program_free(SeccompProgram *p)
{
        if (!p)
                return;
        seccomp_release(p->ctx);
        free(p);
}
