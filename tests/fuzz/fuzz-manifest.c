/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Registry replies: manifests, indexes and manifest lists, platform
 * selection, and an image config's rootfs.diff_ids. The first input byte
 * picks the Content-Type the registry claimed; the rest is the body. The
 * header promises that every digest that comes out is valid (callers use
 * them as path components): that is checked here. */
#include "digest.h"
#include "fuzz.h"
#include "manifest.h"
#include "strv.h"

static const char *const content_types[] = {
    MEDIA_OCI_MANIFEST,
    MEDIA_OCI_INDEX,
    MEDIA_DOCKER_MANIFEST,
    MEDIA_DOCKER_LIST,
    "application/json",
    "text/html",
    NULL,
};

static void check_descriptor(const Descriptor *d)
{
        fuzz_assert(digest_is_valid(d->digest));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Manifest *m = NULL;
        const char *why = NULL, *ct;
        char **diff_ids = NULL;
        size_t n_layers;
        char *body;

        if (size < 1)
                return 0;
        ct = content_types[data[0] % (sizeof(content_types) / sizeof(content_types[0]))];
        body = fuzz_string(data + 1, size - 1);

        if (manifest_parse(body, size - 1, ct, &m, &why) >= 0) {
                Platform p;
                const Descriptor *sel = NULL;
                static const char *const platforms[] = {
                    "linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64", "linux/arm",
                };

                fuzz_assert(m);
                if (m->kind == MANIFEST_IMAGE) {
                        check_descriptor(&m->config);
                        fuzz_assert(m->n_layers <= LAYERS_MAX);
                        for (size_t i = 0; i < m->n_layers; i++)
                                check_descriptor(&m->layers[i]);
                } else {
                        fuzz_assert(m->n_manifests <= INDEX_ENTRIES_MAX);
                        for (size_t i = 0; i < m->n_manifests; i++)
                                check_descriptor(&m->manifests[i]);
                        if (platform_host(&p) >= 0 && manifest_select_platform(m, &p, &sel) >= 0)
                                fuzz_assert(sel && digest_is_valid(sel->digest));
                        for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
                                fuzz_assert(platform_parse(platforms[i], &p) >= 0);
                                if (manifest_select_platform(m, &p, &sel) >= 0)
                                        fuzz_assert(sel && digest_is_valid(sel->digest));
                        }
                }
                n_layers = m->kind == MANIFEST_IMAGE ? m->n_layers : 1;
                manifest_free(m);
        } else {
                fuzz_assert(why);
                n_layers = data[0] % 4;
        }

        /* The same bytes as an image config. */
        if (image_config_diff_ids(body, size - 1, n_layers, &diff_ids, &why) >= 0) {
                fuzz_assert(strv_length(diff_ids) == n_layers);
                STRV_FOREACH (d, diff_ids)
                        fuzz_assert(digest_is_valid(*d));
                strv_free(diff_ids);
        }

        /* The body as a --platform argument. */
        {
                Platform p;
                (void)platform_parse(body, &p);
        }
        free(body);
        return 0;
}
