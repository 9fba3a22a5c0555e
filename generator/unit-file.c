/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "strv.h"
#include "unit-file.h"

/* As systemd strips lines and values: a stray CR is blank too. */
#define WHITESPACE      " \t\r"
#define ARENA_BLOCK_MIN 1024U

/* Lookups run thousands of times per boot: most keys differ in their
 * first byte, so look at it before calling strcmp(). */
static inline bool key_eq(const char *a, const char *b)
{
        return a[0] == b[0] && streq(a, b);
}

UnitFile *unit_file_new(void)
{
        return calloc(1, sizeof(UnitFile));
}

static void entry_done(UnitEntry *e)
{
        /* Its strings belong to the arena. */
        *e = (UnitEntry){0};
}

/* Makes room for at least n more bytes in the arena. Blocks start small and
 * double: a declaration holds a kilobyte or two, and a thousand of them with
 * oversized blocks would cost a page fault each for memory never used. */
static bool arena_reserve(UnitFile *u, size_t n, bool exact)
{
        size_t size;
        char **nb;

        if (n <= u->free_left)
                return true;
        size = ARENA_BLOCK_MIN << (u->n_blocks < 5 ? u->n_blocks : 5);
        if (exact || size < n)
                size = n;
        nb = reallocarray(u->blocks, u->n_blocks + 1, sizeof(char *));
        if (!nb)
                return false;
        u->blocks = nb;
        u->free_ptr = malloc(size);
        if (!u->free_ptr) {
                u->free_left = 0;
                return false;
        }
        u->blocks[u->n_blocks++] = u->free_ptr;
        u->free_left = size;
        return true;
}

static const char *arena_strdup(UnitFile *u, const char *str)
{
        size_t n = strlen(str) + 1;
        char *p;

        if (!arena_reserve(u, n, false))
                return NULL;
        p = u->free_ptr;
        memcpy(p, str, n);
        u->free_ptr += n;
        u->free_left -= n;
        return p;
}

int unit_entry_set_value(UnitFile *u, UnitEntry *e, const char *value)
{
        const char *v = arena_strdup(u, value);

        if (!v)
                return -ENOMEM;
        e->value = v;
        return 0;
}

void unit_file_free(UnitFile *u)
{
        if (!u)
                return;
        for (size_t i = 0; i < u->n_sections; i++) {
                UnitSection *s = &u->sections[i];
                for (size_t j = 0; j < s->n_entries; j++)
                        entry_done(&s->entries[j]);
                free(s->entries);
                free(s->name);
        }
        free(u->sections);
        strv_free(u->files);
        for (size_t i = 0; i < u->n_blocks; i++)
                free(u->blocks[i]);
        free(u->blocks);
        free(u);
}

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
        size_t c;
        void *np;

        if (n < *cap)
                return true;
        /* Sections hold a handful of keys: start small, a thousand units
         * are held at once. */
        c = *cap ? *cap * 2 : 4;
        np = reallocarray(*p, c, size);
        if (!np)
                return false;
        *p = np;
        *cap = c;
        return true;
}

UnitSection *unit_file_find_section(const UnitFile *u, const char *name)
{
        /* The last section of that name: drop-ins append, so a section may
         * appear more than once only transiently; lookups walk all of them. */
        for (size_t i = 0; i < u->n_sections; i++)
                if (streq(u->sections[i].name, name))
                        return &u->sections[i];
        return NULL;
}

UnitSection *unit_file_ensure_section(UnitFile *u, const char *name)
{
        UnitSection *s = unit_file_find_section(u, name);

        if (s)
                return s;
        if (!grow((void **)&u->sections, &u->cap_sections, u->n_sections, sizeof(UnitSection)))
                return NULL;
        s = &u->sections[u->n_sections];
        *s = (UnitSection){.name = strdup(name)};
        if (!s->name)
                return NULL;
        u->n_sections++;
        return s;
}

int unit_file_rename_section(UnitFile *u, const char *from, const char *to)
{
        UnitSection *s = unit_file_find_section(u, from);
        char *n;

        if (!s)
                return 0;
        n = strdup(to);
        if (!n)
                return -ENOMEM;
        free(s->name);
        s->name = n;
        return 0;
}

