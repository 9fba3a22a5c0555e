/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "seccomp-bpf.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static bool has_repeated_index(const SeccompEvalRule *r)
{
        unsigned seen = 0;

        for (size_t i = 0; i < r->n_args; i++) {
                if (seen & (1u << r->args[i].index))
                        return true;
                seen |= 1u << r->args[i].index;
        }
        return false;
}

static int add_rule(scmp_filter_ctx ctx, const SeccompEvalRule *r, int nr)
{
        struct scmp_arg_cmp c[SECCOMP_ARGS_MAX];

        if (r->n_args > SECCOMP_ARGS_MAX)
                return -E2BIG;
        for (size_t i = 0; i < r->n_args; i++)
                c[i] = (struct scmp_arg_cmp){
                    .arg = r->args[i].index,
                    .op = r->args[i].op,
                    .datum_a = r->args[i].value,
                    .datum_b = r->args[i].value_two,
                };

        /* Like runc: conditions on distinct arguments must all hold; several
         * conditions on the same argument are alternatives, one rule each
         * (libseccomp cannot AND two comparisons of one argument). */
        if (!has_repeated_index(r))
                return seccomp_rule_add_array(ctx, r->action, nr, r->n_args, c);
        for (size_t i = 0; i < r->n_args; i++) {
                int k = seccomp_rule_add_array(ctx, r->action, nr, 1, &c[i]);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int export_bpf(scmp_filter_ctx ctx, const struct sock_filter *prefix, size_t n_prefix,
                      struct sock_filter **ret, size_t *ret_n)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ struct sock_filter *f = NULL;
        struct stat st;
        size_t bytes;
        ssize_t n;
        int r;

        /* libseccomp 2.5 exports only to an fd; a memfd keeps it off disk */
        fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "memfd_create for the seccomp export");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return log_error_errno(r, "seccomp_export_bpf");
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "fstat seccomp export");
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
            st.st_size / sizeof(struct sock_filter) + n_prefix > BPF_MAXINSNS)
                return log_error_errno(E2BIG, "seccomp filter of %zu instructions is too long",
                                       st.st_size / sizeof(struct sock_filter) + n_prefix);

        bytes = n_prefix * sizeof(*f) + st.st_size;
        f = malloc(bytes);
        if (!f)
                return log_oom();
        if (n_prefix > 0)
                memcpy(f, prefix, n_prefix * sizeof(*f));
        n = pread(fd, f + n_prefix, st.st_size, 0);
        if (n != st.st_size)
                return log_error_errno(n < 0 ? errno : EIO, "read back seccomp export");

        *ret_n = bytes / sizeof(*f);
        *ret = TAKE_PTR(f);
        return 0;
}

int seccomp_rule_set_compile(const SeccompRuleSet *s, struct sock_filter **ret, size_t *ret_n)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_free_ struct sock_filter *prefix = NULL;
        size_t n_prefix;
        int r;

        ctx = seccomp_init(s->default_action);
        if (!ctx)
                return log_error_errno(EINVAL, "seccomp_init with default action 0x%x",
                                       s->default_action);

        for (size_t i = 0; i < s->n_arches; i++) {
                r = seccomp_arch_add(ctx, s->arches[i]);
                if (r < 0 && r != -EEXIST)
                        return log_error_errno(r, "add seccomp architecture 0x%x", s->arches[i]);
        }

        for (size_t i = 0; i < s->n_rules; i++) {
                const SeccompEvalRule *e = &s->rules[i];
                int nr = seccomp_syscall_resolve_name(e->name);

                /* Docker and runc ignore names this libseccomp does not know:
                 * profiles list calls of newer kernels ahead of time. */
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: ignoring unknown system call %s", e->name);
                        continue;
                }
                /* libseccomp refuses a rule that repeats the default action */
                if (e->action == s->default_action)
                        continue;
                r = add_rule(ctx, e, nr);
                if (r < 0)
                        return log_error_errno(r, "add seccomp rule for %s", e->name);
        }

        r = seccomp_newer_prefix(s, &prefix, &n_prefix);
        if (r < 0)
                return log_error_errno(r, "build seccomp rules for calls newer than libseccomp");
        return export_bpf(ctx, prefix, n_prefix, ret, ret_n);
}
