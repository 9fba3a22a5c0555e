/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compiled filters on disk, so that a container start reads ~4 KiB instead of
 * running libseccomp. A file is trusted only if everything checks out: magic,
 * format, the key it was written for, its length and a checksum of the
 * instructions, and that it belongs to us and nobody else can write it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "seccomp-bpf.h"

#define CACHE_MAGIC "BERTHBPF"

typedef struct CacheHeader {
        char magic[8];
        uint32_t format;
        uint32_t n_insns;
        char key[64];      /* hex, without "sha256:" */
        char checksum[64]; /* sha256 of the instructions, hex */
} CacheHeader;

_Static_assert(sizeof(CacheHeader) % sizeof(struct sock_filter) == 0, "header alignment");

static void hash_u32(Sha256 *h, uint32_t v)
{
        sha256_update(h, &v, sizeof(v));
}

static void hash_u64(Sha256 *h, uint64_t v)
{
        sha256_update(h, &v, sizeof(v));
}

int seccomp_cache_key(const SeccompRuleSet *s, char key[static DIGEST_STRING_MAX])
{
        _cleanup_(sha256_freep) Sha256 *h = NULL;
        const struct scmp_version *v = seccomp_version();
        int r;

        r = sha256_new(&h);
        if (r < 0)
                return r;

        /* Everything the BPF depends on: the evaluated rules already reflect
         * profile content, capabilities, architecture and kernel version. */
        sha256_update(h, CACHE_MAGIC, 8);
        hash_u32(h, SECCOMP_CACHE_FORMAT);
        hash_u32(h, v->major);
        hash_u32(h, v->minor);
        hash_u32(h, v->micro);
        hash_u32(h, s->default_action);
        hash_u32(h, s->flags);
        hash_u32(h, s->n_arches);
        for (size_t i = 0; i < s->n_arches; i++)
                hash_u32(h, s->arches[i]);
        hash_u64(h, s->n_rules);
        for (size_t i = 0; i < s->n_rules; i++) {
                const SeccompEvalRule *e = &s->rules[i];

                sha256_update(h, e->name, strlen(e->name) + 1);
                hash_u32(h, e->action);
                hash_u32(h, e->n_args);
                for (size_t a = 0; a < e->n_args; a++) {
                        hash_u32(h, e->args[a].index);
                        hash_u32(h, e->args[a].op);
                        hash_u64(h, e->args[a].value);
                        hash_u64(h, e->args[a].value_two);
                }
        }
        sha256_final(h, key);
        memmove(key, key + 7, 65); /* drop "sha256:" */
        return 0;
}

static int checksum(const struct sock_filter *f, size_t n, char out[static 64])
{
        char d[DIGEST_STRING_MAX];
        int r = sha256_buffer(f, n * sizeof(*f), d);

        if (r < 0)
                return r;
        memcpy(out, d + 7, 64);
        return 0;
}

static int cache_path(const char *dir, const char *key, char **ret)
{
        return asprintf(ret, "%s/%s.bpf", dir, key) < 0 ? -ENOMEM : 0;
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

int seccomp_cache_load(const char *dir, const char *key, struct sock_filter **ret, size_t *ret_n)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ struct sock_filter *f = NULL;
        _cleanup_close_ int fd = -EBADF;
        char sum[64];
        CacheHeader h;
        struct stat st;
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
        if ((size_t)st.st_size < sizeof(h) ||
            (st.st_size - sizeof(h)) % sizeof(struct sock_filter) != 0 ||
            (st.st_size - sizeof(h)) / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EBADMSG;

        r = read_exact(fd, &h, sizeof(h));
        if (r < 0)
                return r;
        if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.format != SECCOMP_CACHE_FORMAT ||
            memcmp(h.key, key, 64) != 0 || h.n_insns == 0 ||
            (size_t)st.st_size != sizeof(h) + (size_t)h.n_insns * sizeof(struct sock_filter))
                return -EBADMSG;

        f = malloc(h.n_insns * sizeof(*f));
        if (!f)
                return -ENOMEM;
        r = read_exact(fd, f, h.n_insns * sizeof(*f));
        if (r < 0)
                return r;
        r = checksum(f, h.n_insns, sum);
        if (r < 0)
                return r;
        if (memcmp(sum, h.checksum, 64) != 0)
                return -EBADMSG;

        *ret_n = h.n_insns;
        *ret = TAKE_PTR(f);
        return 0;
}

int seccomp_cache_store(const char *dir, const char *key, const struct sock_filter *f, size_t n)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        CacheHeader h = {.format = SECCOMP_CACHE_FORMAT, .n_insns = n};
        int r;

        if (n == 0 || n > BPF_MAXINSNS)
                return -E2BIG;
        memcpy(h.magic, CACHE_MAGIC, 8);
        memcpy(h.key, key, 64);
        r = checksum(f, n, h.checksum);
        if (r < 0)
                return r;

        buf = malloc(sizeof(h) + n * sizeof(*f));
        if (!buf)
                return -ENOMEM;
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), f, n * sizeof(*f));

        /* only the last component is ours to lock down: /run/berth is shared */
        r = mkdir_parents(dir, 0755);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        r = cache_path(dir, key, &path);
        if (r < 0)
                return r;
        return write_file_atomic(path, buf, sizeof(h) + n * sizeof(*f), 0600);
}
