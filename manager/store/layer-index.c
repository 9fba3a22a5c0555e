/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "layer-index.h"
#include "macro.h"
#include "strbuf.h"

/* ---- content digests by inode ---- */

typedef struct FileHash {
        uint64_t ino; /* 0: free (no file has inode 0) */
        uint8_t md[32];
} FileHash;

struct FileHashes {
        FileHash *slots;
        size_t cap, n; /* cap: a power of two */
};

int file_hashes_new(FileHashes **ret)
{
        FileHashes *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->cap = 256;
        h->slots = calloc(h->cap, sizeof(FileHash));
        if (!h->slots) {
                free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

void file_hashes_free(FileHashes *h)
{
        if (!h)
                return;
        free(h->slots);
        free(h);
}

static FileHash *slot_of(FileHash *slots, size_t cap, uint64_t ino)
{
        size_t i = (ino * UINT64_C(0x9E3779B97F4A7C15)) >> 32;

        for (;; i++) {
                FileHash *s = &slots[i & (cap - 1)];
                if (s->ino == 0 || s->ino == ino)
                        return s;
        }
}

static const uint8_t *file_hashes_get(FileHashes *h, ino_t ino)
{
        FileHash *s = ino ? slot_of(h->slots, h->cap, ino) : NULL;

        return s && s->ino ? s->md : NULL;
}

static int unhex(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int file_hashes_put(FileHashes *h, ino_t ino, const char *digest)
{
        FileHash *s;

        if (!digest_is_valid(digest) || ino == 0)
                return -EINVAL;
        /* at most 3/4 full */
        if (4 * (h->n + 1) > 3 * h->cap) {
                size_t cap = h->cap * 2;
                FileHash *slots = calloc(cap, sizeof(FileHash));

                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < h->cap; i++)
                        if (h->slots[i].ino)
                                *slot_of(slots, cap, h->slots[i].ino) = h->slots[i];
                free(h->slots);
                h->slots = slots;
                h->cap = cap;
        }
        s = slot_of(h->slots, h->cap, ino);
        if (!s->ino)
                h->n++;
        s->ino = ino;
        for (size_t i = 0; i < 32; i++)
                s->md[i] = unhex(digest[7 + 2 * i]) << 4 | unhex(digest[8 + 2 * i]);
        return 0;
}

/* ---- building ---- */

#define FLUSH_SIZE (64 * 1024)

/* The index comes out in walk order: every directory's names sorted by
 * their escaped form, each directory followed by what is below it. That is
 * the order of path_cmp(), so no entry needs to be kept for sorting. */
typedef struct Walk {
        FileHashes *hashes;
        StrBuf out;
        int fd;       /* flush out into it, when >= 0 */
        Sha256 *hash; /* of what went to fd */
        StrBuf path;  /* escaped path of the directory being read, "" at the root */
        LayerIndexStats stats;
        char *xbuf; /* xattr names */
        size_t xcap;
} Walk;

/* Paths and xattr names may hold any byte but NUL: escape what would break
 * the line format, so the text is one entry per line, fields split by
 * spaces. */
static void escape(StrBuf *b, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];
                if (c <= ' ' || c >= 0x7f || c == '%' || c == ',' || c == '=') {
                        strbuf_putc(b, '%');
                        strbuf_putc(b, hex[c >> 4]);
                        strbuf_putc(b, hex[c & 15]);
                } else
                        strbuf_putc(b, c);
        }
}

