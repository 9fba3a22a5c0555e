/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Docker's evaluation of a profile for one container: which blocks apply
 * given the capabilities, the architecture and the kernel. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "macro.h"
#include "seccomp-profile.h"

/* The native architecture under the two spellings a profile uses: Go's in
 * includes/excludes (Docker compares runtime.GOARCH), libseccomp's in archMap. */
static const struct {
        uint32_t token;
        const char *go;
        const char *scmp;
} host_arches[] = {
    {SCMP_ARCH_X86_64, "amd64", "SCMP_ARCH_X86_64"},
    {SCMP_ARCH_X86, "386", "SCMP_ARCH_X86"},
    {SCMP_ARCH_AARCH64, "arm64", "SCMP_ARCH_AARCH64"},
    {SCMP_ARCH_ARM, "arm", "SCMP_ARCH_ARM"},
    {SCMP_ARCH_PPC64LE, "ppc64le", "SCMP_ARCH_PPC64LE"},
    {SCMP_ARCH_PPC64, "ppc64", "SCMP_ARCH_PPC64"},
    {SCMP_ARCH_S390X, "s390x", "SCMP_ARCH_S390X"},
    {SCMP_ARCH_S390, "s390", "SCMP_ARCH_S390"},
    {SCMP_ARCH_MIPS64, "mips64", "SCMP_ARCH_MIPS64"},
    {SCMP_ARCH_MIPSEL64, "mips64le", "SCMP_ARCH_MIPSEL64"},
    {SCMP_ARCH_MIPS, "mips", "SCMP_ARCH_MIPS"},
    {SCMP_ARCH_MIPSEL, "mipsle", "SCMP_ARCH_MIPSEL"},
    {SCMP_ARCH_RISCV64, "riscv64", "SCMP_ARCH_RISCV64"},
};

uint32_t seccomp_arch_from_name(const char *name)
{
        char lower[32];
        size_t i;

        /* libseccomp knows "x86_64"; profiles say "SCMP_ARCH_X86_64" */
        if (!name || strncmp(name, "SCMP_ARCH_", 10) != 0)
                return 0;
        name += 10;
        for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
                lower[i] = tolower((unsigned char)name[i]);
        if (name[i])
                return 0;
        lower[i] = 0;
        return seccomp_arch_resolve_name(lower);
}

int seccomp_host_detect(SeccompHost *ret)
{
        uint32_t native = seccomp_arch_native();
        struct utsname u;

        if (uname(&u) < 0)
                return negative_errno();

        for (size_t i = 0; i < ELEMENTSOF(host_arches); i++) {
                if (host_arches[i].token != native)
                        continue;
                *ret = (SeccompHost){
                    .native_arch = native,
                    .go_arch = host_arches[i].go,
                    .scmp_arch = host_arches[i].scmp,
                };
                if (sscanf(u.release, "%u.%u", &ret->kernel_major, &ret->kernel_minor) != 2)
                        return -EINVAL;
                return 0;
        }
        return -EAFNOSUPPORT;
}

