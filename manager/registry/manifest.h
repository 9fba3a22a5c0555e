/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Registry manifests: OCI and Docker schema2 image manifests, OCI indexes and
 * Docker manifest lists, and the image config's rootfs. All input is
 * untrusted: every digest is checked with digest_is_valid() here, so callers
 * may use them as path components. */

#include <stddef.h>
#include <stdint.h>

#define MEDIA_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MANIFEST_ACCEPT                                                                            \
        MEDIA_OCI_INDEX ", " MEDIA_DOCKER_LIST ", " MEDIA_OCI_MANIFEST ", " MEDIA_DOCKER_MANIFEST

#define MANIFEST_SIZE_MAX (4U << 20)
#define CONFIG_SIZE_MAX   (16U << 20)
#define LAYERS_MAX        256
#define INDEX_ENTRIES_MAX 1024

typedef enum ManifestKind {
        MANIFEST_IMAGE,
        MANIFEST_INDEX,
} ManifestKind;

typedef struct Descriptor {
        char *media_type;
        char *digest;
        uint64_t size;
        /* only in index entries */
        char *os;
        char *architecture;
        char *variant;
} Descriptor;

typedef struct Manifest {
        ManifestKind kind;
        char *media_type;
        Descriptor config;
        Descriptor *layers;
        size_t n_layers;
        Descriptor *manifests;
        size_t n_manifests;
} Manifest;

void manifest_free(Manifest *m);
static inline void manifest_freep(Manifest **m)
{
        manifest_free(*m);
}

/* content_type is the HTTP Content-Type (may be NULL); the document's own
 * mediaType wins when present. On failure *ret_error (static text) says why. */
int manifest_parse(const char *data, size_t len, const char *content_type, Manifest **ret,
                   const char **ret_error);

typedef struct Platform {
        char os[32];
        char architecture[32];
        char variant[32];
} Platform;

/* The platform this process runs on, in OCI terms (x86_64 -> amd64, …). */
int platform_host(Platform *ret);
/* "os/arch[/variant]" */
int platform_parse(const char *s, Platform *ret);
/* The first index entry for the platform; -ENOENT when none matches. */
int manifest_select_platform(const Manifest *index, const Platform *p, const Descriptor **ret);

/* rootfs.diff_ids of an image config, checked to be n_layers valid digests. */
int image_config_diff_ids(const char *data, size_t len, size_t n_layers, char ***ret,
                          const char **ret_error);