static void put_hex(StrBuf *b, const unsigned char *v, size_t len)
{
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < len; i++) {
                strbuf_putc(b, hex[v[i] >> 4]);
                strbuf_putc(b, hex[v[i] & 15]);
        }
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_xattrs(Walk *w, StrBuf *line, const char *p)
{
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        ssize_t len;

        /* size 0 would ask for the length instead of the list */
        if (!w->xbuf) {
                w->xbuf = malloc(4096);
                if (!w->xbuf)
                        return -ENOMEM;
                w->xcap = 4096;
        }
        for (;;) {
                len = llistxattr(p, w->xbuf, w->xcap);
                if (len >= 0)
                        break;
                if (errno == ENOTSUP) {
                        len = 0;
                        break;
                }
                if (errno != ERANGE)
                        return negative_errno();
                len = llistxattr(p, NULL, 0);
                if (len < 0)
                        return negative_errno();
                free(w->xbuf);
                w->xcap = len + 256;
                w->xbuf = malloc(w->xcap);
                if (!w->xbuf) {
                        w->xcap = 0;
                        return -ENOMEM;
                }
        }
        if (len == 0) {
                strbuf_append(line, " -");
                return 0;
        }
        for (ssize_t i = 0; i < len; i += strlen(w->xbuf + i) + 1)
                n++;
        names = calloc(n, sizeof(char *));
        if (!names)
                return -ENOMEM;
        n = 0;
        for (ssize_t i = 0; i < len; i += strlen(w->xbuf + i) + 1)
                names[n++] = w->xbuf + i;
        qsort(names, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ unsigned char *v = NULL;
                ssize_t vlen = lgetxattr(p, names[i], NULL, 0);

                if (vlen < 0)
                        return negative_errno();
                v = malloc(vlen + 1);
                if (!v)
                        return -ENOMEM;
                vlen = lgetxattr(p, names[i], v, vlen);
                if (vlen < 0)
                        return errno == ERANGE ? -EAGAIN : negative_errno();
                strbuf_putc(line, i == 0 ? ' ' : ',');
                escape(line, names[i], strlen(names[i]));
                strbuf_putc(line, '=');
                put_hex(line, v, vlen);
        }
        return 0;
}

static int file_digest(Walk *w, int dfd, const char *name, ino_t ino, const uint8_t **ret)
{
        _cleanup_close_ int fd = -EBADF;
        char digest[DIGEST_STRING_MAX];
        int r;

        *ret = file_hashes_get(w->hashes, ino);
        if (*ret)
                return 0;
        /* O_NOATIME: checking a layer should leave it as it was */
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
        if (fd < 0 && errno == EPERM)
                fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = sha256_fd(fd, digest);
        if (r < 0)
                return r;
        r = file_hashes_put(w->hashes, ino, digest);
        if (r < 0)
                return r;
        *ret = file_hashes_get(w->hashes, ino);
        return 0;
}

static int flush(Walk *w)
{
        const char *p = w->out.s;
        size_t left = w->out.len;

        if (w->fd < 0 || left == 0)
                return 0;
        if (strbuf_failed(&w->out))
                return -ENOMEM;
        sha256_update(w->hash, p, left);
        while (left > 0) {
                ssize_t n = write(w->fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                left -= n;
        }
        strbuf_truncate(&w->out, 0);
        return 0;
}

static char type_char(mode_t m)
{
        switch (m & S_IFMT) {
        case S_IFREG:
                return 'f';
        case S_IFDIR:
                return 'd';
        case S_IFLNK:
                return 'l';
        case S_IFCHR:
                return 'c';
        case S_IFBLK:
                return 'b';
        case S_IFIFO:
                return 'p';
        case S_IFSOCK:
                return 's';
        default:
                return '?';
        }
}

/* One line for dfd/name (name NULL: the directory dfd itself, ".") */
static int add_entry(Walk *w, int dfd, const char *name, const struct stat *st)
{
        StrBuf *line = &w->out;
        char p[64 + NAME_MAX];
        int r;

        if (name) {
                strbuf_append_n(line, w->path.s ?: "", w->path.len);
                escape(line, name, strlen(name));
                snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name);
        } else {
                strbuf_append(line, ".");
                snprintf(p, sizeof(p), "/proc/self/fd/%d", dfd);
        }
        strbuf_printf(line, " %c %04o %u %u %" PRIu64 " ", type_char(st->st_mode),
                      (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid,
                      S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0);
        if (S_ISREG(st->st_mode)) {
                const uint8_t *md;

                r = file_digest(w, dfd, name, st->st_ino, &md);
                if (r < 0)
                        return r;
                put_hex(line, md, 32);
        } else if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof(target));

                if (n < 0)
                        return negative_errno();
                if (n == 0 || (size_t)n >= sizeof(target))
                        return -ENAMETOOLONG;
                escape(line, target, n);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
                strbuf_printf(line, "%u,%u", major(st->st_rdev), minor(st->st_rdev));
        else
                strbuf_putc(line, '-');
        r = add_xattrs(w, line, p);
        if (r < 0)
                return r;
        strbuf_putc(line, '\n');
        if (strbuf_failed(line))
                return -ENOMEM;
        if (name) {
                w->stats.entries++;
                if (S_ISREG(st->st_mode))
                        w->stats.bytes += st->st_size;
        }
        return line->len >= FLUSH_SIZE ? flush(w) : 0;
}

