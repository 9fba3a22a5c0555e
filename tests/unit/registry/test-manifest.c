/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "manifest.h"
#include "strv.h"
#include "tap.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static int parse(const char *json, const char *ct, Manifest **m, const char **why)
{
        return manifest_parse(json, strlen(json), ct, m, why);
}

static void test_oci_manifest(void)
{
        const char *j =
            "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_MANIFEST "\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            "\"digest\":\"" D1 "\",\"size\":10},"
            "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
            "\"digest\":\"" D2 "\",\"size\":20},"
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
            "\"digest\":\"" D3 "\",\"size\":0}]}";
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why;

        CHECK(parse(j, NULL, &m, &why) == 0);
        CHECK(m->kind == MANIFEST_IMAGE);
        CHECK_STREQ(m->config.digest, D1);
        CHECK_INT(m->n_layers, 2);
        CHECK_STREQ(m->layers[0].digest, D2);
        CHECK_INT(m->layers[0].size, 20);
        CHECK_STREQ(m->layers[1].media_type, "application/vnd.oci.image.layer.v1.tar");
}

static void test_docker_manifest_by_content_type(void)
{
        /* no mediaType in the body: the Content-Type decides */
        const char *j =
            "{\"schemaVersion\":2,"
            "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
            "\"digest\":\"" D1 "\",\"size\":10},"
            "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
            "\"digest\":\"" D2 "\",\"size\":20}]}";
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why;

        CHECK(parse(j, MEDIA_DOCKER_MANIFEST, &m, &why) == 0);
        CHECK(m->kind == MANIFEST_IMAGE);
        CHECK_STREQ(m->media_type, MEDIA_DOCKER_MANIFEST);
}

static const char *index_json =
    "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_DOCKER_LIST "\",\"manifests\":["
    "{\"mediaType\":\"" MEDIA_DOCKER_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
    "{\"mediaType\":\"" MEDIA_DOCKER_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
    "{\"mediaType\":\"" MEDIA_DOCKER_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\"}},"
    "{\"mediaType\":\"" MEDIA_DOCKER_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
    "\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}}]}";

static const char *select_for(const Manifest *m, const char *platform)
{
        const Descriptor *d;
        Platform p;

        CHECK(platform_parse(platform, &p) == 0);
        return manifest_select_platform(m, &p, &d) == 0 ? d->digest : NULL;
}

static void test_index_platforms(void)
{
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why;
        Platform p;

        CHECK(parse(index_json, NULL, &m, &why) == 0);
        CHECK(m->kind == MANIFEST_INDEX);
        CHECK_INT(m->n_manifests, 4);
        /* arm64 entries usually omit the implied v8 */
        CHECK_STREQ(select_for(m, "linux/arm64/v8"), D2);
        CHECK_STREQ(select_for(m, "linux/arm64"), D2);
        /* arm without a variant means v7 */
        CHECK_STREQ(select_for(m, "linux/arm/v7"), D3);
        CHECK_STREQ(select_for(m, "linux/arm/v6"), D1);
        CHECK(select_for(m, "linux/amd64") == NULL);
        CHECK(select_for(m, "linux/s390x") == NULL);

        CHECK(platform_host(&p) == 0);
        CHECK_STREQ(p.os, "linux");
        CHECK(!isempty(p.architecture));
        CHECK(platform_parse("linux", &p) < 0);
        CHECK(platform_parse("linux/", &p) < 0);
        CHECK(platform_parse("/amd64", &p) < 0);
        CHECK(platform_parse("linux/arm/v7/x", &p) < 0);
        CHECK(platform_parse("linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &p) < 0);
}

static void expect_refused(const char *json, const char *ct, int err)
{
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why = NULL;
        int r = parse(json, ct, &m, &why);

        if (r != err) {
                fprintf(stderr, "expected %d, got %d for %s\n", err, r, json);
                exit(1);
        }
        CHECK(!m);
        CHECK(why);
}

static void test_hostile(void)
{
        const char *cfg = "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                          "\"digest\":\"" D1 "\",\"size\":10}";
        char buf[1024];

        expect_refused("", NULL, -EBADMSG);
        expect_refused("{", NULL, -EBADMSG);
        expect_refused("[]", NULL, -EBADMSG);
        expect_refused("{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, -EMEDIUMTYPE);
        expect_refused("{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL, -EMEDIUMTYPE);
        expect_refused("{\"schemaVersion\":2,\"mediaType\":7}", NULL, -EBADMSG);
        expect_refused("{\"schemaVersion\":2}", NULL, -EBADMSG);
        /* duplicate keys could smuggle a second meaning past a verifier */
        expect_refused("{\"schemaVersion\":2,\"schemaVersion\":2}", NULL, -EBADMSG);

        /* digests that would be dangerous as paths */
        snprintf(buf, sizeof(buf),
                 "{\"schemaVersion\":2,%s,\"layers\":[{\"mediaType\":"
                 "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":1}]}",
                 cfg, "sha256:../../../../etc/passwd");
        expect_refused(buf, NULL, -EBADMSG);
        snprintf(buf, sizeof(buf),
                 "{\"schemaVersion\":2,%s,\"layers\":[{\"mediaType\":"
                 "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":1}]}",
                 cfg, "sha512:1111111111111111111111111111111111111111111111111111111111111111");
        expect_refused(buf, NULL, -EBADMSG);
        /* negative and non-integer sizes */
        snprintf(buf, sizeof(buf),
                 "{\"schemaVersion\":2,%s,\"layers\":[{\"mediaType\":"
                 "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D2 "\",\"size\":-1}]}",
                 cfg);
        expect_refused(buf, NULL, -EBADMSG);
        snprintf(buf, sizeof(buf),
                 "{\"schemaVersion\":2,%s,\"layers\":[{\"mediaType\":"
                 "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D2
                 "\",\"size\":\"1\"}]}",
                 cfg);
        expect_refused(buf, NULL, -EBADMSG);
        /* unknown layer type, and an artifact that is not a container image */
        snprintf(buf, sizeof(buf),
                 "{\"schemaVersion\":2,%s,\"layers\":[{\"mediaType\":"
                 "\"application/x-tar-bomb\",\"digest\":\"" D2 "\",\"size\":1}]}",
                 cfg);
        expect_refused(buf, NULL, -EMEDIUMTYPE);
        expect_refused("{\"schemaVersion\":2,\"config\":{\"mediaType\":"
                       "\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"" D1
                       "\",\"size\":1},\"layers\":[]}",
                       NULL, -EMEDIUMTYPE);
        /* layers must be an array */
        snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,%s,\"layers\":{}}", cfg);
        expect_refused(buf, NULL, -EBADMSG);
        /* both shapes at once without a mediaType */
        snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,%s,\"manifests\":[]}", cfg);
        expect_refused(buf, NULL, -EBADMSG);
        /* an index entry with a non-object platform */
        expect_refused("{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_OCI_INDEX
                       "\",\"manifests\":[{\"mediaType\":\"" MEDIA_OCI_MANIFEST
                       "\",\"digest\":\"" D1 "\",\"size\":1,\"platform\":\"linux\"}]}",
                       NULL, -EBADMSG);
}

