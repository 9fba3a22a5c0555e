/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Image references as Docker reads them:
 *   [DOMAIN[:PORT]/]PATH[:TAG][@sha256:HEX]
 * A first component is a domain when it holds '.' or ':' or is "localhost";
 * otherwise the domain is docker.io, and a single-component path on docker.io
 * gets "library/" in front. "index.docker.io" is spelled "docker.io". */

#include <stdbool.h>

#define REFERENCE_DEFAULT_DOMAIN "docker.io"
#define REFERENCE_DEFAULT_TAG    "latest"
#define REFERENCE_NAME_MAX       255 /* domain + "/" + path, as in Docker */

typedef struct Reference {
        char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
        char *path;   /* "library/nginx" */
        char *tag;    /* NULL when not given */
        char *digest; /* "sha256:<hex>", NULL when not given */
} Reference;

/* Parses and fills in the default domain and "library/"; does not add a tag.
 * -EINVAL for anything Docker would refuse (uppercase repository, bad
 * characters, empty components, "..", over-long names, bad digests). */
int reference_parse(const char *s, Reference **ret);
/* Adds the default tag when neither tag nor digest is present. */
int reference_normalise(Reference *r);
/* "domain/path[:tag][@digest]"; NULL on OOM. */
char *reference_string(const Reference *r);
/* "domain/path" */
char *reference_name(const Reference *r);
/* Parse + normalise + string in one go. */
int reference_normalise_string(const char *s, char **ret);

void reference_free(Reference *r);
static inline void reference_freep(Reference **r)
{
        reference_free(*r);
}