int unit_section_add(UnitFile *u, UnitSection *s, const char *key, const char *value,
                     const char *file, unsigned line)
{
        UnitEntry *e;

        if (!grow((void **)&s->entries, &s->cap_entries, s->n_entries, sizeof(UnitEntry)))
                return -ENOMEM;
        e = &s->entries[s->n_entries];
        *e = (UnitEntry){.key = arena_strdup(u, key), .file = file, .line = line};
        e->value = e->key ? arena_strdup(u, value) : NULL;
        if (!e->key || !e->value)
                return -ENOMEM;
        s->n_entries++;
        return 0;
}

int unit_file_add(UnitFile *u, const char *section, const char *key, const char *value)
{
        UnitSection *s = unit_file_ensure_section(u, section);

        if (!s)
                return -ENOMEM;
        return unit_section_add(u, s, key, value, NULL, 0);
}

int unit_file_prepend(UnitFile *u, const char *section, const char *key, const char *value)
{
        UnitSection *s = unit_file_ensure_section(u, section);
        UnitEntry e;
        int r;

        if (!s)
                return -ENOMEM;
        r = unit_section_add(u, s, key, value, NULL, 0);
        if (r < 0)
                return r;
        e = s->entries[s->n_entries - 1];
        memmove(s->entries + 1, s->entries, (s->n_entries - 1) * sizeof(UnitEntry));
        s->entries[0] = e;
        return 0;
}

void unit_file_unset(UnitFile *u, const char *section, const char *key)
{
        UnitSection *s = unit_file_find_section(u, section);
        size_t j = 0;

        if (!s)
                return;
        for (size_t i = 0; i < s->n_entries; i++) {
                if (streq(s->entries[i].key, key))
                        entry_done(&s->entries[i]);
                else
                        s->entries[j++] = s->entries[i];
        }
        s->n_entries = j;
}

int unit_file_set(UnitFile *u, const char *section, const char *key, const char *value)
{
        UnitSection *s = unit_file_ensure_section(u, section);

        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].key, key)) {
                        if (unit_entry_set_value(u, &s->entries[i], value) < 0)
                                return -ENOMEM;
                        /* Later duplicates would override it: drop them. */
                        for (size_t k = s->n_entries; k-- > i + 1;)
                                if (streq(s->entries[k].key, key)) {
                                        entry_done(&s->entries[k]);
                                        memmove(s->entries + k, s->entries + k + 1,
                                                (s->n_entries - k - 1) * sizeof(UnitEntry));
                                        s->n_entries--;
                                }
                        return 0;
                }
        return unit_section_add(u, s, key, value, NULL, 0);
}

bool unit_file_has_key(const UnitFile *u, const char *section, const char *key)
{
        return unit_file_last(u, section, key) != NULL;
}

const UnitEntry *unit_file_last(const UnitFile *u, const char *section, const char *key)
{
        const UnitSection *s = unit_file_find_section(u, section);

        if (!s)
                return NULL;
        for (size_t i = s->n_entries; i-- > 0;)
                if (key_eq(s->entries[i].key, key))
                        return &s->entries[i];
        return NULL;
}

const char *unit_file_lookup(const UnitFile *u, const char *section, const char *key)
{
        const UnitEntry *e = unit_file_last(u, section, key);

        return e ? e->value : NULL;
}

