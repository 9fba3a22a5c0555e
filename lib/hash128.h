/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A fast 128-bit hash, NOT cryptographic: for naming and spotting damaged
 * files where the content is compared anyway, never to trust input. */
void hash128(const void *data, size_t len, uint64_t out[static 2]);

/* 32 lowercase hex digits and a NUL. */
#define HASH128_HEX_MAX 33
void hash128_hex(const uint64_t h[static 2], char out[static HASH128_HEX_MAX]);
