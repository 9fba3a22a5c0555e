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
        ino_t ino;
        bool used;
        char hex[65];
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

static FileHash *slot_of(FileHash *slots, size_t cap, ino_t ino)
{
        size_t i = ((uint64_t)ino * UINT64_C(0x9E3779B97F4A7C15)) >> 20;

        for (;; i++) {
                FileHash *s = &slots[i & (cap - 1)];
                if (!s->used || s->ino == ino)
                        return s;
        }
}

static const char *file_hashes_get(FileHashes *h, ino_t ino)
{
        FileHash *s = slot_of(h->slots, h->cap, ino);

        return s->used ? s->hex : NULL;
}

int file_hashes_put(FileHashes *h, ino_t ino, const char *digest)
{
        FileHash *s;

        if (!digest_is_valid(digest))
                return -EINVAL;
        if (2 * (h->n + 1) > h->cap) {
                size_t cap = h->cap * 2;
                FileHash *slots = calloc(cap, sizeof(FileHash));

                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < h->cap; i++)
                        if (h->slots[i].used)
                                *slot_of(slots, cap, h->slots[i].ino) = h->slots[i];
                free(h->slots);
                h->slots = slots;
                h->cap = cap;
        }
        s = slot_of(h->slots, h->cap, ino);
        if (!s->used)
                h->n++;
        s->used = true;
        s->ino = ino;
        memcpy(s->hex, digest + 7, 65);
        return 0;
}

/* ---- building ---- */

typedef struct Walk {
        FileHashes *hashes;
        char **lines;
        size_t n_lines, cap_lines;
        StrBuf path; /* escaped path of the directory being read, "" at the root */
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

static int file_digest(Walk *w, int dfd, const char *name, ino_t ino, const char **ret)
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
        _cleanup_strbuf_ StrBuf line = STRBUF_INIT;
        char p[64 + NAME_MAX];
        int r;

        if (name) {
                strbuf_append_n(&line, w->path.s ?: "", w->path.len);
                escape(&line, name, strlen(name));
                snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name);
        } else {
                strbuf_append(&line, ".");
                snprintf(p, sizeof(p), "/proc/self/fd/%d", dfd);
        }
        strbuf_printf(&line, " %c %04o %u %u %" PRIu64 " ", type_char(st->st_mode),
                      (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid,
                      S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0);
        if (S_ISREG(st->st_mode)) {
                const char *hex;

                r = file_digest(w, dfd, name, st->st_ino, &hex);
                if (r < 0)
                        return r;
                strbuf_append(&line, hex);
        } else if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof(target));

                if (n < 0)
                        return negative_errno();
                if (n == 0 || (size_t)n >= sizeof(target))
                        return -ENAMETOOLONG;
                escape(&line, target, n);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
                strbuf_printf(&line, "%u,%u", major(st->st_rdev), minor(st->st_rdev));
        else
                strbuf_putc(&line, '-');
        r = add_xattrs(w, &line, p);
        if (r < 0)
                return r;
        if (strbuf_failed(&line))
                return -ENOMEM;
        if (w->n_lines == w->cap_lines) {
                size_t cap = w->cap_lines ? w->cap_lines * 2 : 1024;
                char **l = realloc(w->lines, cap * sizeof(char *));
                if (!l)
                        return -ENOMEM;
                w->lines = l;
                w->cap_lines = cap;
        }
        w->lines[w->n_lines++] = strbuf_steal(&line);
        if (name) {
                w->stats.entries++;
                if (S_ISREG(st->st_mode))
                        w->stats.bytes += st->st_size;
        }
        return 0;
}

static int walk_dir(Walk *w, int dfd, unsigned depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        if (depth > 4096) /* PATH_MAX bounds real trees long before this */
                return -ELOOP;
        d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                r = add_entry(w, dirfd(d), de->d_name, &st);
                if (r < 0)
                        return r;
                if (S_ISDIR(st.st_mode)) {
                        size_t saved = w->path.len;
                        int cfd = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0)
                                return negative_errno();
                        escape(&w->path, de->d_name, strlen(de->d_name));
                        strbuf_putc(&w->path, '/');
                        r = walk_dir(w, cfd, depth + 1);
                        strbuf_truncate(&w->path, saved);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int layer_index_build(int dirfd, FileHashes *known, char **ret, size_t *ret_len,
                      LayerIndexStats *ret_stats)
{
        _cleanup_(file_hashes_freep) FileHashes *own = NULL;
        _cleanup_strbuf_ StrBuf out = STRBUF_INIT;
        Walk w = {.hashes = known};
        struct stat st;
        int fd, r;

        if (!known) {
                r = file_hashes_new(&own);
                if (r < 0)
                        return r;
                w.hashes = own;
        }
        if (fstat(dirfd, &st) < 0)
                return negative_errno();
        r = add_entry(&w, dirfd, NULL, &st);
        if (r >= 0) {
                fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = fd < 0 ? negative_errno() : walk_dir(&w, fd, 0);
        }
        if (r >= 0)
                qsort(w.lines, w.n_lines, sizeof(char *), cmp_str);
        for (size_t i = 0; i < w.n_lines; i++) {
                if (r >= 0) {
                        strbuf_append(&out, w.lines[i]);
                        strbuf_putc(&out, '\n');
                }
                free(w.lines[i]);
        }
        free(w.lines);
        free(w.xbuf);
        strbuf_done(&w.path);
        if (r < 0)
                return r;
        if (strbuf_failed(&out) || strbuf_failed(&w.path))
                return -ENOMEM;
        if (ret_stats)
                *ret_stats = w.stats;
        *ret_len = out.len;
        *ret = strbuf_steal(&out);
        return *ret ? 0 : -ENOMEM;
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
                else {
                        c = memcmp(a, b, pa < pb ? pa : pb);
                        if (c == 0)
                                c = pa < pb ? -1 : pa > pb ? 1 : 0;
                }
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
