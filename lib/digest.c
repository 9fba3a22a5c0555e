/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one-shot SHA-256 functions, not EVP: EVP's first use initialises
 * OpenSSL (config file, name maps, error strings), ~5M instructions that
 * were three quarters of a container start's CPU time. Same assembly. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "macro.h"

struct Sha256 {
        SHA256_CTX ctx;
};

int sha256_new(Sha256 **ret)
{
        Sha256 *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        if (SHA256_Init(&h->ctx) != 1) {
                free(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

void sha256_update(Sha256 *h, const void *data, size_t len)
{
        SHA256_Update(&h->ctx, data, len);
}

void sha256_final(Sha256 *h, char out[static DIGEST_STRING_MAX])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char md[SHA256_DIGEST_LENGTH];

        SHA256_Final(md, &h->ctx);
        memcpy(out, "sha256:", 7);
        for (unsigned i = 0; i < 32; i++) {
                out[7 + 2 * i] = hex[md[i] >> 4];
                out[8 + 2 * i] = hex[md[i] & 15];
        }
        out[7 + 64] = 0;
}

void sha256_free(Sha256 *h)
{
        if (!h)
                return;
        free(h);
}

int sha256_buffer(const void *data, size_t len, char out[static DIGEST_STRING_MAX])
{
        _cleanup_(sha256_freep) Sha256 *h = NULL;
        int r = sha256_new(&h);

        if (r < 0)
                return r;
        sha256_update(h, data, len);
        sha256_final(h, out);
        return 0;
}

int sha256_fd(int fd, char out[static DIGEST_STRING_MAX])
{
        _cleanup_(sha256_freep) Sha256 *h = NULL;
        char buf[65536];
        int r = sha256_new(&h);

        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                sha256_update(h, buf, n);
        }
        sha256_final(h, out);
        return 0;
}

bool digest_is_valid(const char *s)
{
        if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
                return false;
        for (s += 7; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}
