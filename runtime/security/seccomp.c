/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "seccomp-bpf.h"
#include "security.h"

struct SeccompProgram {
        struct sock_fprog fprog;
        unsigned flags;
        bool from_cache;
        struct sock_filter insns[];
};

static int program_new(struct sock_filter *f, size_t n, unsigned flags, bool from_cache,
                       SeccompProgram **ret)
{
        SeccompProgram *p = malloc(sizeof(*p) + n * sizeof(*f));

        if (!p)
                return -ENOMEM;
        memcpy(p->insns, f, n * sizeof(*f));
        p->fprog = (struct sock_fprog){.len = n, .filter = p->insns};
        p->flags = flags;
        p->from_cache = from_cache;
        *ret = p;
        return 0;
}

static const char *cache_dir_resolve(const char *cache_dir)
{
        const char *e;

        if (cache_dir)
                return cache_dir;
        e = getenv("BERTH_SECCOMP_CACHE_DIR");
        if (e)
                return e;
        return BERTH_RUNDIR "/seccomp";
}

/* The cache is an optimisation: every failure around it falls back to a
 * compile in memory and is only worth a debug line. */
static int program_build(const SeccompProfile *profile, uint64_t caps, const char *cache_dir,
                         SeccompProgram **ret)
{
        _cleanup_(seccomp_rule_set_done) SeccompRuleSet set = {};
        _cleanup_free_ struct sock_filter *f = NULL;
        _cleanup_(seccomp_cache_key_done) SeccompCacheKey key = {};
        const char *dir = cache_dir_resolve(cache_dir);
        SeccompHost host;
        size_t n;
        int r;

        r = seccomp_host_detect(&host);
        if (r < 0)
                return log_error_errno(r, "seccomp: detect architecture and kernel version");
        r = seccomp_profile_evaluate(profile, caps, &host, &set);
        if (r < 0)
                return log_oom();

        if (!isempty(dir)) {
                r = seccomp_cache_key(&set, &key);
                if (r < 0)
                        return log_oom();
                r = seccomp_cache_load(dir, &key, &f, &n);
                if (r >= 0)
                        return program_new(f, n, set.flags, true, ret) < 0 ? log_oom() : 0;
                if (r == -EBADMSG)
                        log_warning("seccomp cache %s/%s.bpf is damaged or not ours, rebuilding",
                                    dir, key.hex);
                else if (r != -ENOENT)
                        log_debug_errno(r, "seccomp cache %s/%s.bpf unreadable", dir, key.hex);
        }

        r = seccomp_rule_set_compile(&set, &f, &n);
        if (r < 0)
                return r;

        if (!isempty(dir)) {
                int k = seccomp_cache_store(dir, &key, f, n);
                if (k < 0)
                        log_debug_errno(k, "seccomp: not caching in %s", dir);
        }
        return program_new(f, n, set.flags, false, ret) < 0 ? log_oom() : 0;
}

int seccomp_program_default_full(uint64_t caps, const char *cache_dir, SeccompProgram **ret)
{
        return program_build(&seccomp_default_profile, caps, cache_dir, ret);
}

int seccomp_program_default(uint64_t caps, SeccompProgram **ret)
{
        return seccomp_program_default_full(caps, NULL, ret);
}

int seccomp_program_from_file_full(const char *path, uint64_t caps, const char *cache_dir,
                                   SeccompProgram **ret)
{
        _cleanup_(seccomp_profile_freep) SeccompProfile *profile = NULL;
        int r;

        r = seccomp_profile_load_json(path, &profile);
        if (r < 0)
                return r;
        return program_build(profile, caps, cache_dir, ret);
}

int seccomp_program_from_file(const char *docker_json_profile, uint64_t caps, SeccompProgram **ret)
{
        return seccomp_program_from_file_full(docker_json_profile, caps, NULL, ret);
}

int seccomp_program_install(const SeccompProgram *p)
{
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &p->fprog) == 0)
                return 0;
        if (errno != ENOSYS || p->flags != 0)
                return -errno;
        /* kernels before 3.17 */
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->fprog, 0, 0) < 0)
                return -errno;
        return 0;
}

void seccomp_program_free(SeccompProgram *p)
{
        free(p);
}

bool seccomp_program_from_cache(const SeccompProgram *p)
{
        return p->from_cache;
}

size_t seccomp_program_length(const SeccompProgram *p)
{
        return p->fprog.len;
}

const struct sock_fprog *seccomp_program_fprog(const SeccompProgram *p)
{
        return &p->fprog;
}