typedef struct DirNames {
        StrBuf names;   /* escaped name, NUL, raw name, NUL; for each */
        size_t *starts; /* of each escaped name in names */
        size_t n, cap;
} DirNames;

static void dir_names_done(DirNames *d)
{
        strbuf_done(&d->names);
        free(d->starts);
}

static int cmp_name(const void *a, const void *b, void *base)
{
        return strcmp((const char *)base + *(const size_t *)a,
                      (const char *)base + *(const size_t *)b);
}

static int read_names(DIR *d, DirNames *ret)
{
        struct dirent *de;

        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (ret->n == ret->cap) {
                        size_t cap = ret->cap ? ret->cap * 2 : 64;
                        size_t *l = realloc(ret->starts, cap * sizeof(size_t));
                        if (!l)
                                return -ENOMEM;
                        ret->starts = l;
                        ret->cap = cap;
                }
                ret->starts[ret->n++] = ret->names.len;
                escape(&ret->names, de->d_name, strlen(de->d_name));
                strbuf_putc(&ret->names, 0);
                strbuf_append_n(&ret->names, de->d_name, strlen(de->d_name) + 1);
        }
        if (strbuf_failed(&ret->names))
                return -ENOMEM;
        if (ret->n > 1)
                qsort_r(ret->starts, ret->n, sizeof(size_t), cmp_name, ret->names.s);
        return 0;
}

