/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth's built-in profile against Docker's own profile data
 * (../shared/reference/docker-default-seccomp.json):
 *   1. for every system call name libseccomp knows (x86_64, i386, x32) and
 *      every name in the reference, the rules that apply for a container are
 *      the same, argument filters included, for several capability sets;
 *   2. the BPF that berth produces (compiled, and again from the cache)
 *      answers every system call on every architecture, with argument values
 *      around each filter's edges, the way the reference rules say.
 * The reference is evaluated here with Docker's semantics written out
 * independently of berth's evaluator. */
#include <jansson.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bpf-sim.h"
#include "fileio.h"
#include "macro.h"
#include "seccomp-bpf.h"
#include "seccomp-profile.h"
#include "security.h"
#include "strv.h"
#include "tap.h"

#define X32_BIT 0x40000000

static json_t *ref;
static unsigned kmajor, kminor;

static bool json_list_has(json_t *list, const char *s)
{
        size_t i;
        json_t *e;

        json_array_foreach(list, i, e) if (streq(json_string_value(e), s)) return true;
        return false;
}

static bool kernel_ge(json_t *v)
{
        unsigned a, b;

        CHECK(sscanf(json_string_value(v), "%u.%u", &a, &b) == 2);
        return kmajor > a || (kmajor == a && kminor >= b);
}

/* Docker's setupSeccomp(): excludes first, then includes; arches compared
 * with Go's name of the host architecture. */
static bool ref_block_applies(json_t *b, uint64_t caps)
{
        json_t *ex = json_object_get(b, "excludes"), *in = json_object_get(b, "includes"), *e;
        size_t i;

        if (ex) {
                if (json_list_has(json_object_get(ex, "arches"), "amd64"))
                        return false;
                json_array_foreach(json_object_get(ex, "caps"), i, e)
                {
                        int c = cap_from_name(json_string_value(e));
                        if (c >= 0 && (caps & (UINT64_C(1) << c)))
                                return false;
                }
                if (json_object_get(ex, "minKernel") && kernel_ge(json_object_get(ex, "minKernel")))
                        return false;
        }
        if (in) {
                json_t *arches = json_object_get(in, "arches");
                if (json_array_size(arches) > 0 && !json_list_has(arches, "amd64"))
                        return false;
                json_array_foreach(json_object_get(in, "caps"), i, e)
                {
                        int c = cap_from_name(json_string_value(e));
                        if (c < 0 || !(caps & (UINT64_C(1) << c)))
                                return false;
                }
                if (json_object_get(in, "minKernel") &&
                    !kernel_ge(json_object_get(in, "minKernel")))
                        return false;
        }
        return true;
}

static uint32_t ref_action(json_t *b)
{
        const char *a = json_string_value(json_object_get(b, "action"));
        json_t *e = json_object_get(b, "errnoRet");

        if (streq(a, "SCMP_ACT_ALLOW"))
                return SECCOMP_RET_ALLOW;
        CHECK_STREQ(a, "SCMP_ACT_ERRNO");
        return SECCOMP_RET_ERRNO | (e ? (uint32_t)json_integer_value(e) : 1);
}

static const char *op_name(enum scmp_compare op)
{
        const char *s = seccomp_op_to_string(op);
        CHECK(s);
        return s;
}

/* One applicable rule as text: action, then each condition. */
static char *rule_text(uint32_t action, size_t n, const unsigned *idx, const char *const *ops,
                       const uint64_t *v, const uint64_t *v2)
{
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);

        CHECK(f);
        fprintf(f, "%08x", action);
        for (size_t i = 0; i < n; i++)
                fprintf(f, " [arg%u %s %llu %llu]", idx[i], ops[i], (unsigned long long)v[i],
                        (unsigned long long)v2[i]);
        fclose(f);
        return s;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *joined_sorted(char **l)
{
        size_t n = strv_length(l), len = 1;
        char *s;

        if (n > 0)
                qsort(l, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++)
                len += strlen(l[i]) + 2;
        s = calloc(1, len);
        CHECK(s);
        for (size_t i = 0; i < n; i++) {
                strcat(s, l[i]);
                strcat(s, "; ");
        }
        return s;
}

