/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Docker/OCI seccomp profile (SeccompProfile=, an OCI bundle's
 * linux.seccomp): parsed, evaluated for this machine with Docker's default
 * capabilities and with all of them, and compiled to BPF as a container
 * start does (the cache is left out: it only stores what compiles). */
#include <errno.h>
#include <linux/filter.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "seccomp-bpf.h"
#include "seccomp-profile.h"
#include "security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        SeccompProfile *p = NULL;
        SeccompHost host;
        const uint64_t caps[] = {caps_default(), caps_all()};

        if (seccomp_profile_parse_json((const char *)data, size, "fuzz.json", &p) < 0)
                return 0;
        fuzz_assert(p);
        fuzz_assert(seccomp_host_detect(&host) >= 0);
        for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
                SeccompRuleSet set = {0};
                struct sock_filter *f = NULL;
                size_t n = 0;
                SeccompCacheKey key = {0};
                int k;

                if (seccomp_profile_evaluate(p, caps[i], &host, &set) < 0)
                        continue;
                fuzz_assert(set.n_arches <= sizeof(set.arches) / sizeof(set.arches[0]));
                k = seccomp_cache_key(&set, &key);
                /* hostile profiles may grow the key past the cache's bound */
                fuzz_assert(k >= 0 || k == -E2BIG);
                fuzz_assert(k < 0 || (strlen(key.hex) == 32 && key.len > 0));
                seccomp_cache_key_done(&key);
                /* Compiling costs milliseconds: once, with the default caps. */
                if (i == 0 && seccomp_rule_set_compile(&set, &f, &n) >= 0) {
                        fuzz_assert(n > 0);
                        free(f);
                }
                seccomp_rule_set_done(&set);
        }
        seccomp_profile_free(p);
        return 0;
}