static const char *const action_names[_SECCOMP_ACTION_MAX] = {
    [SECCOMP_ACTION_ALLOW] = "SCMP_ACT_ALLOW",
    [SECCOMP_ACTION_ERRNO] = "SCMP_ACT_ERRNO",
    [SECCOMP_ACTION_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [SECCOMP_ACTION_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SECCOMP_ACTION_TRAP] = "SCMP_ACT_TRAP",
    [SECCOMP_ACTION_TRACE] = "SCMP_ACT_TRACE",
    [SECCOMP_ACTION_LOG] = "SCMP_ACT_LOG",
};

const char *seccomp_action_to_string(SeccompAction a)
{
        return a < _SECCOMP_ACTION_MAX ? action_names[a] : NULL;
}

SeccompAction seccomp_action_from_string(const char *s)
{
        if (streq(s, "SCMP_ACT_KILL")) /* Docker's older spelling */
                return SECCOMP_ACTION_KILL_THREAD;
        for (int a = 0; a < _SECCOMP_ACTION_MAX; a++)
                if (streq(s, action_names[a]))
                        return a;
        return _SECCOMP_ACTION_MAX;
}

static const char *const op_names[_SCMP_CMP_MAX] = {
    [SCMP_CMP_NE] = "SCMP_CMP_NE",
    [SCMP_CMP_LT] = "SCMP_CMP_LT",
    [SCMP_CMP_LE] = "SCMP_CMP_LE",
    [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [SCMP_CMP_GE] = "SCMP_CMP_GE",
    [SCMP_CMP_GT] = "SCMP_CMP_GT",
    [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *seccomp_op_to_string(enum scmp_compare op)
{
        return op > _SCMP_CMP_MIN && op < _SCMP_CMP_MAX ? op_names[op] : NULL;
}

enum scmp_compare seccomp_op_from_string(const char *s)
{
        for (int op = _SCMP_CMP_MIN + 1; op < _SCMP_CMP_MAX; op++)
                if (op_names[op] && streq(s, op_names[op]))
                        return op;
        return _SCMP_CMP_MIN;
}

static uint32_t scmp_action(SeccompAction a, int errno_ret)
{
        /* Docker/runc: an ERRNO or TRACE without a value means EPERM */
        uint16_t data = errno_ret >= 0 ? (uint16_t)errno_ret : EPERM;

        switch (a) {
        case SECCOMP_ACTION_ALLOW:
                return SCMP_ACT_ALLOW;
        case SECCOMP_ACTION_ERRNO:
                return SCMP_ACT_ERRNO(data);
        case SECCOMP_ACTION_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case SECCOMP_ACTION_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case SECCOMP_ACTION_TRAP:
                return SCMP_ACT_TRAP;
        case SECCOMP_ACTION_TRACE:
                return SCMP_ACT_TRACE(data);
        case SECCOMP_ACTION_LOG:
        default:
                return SCMP_ACT_LOG;
        }
}

static bool arch_listed(const char *const *arches, const char *go_arch)
{
        for (const char *const *a = arches; a && *a; a++)
                if (streq(*a, go_arch))
                        return true;
        return false;
}

static bool kernel_at_least(const SeccompHost *h, const SeccompCond *c)
{
        return h->kernel_major > c->min_kernel_major ||
               (h->kernel_major == c->min_kernel_major && h->kernel_minor >= c->min_kernel_minor);
}

static bool rule_applies(const SeccompRule *r, uint64_t caps, const SeccompHost *h)
{
        const SeccompCond *ex = &r->excludes, *in = &r->includes;

        if (ex->arches && arch_listed(ex->arches, h->go_arch))
                return false;
        if (ex->caps & caps)
                return false;
        if (ex->has_min_kernel && kernel_at_least(h, ex))
                return false;

        if (in->arches && *in->arches && !arch_listed(in->arches, h->go_arch))
                return false;
        if (in->unknown_cap || (in->caps & caps) != in->caps)
                return false;
        if (in->has_min_kernel && !kernel_at_least(h, in))
                return false;
        return true;
}

static void add_arch(SeccompRuleSet *s, uint32_t a)
{
        if (a == 0)
                return;
        for (size_t i = 0; i < s->n_arches; i++)
                if (s->arches[i] == a)
                        return;
        if (s->n_arches < ELEMENTSOF(s->arches))
                s->arches[s->n_arches++] = a;
}

int seccomp_profile_evaluate(const SeccompProfile *p, uint64_t caps, const SeccompHost *host,
                             SeccompRuleSet *ret)
{
        SeccompRuleSet s = {
            .default_action = scmp_action(p->default_action, p->default_errno),
            .flags = p->flags,
        };
        size_t n = 0;

        add_arch(&s, host->native_arch);
        for (const char *const *a = p->architectures; a && *a; a++)
                add_arch(&s, seccomp_arch_from_name(*a));
        for (size_t i = 0; i < p->n_arch_map; i++) {
                if (!streq(p->arch_map[i].arch, host->scmp_arch))
                        continue;
                for (const char *const *a = p->arch_map[i].sub_arches; a && *a; a++)
                        add_arch(&s, seccomp_arch_from_name(*a));
        }

        for (size_t i = 0; i < p->n_rules; i++)
                for (const char *const *name = p->rules[i].names; *name; name++)
                        n++;
        s.rules = calloc(n ?: 1, sizeof(*s.rules));
        if (!s.rules)
                return -ENOMEM;

        for (size_t i = 0; i < p->n_rules; i++) {
                const SeccompRule *r = &p->rules[i];

                if (!rule_applies(r, caps, host))
                        continue;
                for (const char *const *name = r->names; *name; name++)
                        s.rules[s.n_rules++] = (SeccompEvalRule){
                            .name = *name,
                            .action = scmp_action(r->action, r->errno_ret),
                            .args = r->args,
                            .n_args = r->n_args,
                        };
        }
        *ret = s;
        return 0;
}

void seccomp_rule_set_done(SeccompRuleSet *s)
{
        free(s->rules);
        *s = (SeccompRuleSet){};
}
