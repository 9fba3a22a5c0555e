/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two 64-bit lanes over 8-byte words, each word multiplied in with a
 * different odd constant and rotated, then a xorshift-multiply finish per
 * lane with the length and the other lane mixed in. It exists so the runtime
 * needs no libcrypto (see runtime/security/seccomp-cache.c). */
#include <string.h>

#include "hash128.h"

#define K1 UINT64_C(0x9e3779b97f4a7c15)
#define K2 UINT64_C(0xc2b2ae3d27d4eb4f)
#define K3 UINT64_C(0xff51afd7ed558ccd)

static inline uint64_t rotl(uint64_t x, int r)
{
        return (x << r) | (x >> (64 - r));
}

static inline uint64_t finish(uint64_t x)
{
        x ^= x >> 33;
        x *= K3;
        x ^= x >> 29;
        x *= K1;
        x ^= x >> 32;
        return x;
}

void hash128(const void *data, size_t len, uint64_t out[static 2])
{
        const unsigned char *p = data;
        uint64_t a = K2 ^ len, b = K1 + len, w;
        size_t i = 0;

        for (; i + 8 <= len; i += 8) {
                memcpy(&w, p + i, 8);
                a = rotl((a ^ w) * K1, 31) + b;
                b = rotl((b + w) * K2, 27) ^ a;
        }
        if (i < len) {
                w = 0;
                memcpy(&w, p + i, len - i);
                a = rotl((a ^ w ^ (uint64_t)(len - i) << 56) * K1, 31) + b;
                b = rotl((b + w) * K2, 27) ^ a;
        }
        out[0] = finish(a + rotl(b, 17));
        out[1] = finish(b ^ finish(a));
}

void hash128_hex(const uint64_t h[static 2], char out[static HASH128_HEX_MAX])
{
        static const char digits[] = "0123456789abcdef";

        for (int i = 0; i < 32; i++)
                out[i] = digits[(h[i / 16] >> (60 - 4 * (i % 16))) & 0xf];
        out[32] = 0;
}