static char *ref_rules_for(const char *name, uint64_t caps)
{
        _cleanup_strv_free_ char **l = NULL;
        json_t *b;
        size_t i;

        json_array_foreach(json_object_get(ref, "syscalls"), i, b)
        {
                unsigned idx[6];
                const char *ops[6];
                uint64_t v[6], v2[6];
                size_t k, n = 0;
                json_t *a;

                if (!json_list_has(json_object_get(b, "names"), name) ||
                    !ref_block_applies(b, caps))
                        continue;
                json_array_foreach(json_object_get(b, "args"), k, a)
                {
                        CHECK(n < 6);
                        idx[n] = json_integer_value(json_object_get(a, "index"));
                        ops[n] = json_string_value(json_object_get(a, "op"));
                        v[n] = json_integer_value(json_object_get(a, "value"));
                        v2[n] = json_integer_value(json_object_get(a, "valueTwo"));
                        n++;
                }
                CHECK(strv_consume(&l, rule_text(ref_action(b), n, idx, ops, v, v2)) == 0);
        }
        return joined_sorted(l);
}

static char *berth_rules_for(const SeccompRuleSet *s, const char *name)
{
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; i < s->n_rules; i++) {
                const SeccompEvalRule *r = &s->rules[i];
                unsigned idx[6];
                const char *ops[6];
                uint64_t v[6], v2[6];

                if (!streq(r->name, name))
                        continue;
                CHECK(r->n_args <= 6);
                for (size_t k = 0; k < r->n_args; k++) {
                        idx[k] = r->args[k].index;
                        ops[k] = op_name(r->args[k].op);
                        v[k] = r->args[k].value;
                        v2[k] = r->args[k].value_two;
                }
                CHECK(strv_consume(&l, rule_text(r->action, r->n_args, idx, ops, v, v2)) == 0);
        }
        return joined_sorted(l);
}

static char **all_names(void)
{
        static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
        char **l = NULL;
        json_t *b, *e;
        size_t i, k;

        for (size_t a = 0; a < ELEMENTSOF(arches); a++)
                for (int nr = 0; nr < 1024; nr++) {
                        int num = arches[a] == SCMP_ARCH_X32 ? nr | X32_BIT : nr;
                        _cleanup_free_ char *n = seccomp_syscall_resolve_num_arch(arches[a], num);
                        if (n && !strv_contains(l, n))
                                CHECK(strv_extend(&l, n) == 0);
                }
        json_array_foreach(json_object_get(ref, "syscalls"), i, b) json_array_foreach(
            json_object_get(b, "names"), k, e) if (!strv_contains(l, json_string_value(e)))
            CHECK(strv_extend(&l, json_string_value(e)) == 0);
        return l;
}

static void compare_rules(char **names, uint64_t caps, const char *label)
{
        SeccompHost host = {
            .native_arch = SCMP_ARCH_X86_64,
            .go_arch = "amd64",
            .scmp_arch = "SCMP_ARCH_X86_64",
            .kernel_major = kmajor,
            .kernel_minor = kminor,
        };
        _cleanup_(seccomp_rule_set_done) SeccompRuleSet set = {};
        unsigned allowed = 0, conditional = 0, denied = 0, other = 0;

        CHECK(seccomp_profile_evaluate(&seccomp_default_profile, caps, &host, &set) == 0);
        CHECK_INT(set.default_action, SECCOMP_RET_ERRNO | 1);
        CHECK_INT(set.n_arches, 3);
        CHECK_INT(set.arches[0], SCMP_ARCH_X86_64);
        CHECK_INT(set.arches[1], SCMP_ARCH_X86);
        CHECK_INT(set.arches[2], SCMP_ARCH_X32);

        STRV_FOREACH (n, names) {
                _cleanup_free_ char *want = ref_rules_for(*n, caps);
                _cleanup_free_ char *got = berth_rules_for(&set, *n);

                if (!streq(want, got)) {
                        fprintf(stderr, "%s: %s: reference \"%s\", berth \"%s\"\n", label, *n, want,
                                got);
                        exit(1);
                }
                if (isempty(want))
                        denied++;
                else if (strstr(want, "7fff0000; ") && !strchr(want, '['))
                        allowed++;
                else if (strchr(want, '['))
                        conditional++;
                else
                        other++;
        }
        printf("%s: %zu names agree: %u allowed, %u argument-filtered, %u other action, "
               "%u denied by default\n",
               label, strv_length(names), allowed, conditional, other, denied);
}

