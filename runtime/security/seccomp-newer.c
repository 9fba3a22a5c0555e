/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What libseccomp cannot express because it is older than the kernel:
 *  - rules for system calls it has no name for (Debian 12's 2.5.4 misses
 *    mseal, listmount, uretprobe, … which Docker's profile allows; denying
 *    uretprobe would crash any traced process);
 *  - ENOSYS, like runc, for numbers past the newest call known, so that libc
 *    falls back instead of failing on EPERM.
 * Both are a short BPF prefix in front of libseccomp's program. Jumps in
 * classic BPF are relative, so prepending leaves libseccomp's code valid.
 * Only the x86 family has a table today; elsewhere the prefix is empty. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "seccomp-bpf.h"

#define X32_BIT 0x40000000u

/* Numbers from the kernel's syscall_64.tbl/syscall_32.tbl; -1: absent.
 * x32 uses the x86_64 number with X32_BIT for "common" calls. Changing this
 * table changes filters: bump SECCOMP_CACHE_FORMAT. */
static const struct {
        const char *name;
        int x86_64, i386;
} newer[] = {
    {"uretprobe", 335, -1},
    {"statmount", 457, 457},
    {"listmount", 458, 458},
    {"lsm_get_self_attr", 459, 459},
    {"lsm_set_self_attr", 460, 460},
    {"lsm_list_modules", 461, 461},
    {"mseal", 462, 462},
    {"setxattrat", 463, 463},
    {"getxattrat", 464, 464},
    {"listxattrat", 465, 465},
    {"removexattrat", 466, 466},
};

int seccomp_newer_syscall_nr(uint32_t arch, const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(newer); i++) {
                if (!streq(newer[i].name, name))
                        continue;
                if (arch == SCMP_ARCH_X86_64)
                        return newer[i].x86_64;
                if (arch == SCMP_ARCH_X32)
                        return newer[i].x86_64 < 0 ? -1 : (int)(newer[i].x86_64 | X32_BIT);
                if (arch == SCMP_ARCH_X86)
                        return newer[i].i386;
                return -1;
        }
        return -1;
}

typedef struct Block {
        struct sock_filter f[2 * ELEMENTSOF(newer) + 2];
        size_t n;
} Block;

static void put(Block *b, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
        b->f[b->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* The highest number this libseccomp or our table knows on arch. */
static uint32_t newest_known(uint32_t arch, uint32_t bit)
{
        uint32_t top = 0;

        for (int nr = 1023; nr >= 0; nr--) {
                char *name = seccomp_syscall_resolve_num_arch(arch, nr | bit);
                free(name);
                if (name) {
                        top = nr | bit;
                        break;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(newer); i++) {
                int n = seccomp_newer_syscall_nr(arch, newer[i].name);
                if (n >= 0 && (uint32_t)n > top)
                        top = n;
        }
        return top;
}

static bool has_arch(const SeccompRuleSet *s, uint32_t arch)
{
        for (size_t i = 0; i < s->n_arches; i++)
                if (s->arches[i] == arch)
                        return true;
        return false;
}

/* Rules for names libseccomp lacks on arch, then the ENOSYS cut-off. */
static void build_block(const SeccompRuleSet *s, uint32_t arch, uint32_t bit, bool enosys, Block *b)
{
        b->n = 0;
        for (size_t i = 0; i < ELEMENTSOF(newer); i++) {
                int nr = seccomp_newer_syscall_nr(arch, newer[i].name);
                uint32_t action = s->default_action;

                if (nr < 0 ||
                    seccomp_syscall_resolve_name_arch(arch, newer[i].name) != __NR_SCMP_ERROR)
                        continue;
                /* the first unconditional rule wins, as it would in libseccomp;
                 * argument filters on these few calls are not supported */
                for (size_t r = 0; r < s->n_rules; r++)
                        if (streq(s->rules[r].name, newer[i].name) && s->rules[r].n_args == 0) {
                                action = s->rules[r].action;
                                break;
                        }
                if (action == s->default_action)
                        continue;
                put(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, nr);
                put(b, BPF_RET | BPF_K, 0, 0, action);
        }
        if (enosys) {
                put(b, BPF_JMP | BPF_JGT | BPF_K, 0, 1, newest_known(arch, bit));
                put(b, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
        }
}

int seccomp_newer_prefix(const SeccompRuleSet *s, struct sock_filter **ret, size_t *ret_n)
{
        /* runc's rule: only a filter that denies by default needs ENOSYS */
        uint32_t def = s->default_action & SECCOMP_RET_ACTION_FULL;
        bool enosys = def != SECCOMP_RET_ALLOW && def != SECCOMP_RET_LOG;
        bool x32 = has_arch(s, SCMP_ARCH_X32), i386 = has_arch(s, SCMP_ARCH_X86);
        Block b64, bx32 = {}, b32 = {};
        struct sock_filter *f;
        size_t n = 0, total, pos_i386, end;

        *ret = NULL;
        *ret_n = 0;
        if (s->n_arches == 0 || s->arches[0] != SCMP_ARCH_X86_64)
                return 0;

        build_block(s, SCMP_ARCH_X86_64, 0, enosys, &b64);
        if (x32)
                build_block(s, SCMP_ARCH_X32, X32_BIT, enosys, &bx32);
        if (i386)
                build_block(s, SCMP_ARCH_X86, 0, enosys, &b32);
        if (b64.n + bx32.n + b32.n == 0)
                return 0;

        /* ld arch; jeq x86_64; ld nr; jset x32; [b64; ja end]; [bx32; ja end];
         * [jeq i386; ld nr; b32]; end: */
        total = 4 + b64.n + 1 + (x32 ? bx32.n + 1 : 0) + (i386 ? 2 + b32.n : 0);
        pos_i386 = 4 + b64.n + 1 + (x32 ? bx32.n + 1 : 0);
        end = total;
        f = calloc(total, sizeof(*f));
        if (!f)
                return -ENOMEM;

#define AT(i)  ((uint8_t)((i) - (n + 1)))
#define JA(to) (f[n] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (to) - (n + 1)), n++)
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, arch));
        f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0,
                                            AT(pos_i386));
        n++;
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, nr));
        f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_BIT,
                                            AT(x32 ? 4 + b64.n + 1 : end), 0);
        n++;
        memcpy(f + n, b64.f, b64.n * sizeof(*f));
        n += b64.n;
        JA(end);
        if (x32) {
                memcpy(f + n, bx32.f, bx32.n * sizeof(*f));
                n += bx32.n;
                JA(end);
        }
        if (i386) {
                /* A still holds the architecture on this path */
                f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0,
                                                    AT(end));
                n++;
                f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                      offsetof(struct seccomp_data, nr));
                memcpy(f + n, b32.f, b32.n * sizeof(*f));
                n += b32.n;
        }
#undef AT
#undef JA
        if (n != total || total > 255) {
                free(f);
                return -E2BIG;
        }
        *ret = f;
        *ret_n = n;
        return 0;
}
