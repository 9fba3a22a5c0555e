/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "security.h"

static const char *const cap_names[] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_FSETID] = "CAP_FSETID",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
    [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
    [CAP_NET_RAW] = "CAP_NET_RAW",
    [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
    [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
    [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
    [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
    [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
    [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
    [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
    [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
    [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
    [CAP_SYS_NICE] = "CAP_SYS_NICE",
    [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
    [CAP_SYS_TIME] = "CAP_SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
    [CAP_MKNOD] = "CAP_MKNOD",
    [CAP_LEASE] = "CAP_LEASE",
    [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
    [CAP_SETFCAP] = "CAP_SETFCAP",
    [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
    [CAP_SYSLOG] = "CAP_SYSLOG",
    [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
    [CAP_PERFMON] = "CAP_PERFMON",
    [CAP_BPF] = "CAP_BPF",
    [CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

#define CAP(c) (UINT64_C(1) << (c))

int cap_last_known(void)
{
        return (int)ELEMENTSOF(cap_names) - 1;
}

const char *cap_to_name(int cap)
{
        if (cap < 0 || cap > cap_last_known())
                return NULL;
        return cap_names[cap];
}

int cap_from_name(const char *name)
{
        if (!name)
                return -EINVAL;
        if (strncasecmp(name, "CAP_", 4) == 0)
                name += 4;
        if (isempty(name))
                return -EINVAL;
        for (int c = 0; c <= cap_last_known(); c++)
                if (strcasecmp(name, cap_names[c] + 4) == 0)
                        return c;
        return -EINVAL;
}

uint64_t caps_default(void)
{
        return CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_FSETID) | CAP(CAP_FOWNER) |
               CAP(CAP_MKNOD) | CAP(CAP_NET_RAW) | CAP(CAP_SETGID) | CAP(CAP_SETUID) |
               CAP(CAP_SETFCAP) | CAP(CAP_SETPCAP) | CAP(CAP_NET_BIND_SERVICE) |
               CAP(CAP_SYS_CHROOT) | CAP(CAP_KILL) | CAP(CAP_AUDIT_WRITE);
}

uint64_t caps_all(void)
{
        return (CAP(cap_last_known()) << 1) - 1;
}

int caps_parse_list(const char *spec, uint64_t *mask)
{
        static const char sep[] = ", \t\n";
        uint64_t m = 0;

        for (const char *p = spec ?: ""; *p;) {
                char word[64];
                size_t n;
                int c;

                p += strspn(p, sep);
                n = strcspn(p, sep);
                if (n == 0)
                        break;
                if (n >= sizeof(word))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Unknown capability \"%.*s\"", 64, p);
                memcpy(word, p, n);
                word[n] = 0;
                p += n;

                if (strcasecmp(word, "ALL") == 0) {
                        m |= caps_all();
                        continue;
                }
                c = cap_from_name(word);
                if (c < 0)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Unknown capability \"%s\"",
                                               word);
                m |= CAP(c);
        }
        *mask = m;
        return 0;
}

uint64_t caps_tweak(uint64_t base, uint64_t add, uint64_t drop)
{
        if ((drop & caps_all()) == caps_all())
                return add;
        return (base | add) & ~drop;
}

static int capset_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2] = {
            {(uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable},
            {(uint32_t)(effective >> 32), (uint32_t)(permitted >> 32),
             (uint32_t)(inheritable >> 32)},
        };

        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int caps_apply(uint64_t caps, bool is_root_user)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];
        uint64_t permitted;
        int r;

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;

        /* The uid switch cleared the effective set; CAP_SETPCAP must be
         * effective again to shrink the bounding set. */
        r = capset_sets(permitted, permitted, 0);
        if (r < 0)
                return r;

        /* What the runtime itself lacks (a restricted parent) cannot be
         * granted; leaving it out beats failing a "--cap-add ALL". The
         * permitted set holds only capabilities this kernel knows. */
        caps &= permitted;

        /* Dropping a capability the bounding set lacks is a no-op, so no
         * PR_CAPBSET_READ first (a syscall each). The kernel's list may be
         * shorter or longer than berth's: the drop fails with EINVAL past its
         * last capability. */
        for (int c = 0; c < 64; c++) {
                if (caps & CAP(c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                break;
                        return -errno;
                }
        }

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;

        if (!is_root_user)
                caps = 0;
        return capset_sets(caps, caps, 0);
}