/* ---- the compiled program against the reference ---- */

static bool cmp_holds(const char *op, uint64_t arg, uint64_t v, uint64_t v2)
{
        if (streq(op, "SCMP_CMP_EQ"))
                return arg == v;
        if (streq(op, "SCMP_CMP_NE"))
                return arg != v;
        if (streq(op, "SCMP_CMP_LT"))
                return arg < v;
        if (streq(op, "SCMP_CMP_LE"))
                return arg <= v;
        if (streq(op, "SCMP_CMP_GT"))
                return arg > v;
        if (streq(op, "SCMP_CMP_GE"))
                return arg >= v;
        CHECK_STREQ(op, "SCMP_CMP_MASKED_EQ");
        return (arg & v) == v2;
}

/* What Docker's profile decides for this call: runc's rules are "all
 * conditions" unless one argument is named twice, then "any condition". */
static uint32_t ref_decide(const char *name, const uint64_t args[6], uint64_t caps)
{
        json_t *b;
        size_t i;

        json_array_foreach(json_object_get(ref, "syscalls"), i, b)
        {
                json_t *cond = json_object_get(b, "args"), *a;
                unsigned seen = 0;
                bool repeated = false, all = true, any = false;
                size_t k;

                if (!json_list_has(json_object_get(b, "names"), name) ||
                    !ref_block_applies(b, caps))
                        continue;
                json_array_foreach(cond, k, a)
                {
                        unsigned idx = json_integer_value(json_object_get(a, "index"));
                        bool h = cmp_holds(json_string_value(json_object_get(a, "op")), args[idx],
                                           json_integer_value(json_object_get(a, "value")),
                                           json_integer_value(json_object_get(a, "valueTwo")));
                        repeated |= (seen & (1u << idx)) != 0;
                        seen |= 1u << idx;
                        all &= h;
                        any |= h;
                }
                if (json_array_size(cond) == 0 || (repeated ? any : all))
                        return ref_action(b);
        }
        return SECCOMP_RET_ERRNO | 1;
}

/* Argument vectors that probe each filter at and around its values. */
static size_t probe_args(const char *name, uint64_t out[][6], size_t max)
{
        json_t *b, *a;
        size_t i, k, n = 1;

        memset(out[0], 0, sizeof(out[0]));
        json_array_foreach(json_object_get(ref, "syscalls"), i, b)
        {
                if (!json_list_has(json_object_get(b, "names"), name))
                        continue;
                json_array_foreach(json_object_get(b, "args"), k, a)
                {
                        unsigned idx = json_integer_value(json_object_get(a, "index"));
                        uint64_t v = json_integer_value(json_object_get(a, "value"));
                        uint64_t cand[3 + 32];
                        size_t nc = 0;

                        cand[nc++] = v;
                        cand[nc++] = v + 1;
                        cand[nc++] = v - 1;
                        for (int bit = 0; bit < 32; bit++)
                                if (v & (UINT64_C(1) << bit))
                                        cand[nc++] = (UINT64_C(1) << bit) | 0x11 /* SIGCHLD */;
                        for (size_t c = 0; c < nc && n < max; c++) {
                                memset(out[n], 0, sizeof(out[n]));
                                out[n++][idx] = cand[c] & 0xffffffffu;
                        }
                }
        }
        return n;
}

