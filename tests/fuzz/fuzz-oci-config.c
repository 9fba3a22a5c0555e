/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI bundle's config.json, as `berth-runtime create` reads it, and the
 * seccomp profile it may carry, as the start then compiles it. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "fileio.h"
#include "fuzz.h"
#include "macro.h"
#include "oci-config.h"
#include "seccomp-profile.h"

static char *base, *bundle, *config, *seccomp;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        base = fuzz_tmpdir("oci");
        if (asprintf(&bundle, "%s/bundle", base) < 0 || mkdir(bundle, 0755) < 0 ||
            asprintf(&config, "%s/config.json", bundle) < 0 ||
            asprintf(&seccomp, "%s/seccomp.json", base) < 0)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Container *c = NULL;
        FILE *f;

        if (!base)
                LLVMFuzzerInitialize(NULL, NULL);
        f = fopen(config, "we");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
                abort();
        if (container_from_oci_bundle(bundle, "fuzz", seccomp, &c) >= 0) {
                fuzz_assert(c->root_path && c->root_path[0] == '/');
                for (size_t i = 0; i < c->n_mounts; i++)
                        fuzz_assert(c->mounts[i].destination && c->mounts[i].destination[0] == '/');
                if (c->seccomp_mode == SECCOMP_MODE_FILE) {
                        SeccompProfile *p = NULL;
                        fuzz_assert(c->seccomp_file && streq(c->seccomp_file, seccomp));
                        if (seccomp_profile_load_json(c->seccomp_file, &p) >= 0)
                                seccomp_profile_free(p);
                }
                container_free(c);
        }
        (void)unlink(seccomp);
        /* The bundle and nothing else. */
        fuzz_assert(fuzz_count_entries(base) == 1);
        fuzz_assert(fuzz_count_entries(bundle) == 1);
        return 0;
}