static void test_huge(void)
{
        size_t n = MANIFEST_SIZE_MAX + 1;
        char *big = malloc(n + 1);
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const char *why;
        char *p;

        CHECK(big);
        memset(big, ' ', n);
        big[n] = 0;
        CHECK(manifest_parse(big, n, NULL, &m, &why) == -E2BIG);

        /* many layers within the size limit are still refused */
        p = big;
        p += sprintf(p, "{\"schemaVersion\":2,\"config\":{\"mediaType\":"
                        "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
                        "\",\"size\":1},\"layers\":[");
        for (int i = 0; i <= LAYERS_MAX; i++)
                p += sprintf(p,
                             "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                             "\"digest\":\"" D2 "\",\"size\":1}",
                             i ? "," : "");
        p += sprintf(p, "]}");
        CHECK(manifest_parse(big, p - big, NULL, &m, &why) == -E2BIG);

        /* deep nesting must not blow the stack */
        memset(big, '[', 100000);
        CHECK(manifest_parse(big, 100000, NULL, &m, &why) == -EBADMSG);
        free(big);
}

static void test_config_diff_ids(void)
{
        _cleanup_strv_free_ char **ids = NULL;
        const char *why;
        const char *ok = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
        const char *bad_digest = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:x\"]}}";
        const char *bad_type = "{\"rootfs\":{\"type\":\"tar\",\"diff_ids\":[\"" D1 "\"]}}";

        CHECK(image_config_diff_ids(ok, strlen(ok), 2, &ids, &why) == 0);
        CHECK_INT(strv_length(ids), 2);
        CHECK_STREQ(ids[1], D2);
        strv_free(ids);
        ids = NULL;
        CHECK(image_config_diff_ids(ok, strlen(ok), 3, &ids, &why) == -EBADMSG);
        CHECK(image_config_diff_ids(bad_digest, strlen(bad_digest), 1, &ids, &why) == -EBADMSG);
        CHECK(image_config_diff_ids(bad_type, strlen(bad_type), 1, &ids, &why) == -EBADMSG);
        CHECK(image_config_diff_ids("null", 4, 0, &ids, &why) == -EBADMSG);
}

int main(void)
{
        test_oci_manifest();
        test_docker_manifest_by_content_type();
        test_index_platforms();
        test_hostile();
        test_huge();
        test_config_diff_ids();
        return 0;
}