static void simulate(const struct sock_fprog *prog, char **names, uint64_t caps, const char *label)
{
        static const struct {
                uint32_t scmp, audit;
                const char *name;
        } arches[] = {
            {SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, "x86_64"},
            {SCMP_ARCH_X86, AUDIT_ARCH_I386, "i386"},
            {SCMP_ARCH_X32, AUDIT_ARCH_X86_64, "x32"},
        };
        unsigned checks = 0;

        for (size_t a = 0; a < ELEMENTSOF(arches); a++)
                STRV_FOREACH (n, names) {
                        int nr = seccomp_syscall_resolve_name_arch(arches[a].scmp, *n);
                        uint64_t args[64][6];
                        size_t na;

                        /* newer than libseccomp: berth's own table */
                        if (nr == __NR_SCMP_ERROR)
                                nr = seccomp_newer_syscall_nr(arches[a].scmp, *n);
                        /* negative: a pseudo number, no such call on this arch */
                        if (nr < 0)
                                continue;
                        na = probe_args(*n, args, ELEMENTSOF(args));
                        for (size_t k = 0; k < na; k++) {
                                struct seccomp_data d = {.nr = nr, .arch = arches[a].audit};
                                uint32_t want, got;

                                memcpy(d.args, args[k], sizeof(d.args));
                                want = ref_decide(*n, args[k], caps);
                                got = bpf_sim_run(prog->filter, prog->len, &d);
                                if (want != got) {
                                        fprintf(stderr,
                                                "%s %s: %s(%llx, %llx) nr %d: reference %08x, "
                                                "BPF %08x\n",
                                                label, arches[a].name, *n,
                                                (unsigned long long)args[k][0],
                                                (unsigned long long)args[k][1], nr, want, got);
                                        exit(1);
                                }
                                checks++;
                        }
                }

        /* numbers past the newest known call answer ENOSYS, as with runc, so
         * that libc falls back; unknown numbers below it are denied. And
         * i386's direct socket(2), which libseccomp names only as a pseudo
         * call: filtered like x86_64's (AF_VSOCK denied). */
        {
                static const struct {
                        uint32_t audit, nr;
                        uint64_t arg0;
                        uint32_t want;
                } probes[] = {
                    {AUDIT_ARCH_X86_64, 467, 0, SECCOMP_RET_ERRNO | ENOSYS},
                    {AUDIT_ARCH_X86_64, 1000, 0, SECCOMP_RET_ERRNO | ENOSYS},
                    {AUDIT_ARCH_X86_64, 0xffffffffu & ~X32_BIT, 0, SECCOMP_RET_ERRNO | ENOSYS},
                    {AUDIT_ARCH_X86_64, 400, 0, SECCOMP_RET_ERRNO | EPERM},
                    {AUDIT_ARCH_X86_64, 1000 | X32_BIT, 0, SECCOMP_RET_ERRNO | ENOSYS},
                    {AUDIT_ARCH_I386, 467, 0, SECCOMP_RET_ERRNO | ENOSYS},
                    {AUDIT_ARCH_I386, 5000, 0, SECCOMP_RET_ERRNO | ENOSYS},
                    {AUDIT_ARCH_I386, 359, 2 /* AF_INET */, SECCOMP_RET_ALLOW},
                    {AUDIT_ARCH_I386, 359, 40 /* AF_VSOCK */, SECCOMP_RET_ERRNO | EPERM},
                };
                for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                        struct seccomp_data d = {.nr = probes[i].nr, .arch = probes[i].audit};
                        d.args[0] = probes[i].arg0;
                        CHECK_INT(bpf_sim_run(prog->filter, prog->len, &d), probes[i].want);
                }
        }

        /* a foreign architecture is never let through */
        {
                struct seccomp_data d = {.nr = 0, .arch = AUDIT_ARCH_AARCH64};
                uint32_t r = bpf_sim_run(prog->filter, prog->len, &d);
                CHECK((r & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW);
        }
        printf("%s: BPF agrees with the reference on %u calls\n", label, checks);
}

