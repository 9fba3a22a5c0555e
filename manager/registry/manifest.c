/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "digest.h"
#include "macro.h"
#include "manifest.h"
#include "strv.h"

static void descriptor_done(Descriptor *d)
{
        free(d->media_type);
        free(d->digest);
        free(d->os);
        free(d->architecture);
        free(d->variant);
}

void manifest_free(Manifest *m)
{
        if (!m)
                return;
        free(m->media_type);
        descriptor_done(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                descriptor_done(&m->layers[i]);
        free(m->layers);
        for (size_t i = 0; i < m->n_manifests; i++)
                descriptor_done(&m->manifests[i]);
        free(m->manifests);
        free(m);
}

static const char *const layer_types[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    NULL,
};

static const char *const config_types[] = {
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
    NULL,
};

static const char *const manifest_types[] = {
    MEDIA_OCI_MANIFEST,
    MEDIA_DOCKER_MANIFEST,
    NULL,
};

static bool in_list(const char *const *l, const char *s)
{
        for (; *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

static int dup_string(json_t *o, const char *key, char **ret)
{
        json_t *v = json_object_get(o, key);

        if (!v)
                return 0;
        if (!json_is_string(v) || strlen(json_string_value(v)) > 256)
                return -EBADMSG;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

static int parse_descriptor(json_t *o, const char *const *allowed, Descriptor *d,
                            const char **ret_error)
{
        json_t *size = json_object_get(o, "size");

        if (!json_is_object(o))
                return *ret_error = "descriptor is not an object", -EBADMSG;
        if (dup_string(o, "mediaType", &d->media_type) < 0 || !d->media_type)
                return *ret_error = "descriptor without mediaType", -EBADMSG;
        if (allowed && !in_list(allowed, d->media_type))
                return *ret_error = "unsupported descriptor mediaType", -EMEDIUMTYPE;
        if (dup_string(o, "digest", &d->digest) < 0 || !d->digest || !digest_is_valid(d->digest))
                return *ret_error = "descriptor with an invalid digest", -EBADMSG;
        if (!json_is_integer(size) || json_integer_value(size) < 0)
                return *ret_error = "descriptor with an invalid size", -EBADMSG;
        d->size = (uint64_t)json_integer_value(size);
        return 0;
}

static int parse_platform(json_t *o, Descriptor *d, const char **ret_error)
{
        json_t *p = json_object_get(o, "platform");

        if (!p)
                return 0;
        if (!json_is_object(p) || dup_string(p, "os", &d->os) < 0 ||
            dup_string(p, "architecture", &d->architecture) < 0 ||
            dup_string(p, "variant", &d->variant) < 0)
                return *ret_error = "index entry with a malformed platform", -EBADMSG;
        return 0;
}

static int parse_array(json_t *a, size_t max, const char *const *allowed, bool platform,
                       Descriptor **ret, size_t *ret_n, const char **ret_error)
{
        size_t n = json_array_size(a), i;
        json_t *e;
        int r;

        if (!json_is_array(a))
                return *ret_error = "descriptor list is not an array", -EBADMSG;
        if (n > max)
                return *ret_error = "too many descriptors", -E2BIG;
        *ret = calloc(n ?: 1, sizeof(Descriptor));
        if (!*ret)
                return -ENOMEM;
        *ret_n = n;
        json_array_foreach(a, i, e)
        {
                r = parse_descriptor(e, allowed, &(*ret)[i], ret_error);
                if (r >= 0 && platform)
                        r = parse_platform(e, &(*ret)[i], ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int manifest_kind(json_t *root, const char *content_type, Manifest *m,
                         const char **ret_error)
{
        const char *t = NULL;
        json_t *mt = json_object_get(root, "mediaType");
        json_t *sv = json_object_get(root, "schemaVersion");

        if (!json_is_integer(sv) || json_integer_value(sv) != 2)
                return *ret_error = "unsupported schemaVersion (only 2)", -EMEDIUMTYPE;
        if (mt) {
                if (!json_is_string(mt))
                        return *ret_error = "mediaType is not a string", -EBADMSG;
                t = json_string_value(mt);
        } else if (content_type && !strneq(content_type, "application/json", 16) &&
                   !strneq(content_type, "text/plain", 10))
                t = content_type;

        if (t) {
                if (streq(t, MEDIA_OCI_INDEX) || streq(t, MEDIA_DOCKER_LIST))
                        m->kind = MANIFEST_INDEX;
                else if (streq(t, MEDIA_OCI_MANIFEST) || streq(t, MEDIA_DOCKER_MANIFEST))
                        m->kind = MANIFEST_IMAGE;
                else
                        return *ret_error = "unsupported manifest mediaType", -EMEDIUMTYPE;
        } else {
                /* OCI allows mediaType to be absent: tell by the shape */
                bool has_manifests = json_object_get(root, "manifests");
                bool has_config = json_object_get(root, "config");
                if (has_manifests == has_config)
                        return *ret_error = "neither a manifest nor an index", -EBADMSG;
                m->kind = has_manifests ? MANIFEST_INDEX : MANIFEST_IMAGE;
                t = has_manifests ? MEDIA_OCI_INDEX : MEDIA_OCI_MANIFEST;
        }
        m->media_type = strdup(t);
        return m->media_type ? 0 : -ENOMEM;
}

int manifest_parse(const char *data, size_t len, const char *content_type, Manifest **ret,
                   const char **ret_error)
{
        _cleanup_(manifest_freep) Manifest *m = calloc(1, sizeof(*m));
        json_error_t err;
        json_t *root;
        int r;

        *ret_error = NULL;
        if (!m)
                return -ENOMEM;
        if (len > MANIFEST_SIZE_MAX)
                return *ret_error = "manifest too large", -E2BIG;
        root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(root)) {
                json_decref(root);
                return *ret_error = "malformed JSON", -EBADMSG;
        }
        r = manifest_kind(root, content_type, m, ret_error);
        if (r >= 0 && m->kind == MANIFEST_INDEX)
                r = parse_array(json_object_get(root, "manifests"), INDEX_ENTRIES_MAX, NULL, true,
                                &m->manifests, &m->n_manifests, ret_error);
        else if (r >= 0) {
                r = parse_descriptor(json_object_get(root, "config"), config_types, &m->config,
                                     ret_error);
                if (r == -EMEDIUMTYPE)
                        *ret_error = "not a container image (config mediaType)";
                if (r >= 0)
                        r = parse_array(json_object_get(root, "layers"), LAYERS_MAX, layer_types,
                                        false, &m->layers, &m->n_layers, ret_error);
        }
        json_decref(root);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* Callers check lengths; this only guarantees termination. */
static void set(char *dst, size_t n, const char *src)
{
        size_t l = strnlen(src, n - 1);

        memcpy(dst, src, l);
        dst[l] = 0;
}

int platform_host(Platform *ret)
{
        static const struct {
                const char *machine, *arch, *variant;
        } map[] = {
            {"x86_64", "amd64", ""},
            {"aarch64", "arm64", "v8"},
            {"armv7l", "arm", "v7"},
            {"armv6l", "arm", "v6"},
            {"i686", "386", ""},
            {"i386", "386", ""},
            {"ppc64le", "ppc64le", ""},
            {"s390x", "s390x", ""},
            {"riscv64", "riscv64", ""},
            {"mips64", "mips64", ""},
            {"loongarch64", "loong64", ""},
        };
        struct utsname u;

        if (uname(&u) < 0)
                return -errno;
        *ret = (Platform){};
        set(ret->os, sizeof(ret->os), "linux");
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(u.machine, map[i].machine)) {
                        set(ret->architecture, sizeof(ret->architecture), map[i].arch);
                        set(ret->variant, sizeof(ret->variant), map[i].variant);
                        return 0;
                }
        set(ret->architecture, sizeof(ret->architecture), u.machine);
        return 0;
}

int platform_parse(const char *s, Platform *ret)
{
        char buf[3 * 32], *os, *arch, *variant;

        *ret = (Platform){};
        if (strlen(s) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, s);
        os = buf;
        arch = strchr(os, '/');
        if (!arch)
                return -EINVAL;
        *arch++ = 0;
        variant = strchr(arch, '/');
        if (variant)
                *variant++ = 0;
        if (isempty(os) || isempty(arch) ||
            (variant && (isempty(variant) || strchr(variant, '/'))) ||
            strlen(os) >= sizeof(ret->os) || strlen(arch) >= sizeof(ret->architecture) ||
            strlen(strempty(variant)) >= sizeof(ret->variant))
                return -EINVAL;
        set(ret->os, sizeof(ret->os), os);
        set(ret->architecture, sizeof(ret->architecture), arch);
        set(ret->variant, sizeof(ret->variant), strempty(variant));
        return 0;
}

/* Index entries may leave out a variant that the architecture implies. */
static const char *normalize_variant(const char *arch, const char *variant)
{
        if (streq(arch, "arm64") && streq(strempty(variant), "v8"))
                return "";
        if (streq(arch, "arm") && isempty(variant))
                return "v7";
        return strempty(variant);
}

static bool variant_matches(const Platform *p, const Descriptor *d)
{
        const char *want = normalize_variant(p->architecture, p->variant);

        return isempty(want) ? isempty(normalize_variant(d->architecture, d->variant))
                             : streq(want, normalize_variant(d->architecture, d->variant));
}

int manifest_select_platform(const Manifest *index, const Platform *p, const Descriptor **ret)
{
        for (size_t i = 0; i < index->n_manifests; i++) {
                const Descriptor *d = &index->manifests[i];

                if (!d->os || !d->architecture || !streq(d->os, p->os) ||
                    !streq(d->architecture, p->architecture) || !variant_matches(p, d))
                        continue;
                if (!in_list(manifest_types, d->media_type))
                        continue;
                *ret = d;
                return 0;
        }
        return -ENOENT;
}

int image_config_diff_ids(const char *data, size_t len, size_t n_layers, char ***ret,
                          const char **ret_error)
{
        _cleanup_strv_free_ char **ids = NULL;
        json_t *root, *rootfs, *a, *e;
        json_error_t err;
        size_t i;
        int r = 0;

        *ret_error = NULL;
        root = json_loadb(data, len, 0, &err);
        rootfs = json_object_get(root, "rootfs");
        a = json_object_get(rootfs, "diff_ids");
        if (!json_is_object(root) || !json_is_object(rootfs) || !json_is_array(a))
                r = -EBADMSG, *ret_error = "config without rootfs.diff_ids";
        else if (!json_is_string(json_object_get(rootfs, "type")) ||
                 !streq(json_string_value(json_object_get(rootfs, "type")), "layers"))
                r = -EBADMSG, *ret_error = "config rootfs.type is not \"layers\"";
        else if (json_array_size(a) != n_layers)
                r = -EBADMSG, *ret_error = "config diff_ids do not match the manifest's layers";
        else
                json_array_foreach(a, i, e)
                {
                        if (!json_is_string(e) || !digest_is_valid(json_string_value(e))) {
                                r = -EBADMSG, *ret_error = "config with an invalid diff_id";
                                break;
                        }
                        r = strv_extend(&ids, json_string_value(e));
                        if (r < 0)
                                break;
                }
        json_decref(root);
        if (r < 0)
                return r;
        if (!ids && !(ids = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(ids);
        return 0;
}
