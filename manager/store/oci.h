/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Media types and names of the OCI image layout and of Docker's. */
#define OCI_LAYOUT_FILE       "oci-layout"
#define OCI_INDEX_FILE        "index.json"
#define DOCKER_MANIFEST_FILE  "manifest.json"
#define OCI_MEDIA_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define OCI_MEDIA_INDEX       "application/vnd.oci.image.index.v1+json"
#define OCI_MEDIA_CONFIG      "application/vnd.oci.image.config.v1+json"
#define OCI_MEDIA_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define DOCKER_MEDIA_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MEDIA_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define ANNOTATION_REF_NAME   "org.opencontainers.image.ref.name"
#define ANNOTATION_IMAGE_NAME "io.containerd.image.name"