static int walk_dir(Walk *w, int dfd, unsigned depth)
{
        _cleanup_(dir_names_done) DirNames names = {};
        _cleanup_closedir_ DIR *d = NULL;
        int r;

        if (depth > 4096) /* PATH_MAX bounds real trees long before this */
                return -ELOOP;
        d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        r = read_names(d, &names);
        if (r < 0)
                return r;
        for (size_t i = 0; i < names.n; i++) {
                const char *escaped = names.names.s + names.starts[i];
                const char *name = escaped + strlen(escaped) + 1;
                struct stat st;

                if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                r = add_entry(w, dirfd(d), name, &st);
                if (r < 0)
                        return r;
                if (S_ISDIR(st.st_mode)) {
                        size_t saved = w->path.len;
                        int cfd =
                            openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0)
                                return negative_errno();
                        strbuf_append(&w->path, escaped);
                        strbuf_putc(&w->path, '/');
                        r = walk_dir(w, cfd, depth + 1);
                        strbuf_truncate(&w->path, saved);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int walk(Walk *w, int dirfd)
{
        struct stat st;
        int fd, r;

        if (fstat(dirfd, &st) < 0)
                return negative_errno();
        r = add_entry(w, dirfd, NULL, &st);
        if (r < 0)
                return r;
        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = walk_dir(w, fd, 0);
        if (r < 0)
                return r;
        if (strbuf_failed(&w->path) || strbuf_failed(&w->out))
                return -ENOMEM;
        return flush(w);
}

static void walk_done(Walk *w)
{
        strbuf_done(&w->out);
        strbuf_done(&w->path);
        free(w->xbuf);
}

int layer_index_build(int dirfd, char **ret, size_t *ret_len)
{
        _cleanup_(file_hashes_freep) FileHashes *hashes = NULL;
        _cleanup_(walk_done) Walk w = {.fd = -EBADF};
        int r;

        r = file_hashes_new(&hashes);
        if (r < 0)
                return r;
        w.hashes = hashes;
        r = walk(&w, dirfd);
        if (r < 0)
                return r;
        *ret_len = w.out.len;
        *ret = strbuf_steal(&w.out);
        return *ret ? 0 : -ENOMEM;
}

int layer_index_write(int dirfd, FileHashes *known, int fd, char ret_digest[DIGEST_STRING_MAX],
                      LayerIndexStats *ret_stats)
{
        _cleanup_(sha256_freep) Sha256 *hash = NULL;
        _cleanup_(walk_done) Walk w = {.fd = fd, .hashes = known};
        int r;

        r = sha256_new(&hash);
        if (r < 0)
                return r;
        w.hash = hash;
        r = walk(&w, dirfd);
        if (r < 0)
                return r;
        sha256_final(hash, ret_digest);
        *ret_stats = w.stats;
        return 0;
}

/* ---- comparing ---- */

static const char *field_names[] = {"type", "mode", "owner", "group", "size", "content", "xattrs"};

static size_t field_len(const char *s)
{
        return strcspn(s, " \n");
}

/* Which field of two lines of the same path differs first. */
static const char *differing_field(const char *a, const char *b)
{
        a += field_len(a);
        b += field_len(b);
        for (size_t i = 0; i < ELEMENTSOF(field_names); i++) {
                size_t la, lb;

                if (*a == ' ')
                        a++;
                if (*b == ' ')
                        b++;
                la = field_len(a);
                lb = field_len(b);
                if (la != lb || memcmp(a, b, la) != 0)
                        return field_names[i];
                a += la;
                b += lb;
        }
        return "entry";
}

/* Walk order: the root "." first, then paths compared as strings in which
 * '/' sorts before every other character. */
static int path_cmp(const char *a, size_t la, const char *b, size_t lb)
{
        bool ra = la == 1 && a[0] == '.', rb = lb == 1 && b[0] == '.';

        if (ra || rb)
                return rb - ra;
        for (size_t i = 0; i < la && i < lb; i++) {
                unsigned char ca = a[i] == '/' ? 1 : a[i], cb = b[i] == '/' ? 1 : b[i];
                if (ca != cb)
                        return ca < cb ? -1 : 1;
        }
        return la < lb ? -1 : la > lb ? 1 : 0;
}

int layer_index_compare(const char *recorded, const char *actual, char **ret_diff)
{
        const char *a = recorded, *b = actual;

        while (*a || *b) {
                size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
                size_t pa = field_len(a), pb = field_len(b);
                int c;

                if (!*a)
                        c = 1;
                else if (!*b)
                        c = -1;
                else
                        c = path_cmp(a, pa, b, pb);
                if (c < 0)
                        return asprintf(ret_diff, "%.*s: missing", (int)pa, a) < 0 ? -ENOMEM : 1;
                if (c > 0)
                        return asprintf(ret_diff, "%.*s: not in the index (added)", (int)pb, b) < 0
                                   ? -ENOMEM
                                   : 1;
                if (la != lb || memcmp(a, b, la) != 0) {
                        const char *f = differing_field(a, b);
                        return asprintf(ret_diff, "%.*s: %s differs", (int)pa, a, f) < 0 ? -ENOMEM
                                                                                         : 1;
                }
                a += la + (a[la] == '\n');
                b += lb + (b[lb] == '\n');
        }
        return 0;
}
