/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compiled filters on disk, so that a container start reads a few KiB instead
 * of running libseccomp. A file is named by a 128-bit hash of the key
 * material (everything the BPF depends on) and holds that material in full:
 * a load compares it byte for byte, so a hash collision can only miss the
 * cache, never load another profile's filter. The hash is not cryptographic
 * and needs not be: trust comes from the comparison and from the file
 * belonging to us with nobody else able to write it; a checksum over
 * instructions and material catches damage. No libcrypto, which the static
 * runtime would otherwise link (and initialise) for this alone. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "hash128.h"
#include "log.h"
#include "macro.h"
#include "seccomp-bpf.h"
#include "strbuf.h"

#define CACHE_MAGIC "BERTHBPF"
/* Far above Docker's profile (~10 KiB): a bound for reading foreign files. */
#define KEY_MATERIAL_MAX (4U * 1024 * 1024)

typedef struct CacheHeader {
        char magic[8];
        uint32_t format;
        uint32_t n_insns;
        uint32_t key_len;  /* bytes of key material after the instructions */
        uint32_t reserved; /* zero */
        uint64_t key_hash[2];
        uint64_t checksum[2]; /* hash128 of instructions and key material */
} CacheHeader;

_Static_assert(sizeof(CacheHeader) == SECCOMP_CACHE_HEADER_SIZE, "header layout");
_Static_assert(sizeof(CacheHeader) % sizeof(struct sock_filter) == 0, "header alignment");

static void put_u32(StrBuf *b, uint32_t v)
{
        strbuf_append_n(b, (const char *)&v, sizeof(v));
}

static void put_u64(StrBuf *b, uint64_t v)
{
        strbuf_append_n(b, (const char *)&v, sizeof(v));
}

int seccomp_cache_key(const SeccompRuleSet *s, SeccompCacheKey *ret)
{
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const struct scmp_version *v = seccomp_version();
        uint64_t h[2];

        /* Everything the BPF depends on: the evaluated rules already reflect
         * profile content, capabilities, architecture and kernel version. */
        strbuf_append_n(&b, CACHE_MAGIC, 8);
        put_u32(&b, SECCOMP_CACHE_FORMAT);
        put_u32(&b, v->major);
        put_u32(&b, v->minor);
        put_u32(&b, v->micro);
        put_u32(&b, s->default_action);
        put_u32(&b, s->flags);
        put_u32(&b, s->n_arches);
        for (size_t i = 0; i < s->n_arches; i++)
                put_u32(&b, s->arches[i]);
        put_u64(&b, s->n_rules);
        for (size_t i = 0; i < s->n_rules; i++) {
                const SeccompEvalRule *e = &s->rules[i];

                strbuf_append_n(&b, e->name, strlen(e->name) + 1);
                put_u32(&b, e->action);
                put_u32(&b, e->n_args);
                for (size_t a = 0; a < e->n_args; a++) {
                        put_u32(&b, e->args[a].index);
                        put_u32(&b, e->args[a].op);
                        put_u64(&b, e->args[a].value);
                        put_u64(&b, e->args[a].value_two);
                }
        }
        if (strbuf_failed(&b))
                return -ENOMEM;
        if (b.len > KEY_MATERIAL_MAX)
                return -E2BIG;
        hash128(b.s, b.len, h);
        ret->hash[0] = h[0];
        ret->hash[1] = h[1];
        hash128_hex(h, ret->hex);
        ret->len = b.len;
        ret->material = strbuf_steal(&b);
        return ret->material ? 0 : -ENOMEM;
}

void seccomp_cache_key_done(SeccompCacheKey *k)
{
        free(k->material);
        *k = (SeccompCacheKey){};
}

static void checksum(const struct sock_filter *f, size_t n, const SeccompCacheKey *key,
                     uint64_t out[static 2])
{
        /* The two parts lie apart in memory when storing: hash each, then
         * the pair, rather than copying them together. */
        uint64_t parts[4];

        hash128(f, n * sizeof(*f), parts);
        hash128(key->material, key->len, parts + 2);
        hash128(parts, sizeof(parts), out);
}

static int cache_path(const char *dir, const SeccompCacheKey *key, char **ret)
{
        return asprintf(ret, "%s/%s.bpf", dir, key->hex) < 0 ? -ENOMEM : 0;
}

static int read_exact(int fd, void *buf, size_t len)
{
        char *p = buf;

        while (len > 0) {
                ssize_t n = read(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return -EBADMSG;
                p += n;
                len -= n;
        }
        return 0;
}

int seccomp_cache_load(const char *dir, const SeccompCacheKey *key, struct sock_filter **ret,
                       size_t *ret_n)
{
        _cleanup_free_ char *path = NULL, *material = NULL;
        _cleanup_free_ struct sock_filter *f = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t sum[2];
        CacheHeader h;
        struct stat st;
        size_t size;
        int r;

        r = cache_path(dir, key, &path);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();

        /* Another user's file, or one others may write, could carry any
         * filter with a matching checksum: not ours to trust. */
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022))
                return -EBADMSG;
        if ((size_t)st.st_size < sizeof(h))
                return -EBADMSG;

        r = read_exact(fd, &h, sizeof(h));
        if (r < 0)
                return r;
        if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.format != SECCOMP_CACHE_FORMAT ||
            h.reserved != 0 || h.key_hash[0] != key->hash[0] || h.key_hash[1] != key->hash[1] ||
            h.key_len != key->len || h.n_insns == 0 || h.n_insns > BPF_MAXINSNS)
                return -EBADMSG;
        size = sizeof(h) + (size_t)h.n_insns * sizeof(struct sock_filter) + h.key_len;
        if ((size_t)st.st_size != size)
                return -EBADMSG;

        f = malloc(h.n_insns * sizeof(*f));
        material = malloc(h.key_len);
        if (!f || !material)
                return -ENOMEM;
        r = read_exact(fd, f, h.n_insns * sizeof(*f));
        if (r < 0)
                return r;
        r = read_exact(fd, material, h.key_len);
        if (r < 0)
                return r;
        /* The hash only named the file: the material must be ours exactly. */
        if (memcmp(material, key->material, key->len) != 0)
                return -EBADMSG;
        checksum(f, h.n_insns, key, sum);
        if (sum[0] != h.checksum[0] || sum[1] != h.checksum[1])
                return -EBADMSG;

        *ret_n = h.n_insns;
        *ret = TAKE_PTR(f);
        return 0;
}

int seccomp_cache_store(const char *dir, const SeccompCacheKey *key, const struct sock_filter *f,
                        size_t n)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        CacheHeader h = {.format = SECCOMP_CACHE_FORMAT, .n_insns = n, .key_len = key->len};
        size_t insns = n * sizeof(*f);
        int r;

        if (n == 0 || n > BPF_MAXINSNS)
                return -E2BIG;
        memcpy(h.magic, CACHE_MAGIC, 8);
        h.key_hash[0] = key->hash[0];
        h.key_hash[1] = key->hash[1];
        checksum(f, n, key, h.checksum);

        buf = malloc(sizeof(h) + insns + key->len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), f, insns);
        memcpy(buf + sizeof(h) + insns, key->material, key->len);

        /* only the last component is ours to lock down: /run/berth is shared */
        r = mkdir_parents(dir, 0755);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        r = cache_path(dir, key, &path);
        if (r < 0)
                return r;
        return write_file_atomic(path, buf, sizeof(h) + insns + key->len, 0600);
}
