/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* "sha256:" + 64 hex digits + NUL */
#define DIGEST_STRING_MAX (7 + 64 + 1)

typedef struct Sha256 Sha256;

int sha256_new(Sha256 **ret);
void sha256_update(Sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" into out and resets nothing: the context is spent. */
void sha256_final(Sha256 *h, char out[static DIGEST_STRING_MAX]);
void sha256_free(Sha256 *h);
static inline void sha256_freep(Sha256 **h)
{
        sha256_free(*h);
}

int sha256_buffer(const void *data, size_t len, char out[static DIGEST_STRING_MAX]);
int sha256_fd(int fd, char out[static DIGEST_STRING_MAX]);

/* Accepts only "sha256:" followed by exactly 64 lowercase hex digits, so a
 * digest can be used as a path component without further checks. */
bool digest_is_valid(const char *s);
