/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

/* A JSON array of strings to a string vector. A missing or null value is an
 * empty result (*ret = NULL); anything but an array of strings is -EBADMSG. */
int json_to_strv(json_t *a, char ***ret);

/* NULL on allocation failure. */
json_t *strv_to_json(char *const *l);
