/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "store.h"

void image_config_done(ImageConfig *c);
/* From an OCI/Docker image config blob ("config": {"Cmd": …}, "os", …). */
int image_config_from_oci(json_t *root, ImageConfig *ret);
/* The image record's own compact form. */
json_t *image_config_to_json(const ImageConfig *c);
int image_config_from_json(json_t *o, ImageConfig *ret);