int unit_file_lookup_all(const UnitFile *u, const char *section, const char *key,
                         const UnitEntry ***ret, size_t *ret_n)
{
        const UnitSection *s = unit_file_find_section(u, section);
        const UnitEntry **l = NULL;
        size_t n = 0, cap = 0;

        if (s)
                for (size_t i = 0; i < s->n_entries; i++) {
                        if (!key_eq(s->entries[i].key, key))
                                continue;
                        if (isempty(s->entries[i].value)) {
                                n = 0;
                                continue;
                        }
                        if (!grow((void **)&l, &cap, n, sizeof(*l))) {
                                free(l);
                                return -ENOMEM;
                        }
                        l[n++] = &s->entries[i];
                }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* Is the whole text valid UTF-8, without overlong forms or surrogates? */
static bool utf8_valid(const unsigned char *s, size_t len, size_t *bad)
{
        size_t i = 0;

        while (i < len) {
                unsigned char c = s[i];
                size_t n;
                uint32_t v;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1, v = c & 0x1f;
                else if (c >= 0xe0 && c <= 0xef)
                        n = 2, v = c & 0x0f;
                else if (c >= 0xf0 && c <= 0xf4)
                        n = 3, v = c & 0x07;
                else
                        goto fail;
                if (len - i <= n)
                        goto fail;
                for (size_t k = 1; k <= n; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                goto fail;
                        v = (v << 6) | (s[i + k] & 0x3f);
                }
                if ((n == 2 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
                    (n == 3 && (v < 0x10000 || v > 0x10ffff)))
                        goto fail;
                i += n + 1;
        }
        return true;
fail:
        *bad = i;
        return false;
}

static unsigned line_of(const char *text, size_t off)
{
        unsigned line = 1;

        for (size_t i = 0; i < off; i++)
                if (text[i] == '\n')
                        line++;
        return line;
}

static char *strip(char *s)
{
        char *e;

        s += strspn(s, WHITESPACE);
        e = s + strlen(s);
        while (e > s && strchr(WHITESPACE, e[-1]))
                e--;
        *e = 0;
        return s;
}

/* A key is what systemd accepts as an lvalue: letters, digits and a few
 * punctuation marks. Anything else is a typo or an attack, not a key. */
static bool key_valid(const char *k)
{
        if (!*k)
                return false;
        for (; *k; k++)
                if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
                      (*k >= '0' && *k <= '9') || strchr("-_.", *k)))
                        return false;
        return true;
}

static bool section_name_valid(const char *n)
{
        if (!*n)
                return false;
        for (; *n; n++)
                if ((unsigned char)*n < ' ' || *n == '[' || *n == ']' || *n == 0x7f)
                        return false;
        return true;
}

typedef struct ParseState {
        UnitFile *u;
        const char *path; /* owned by u->files */
        UnitSection *section;
        bool warned_outside;
} ParseState;

static int parse_logical_line(ParseState *st, char *l, unsigned line)
{
        char *eq, *key, *value;

        l = strip(l);
        if (!*l || *l == '#' || *l == ';')
                return 0;

        if (*l == '[') {
                size_t k = strlen(l);
                _cleanup_free_ char *name = NULL;

                if (l[k - 1] != ']') {
                        log_error("%s:%u: invalid section header '%.64s'", st->path, line, l);
                        return -EBADMSG;
                }
                name = strndup(l + 1, k - 2);
                if (!name)
                        return log_oom();
                if (!section_name_valid(name)) {
                        log_error("%s:%u: invalid section name '%.64s'", st->path, line, name);
                        return -EBADMSG;
                }
                st->section = unit_file_ensure_section(st->u, name);
                if (!st->section)
                        return log_oom();
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq) {
                log_error("%s:%u: missing '=' in '%.64s'", st->path, line, l);
                return -EBADMSG;
        }
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!key_valid(key)) {
                log_error("%s:%u: invalid key '%.64s'", st->path, line, key);
                return -EBADMSG;
        }
        if (!st->section) {
                if (!st->warned_outside)
                        log_warning("%s:%u: assignment outside of a section, ignoring", st->path,
                                    line);
                st->warned_outside = true;
                return 0;
        }
        if (++st->u->n_parsed > UNIT_ASSIGNMENTS_MAX) {
                log_error("%s:%u: more than %u assignments", st->path, line, UNIT_ASSIGNMENTS_MAX);
                return -EBADMSG;
        }
        if (unit_section_add(st->u, st->section, key, value, st->path, line) < 0)
                return log_oom();
        return 0;
}

/* Does the line end in a backslash that is not itself escaped? Whitespace
 * after that backslash is ignored, as Quadlet does (systemd would not
 * continue), so that an invisible trailing blank does not change a file's
 * meaning. Returns the backslash's offset or -1. */
static ssize_t continuation_at(const char *l, size_t len)
{
        size_t e = len, n = 0;

        while (e > 0 && strchr(WHITESPACE, l[e - 1]))
                e--;
        while (n < e && l[e - 1 - n] == '\\')
                n++;
        return n % 2 == 1 ? (ssize_t)(e - 1) : -1;
}