/* Every call the reference names for x86 that this libseccomp cannot
 * resolve must be in berth's own table, or the filter silently denies it. */
static void check_newer_coverage(void)
{
        json_t *b, *e;
        size_t i, k;
        unsigned n = 0;

        json_array_foreach(json_object_get(ref, "syscalls"), i, b)
        {
                json_t *arches = json_object_get(json_object_get(b, "includes"), "arches");

                if (json_array_size(arches) > 0 && !json_list_has(arches, "amd64") &&
                    !json_list_has(arches, "x86") && !json_list_has(arches, "x32"))
                        continue;
                json_array_foreach(json_object_get(b, "names"), k, e)
                {
                        const char *name = json_string_value(e);
                        if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) !=
                            __NR_SCMP_ERROR)
                                continue;
                        /* listed in a common block, but exists on RISC-V only */
                        if (streq(name, "riscv_hwprobe"))
                                continue;
                        if (seccomp_newer_syscall_nr(SCMP_ARCH_X86_64, name) < 0) {
                                fprintf(stderr, "%s: unknown to libseccomp and to berth\n", name);
                                exit(1);
                        }
                        n++;
                }
        }
        printf("%u calls newer than libseccomp are covered by berth's table\n", n);
}

static void check_caps(char **names, uint64_t caps, const char *label, const char *cache)
{
        _cleanup_seccomp_program_ SeccompProgram *cold = NULL, *warm = NULL;

        compare_rules(names, caps, label);
        CHECK(seccomp_program_default_full(caps, cache, &cold) == 0);
        CHECK(!seccomp_program_from_cache(cold));
        simulate(seccomp_program_fprog(cold), names, caps, label);
        CHECK(seccomp_program_default_full(caps, cache, &warm) == 0);
        CHECK(seccomp_program_from_cache(warm));
        CHECK_INT(seccomp_program_length(warm), seccomp_program_length(cold));
        CHECK(memcmp(seccomp_program_fprog(warm)->filter, seccomp_program_fprog(cold)->filter,
                     seccomp_program_length(cold) * sizeof(struct sock_filter)) == 0);
}

int main(void)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_strv_free_ char **names = NULL;
        const char *shared = getenv("BERTH_SHARED_DIR");
        char cache[] = "/tmp/berth-seccomp-ref-XXXXXX";
        json_error_t err;
        struct utsname u;
        uint64_t caps;

        if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
                printf("skip: the reference comparison is written for x86_64 hosts\n");
                return 77;
        }
        CHECK(asprintf(&path, "%s/reference/docker-default-seccomp.json",
                       shared ?: SOURCE_DIR "/../shared") > 0);
        if (access(path, R_OK) < 0) {
                printf("skip: %s not readable (set BERTH_SHARED_DIR)\n", path);
                return 77;
        }
        ref = json_load_file(path, 0, &err);
        CHECK(ref);
        CHECK(uname(&u) == 0 && sscanf(u.release, "%u.%u", &kmajor, &kminor) == 2);

        names = all_names();
        CHECK(strv_length(names) > 400);
        CHECK(mkdtemp(cache));

        check_newer_coverage();
        check_caps(names, caps_default(), "default caps", cache);
        check_caps(names, caps_default() | (UINT64_C(1) << CAP_SYS_ADMIN), "+SYS_ADMIN", cache);
        check_caps(names, caps_default() | (UINT64_C(1) << CAP_SYS_PTRACE), "+SYS_PTRACE", cache);
        CHECK(caps_parse_list("ALL", &caps) == 0);
        check_caps(names, caps, "ALL", cache);
        check_caps(names, 0, "no caps", cache);

        CHECK(rm_rf(cache) == 0);
        json_decref(ref);
        return 0;
}