int unit_file_parse(UnitFile *u, const char *path, const char *text, size_t len)
{
        _cleanup_strbuf_ StrBuf logical = STRBUF_INIT;
        ParseState st = {.u = u};
        unsigned line = 0, start_line = 0;
        bool continuing = false;
        size_t bad, pos = 0;
        int r;

        r = strv_extend(&u->files, path);
        if (r < 0)
                return log_oom();
        st.path = u->files[strv_length(u->files) - 1];

        if (memchr(text, 0, len)) {
                log_error("%s:%u: NUL byte in unit file", path,
                          line_of(text, (const char *)memchr(text, 0, len) - text));
                return -EBADMSG;
        }
        if (!utf8_valid((const unsigned char *)text, len, &bad)) {
                log_error("%s:%u: invalid UTF-8", path, line_of(text, bad));
                return -EBADMSG;
        }
        /* Keys and values never take more than the text itself (plus its
         * final NUL): one block of that size holds the whole file. */
        if (!arena_reserve(u, len + 1, true))
                return log_oom();

        while (pos < len || continuing) {
                const char *l = text + pos, *nl;
                size_t n;
                ssize_t bs;
                const char *first;

                if (pos >= len) {
                        /* The file ended in a continuation: take what we have. */
                        continuing = false;
                        r = parse_logical_line(&st, logical.s, start_line);
                        if (r < 0)
                                return r;
                        break;
                }
                nl = memchr(l, '\n', len - pos);
                n = nl ? (size_t)(nl - l) : len - pos;
                pos += n + (nl ? 1 : 0);
                line++;
                if (n > 0 && l[n - 1] == '\r')
                        n--;

                /* Comment lines are skipped even inside a continuation and
                 * never continue themselves, as systemd documents. */
                /* Bounded by n: the text need not be NUL-terminated. */
                first = l;
                while (first < l + n && strchr(WHITESPACE, *first))
                        first++;
                if (first < l + n && (*first == '#' || *first == ';'))
                        continue;

                if (!continuing) {
                        strbuf_truncate(&logical, 0);
                        start_line = line;
                }
                bs = continuation_at(l, n);
                strbuf_append_n(&logical, l, bs >= 0 ? (size_t)bs : n);
                if (strbuf_failed(&logical))
                        return log_oom();
                if (logical.len > UNIT_LINE_MAX) {
                        log_error("%s:%u: line longer than %u bytes", path, start_line,
                                  UNIT_LINE_MAX);
                        return -EBADMSG;
                }
                if (bs >= 0) {
                        /* The backslash becomes a space. */
                        strbuf_putc(&logical, ' ');
                        continuing = true;
                        continue;
                }
                continuing = false;
                r = parse_logical_line(&st, logical.s ? logical.s : (char[]){0}, start_line);
                if (r < 0)
                        return r;
        }
        return 0;
}

int unit_file_load(UnitFile *u, const char *path)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[64 * 1024];
        ssize_t n;
        size_t len;
        int r;

        /* Declarations are small: one read() of a regular file that comes
         * back short is the whole file, which saves a syscall per file on
         * the boot path. Bigger files take the general road. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(errno, "%s: cannot read", path);
        do
                n = read(fd, buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return log_error_errno(errno, "%s: cannot read", path);
        if ((size_t)n < sizeof(buf))
                return unit_file_parse(u, path, buf, (size_t)n);

        r = read_full_file(path, UNIT_FILE_MAX, &text, &len);
        if (r == -EFBIG)
                return log_error_errno(r, "%s: larger than %u bytes", path, UNIT_FILE_MAX);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read", path);
        return unit_file_parse(u, path, text, len);
}

void unit_file_serialize(const UnitFile *u, StrBuf *out)
{
        bool first = true;

        for (size_t i = 0; i < u->n_sections; i++) {
                const UnitSection *s = &u->sections[i];

                if (!first)
                        strbuf_putc(out, '\n');
                first = false;
                strbuf_putc(out, '[');
                strbuf_append(out, s->name);
                strbuf_append(out, "]\n");
                for (size_t j = 0; j < s->n_entries; j++) {
                        strbuf_append(out, s->entries[j].key);
                        strbuf_putc(out, '=');
                        strbuf_append(out, s->entries[j].value);
                        strbuf_putc(out, '\n');
                }
        }
}
