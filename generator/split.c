/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"
#include "strv.h"

#define WHITESPACE " \t\n\r"

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static void put_utf8(StrBuf *b, uint32_t c)
{
        char o[4];
        size_t n;

        if (c < 0x80) {
                o[0] = (char)c;
                n = 1;
        } else if (c < 0x800) {
                o[0] = (char)(0xc0 | (c >> 6));
                o[1] = (char)(0x80 | (c & 0x3f));
                n = 2;
        } else if (c < 0x10000) {
                o[0] = (char)(0xe0 | (c >> 12));
                o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
                o[2] = (char)(0x80 | (c & 0x3f));
                n = 3;
        } else {
                o[0] = (char)(0xf0 | (c >> 18));
                o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
                o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
                o[3] = (char)(0x80 | (c & 0x3f));
                n = 4;
        }
        strbuf_append_n(b, o, n);
}

/* Decodes one C escape whose backslash is just before s. Returns how many
 * bytes after the backslash it used, or 0 if it is not a valid escape. A
 * decoded NUL is refused: it cannot live in a C string or a command line. */
static size_t cunescape_one(const char *s, StrBuf *out)
{
        static const char simple_from[] = "abfnrtv\\\"'s";
        static const char simple_to[] = "\a\b\f\n\r\t\v\\\"' ";
        const char *q = strchr(simple_from, *s);
        uint32_t v = 0;

        if (*s && q) {
                strbuf_putc(out, simple_to[q - simple_from]);
                return 1;
        }
        switch (*s) {
        case 'x': {
                int a = unhex(s[1]), b = a < 0 ? -1 : unhex(s[2]);
                if (a < 0 || b < 0 || (a | b) == 0)
                        return 0;
                strbuf_putc(out, (char)(a * 16 + b));
                return 3;
        }
        case 'u':
        case 'U': {
                size_t n = *s == 'u' ? 4 : 8;
                for (size_t i = 1; i <= n; i++) {
                        int d = unhex(s[i]);
                        if (d < 0)
                                return 0;
                        v = v * 16 + (uint32_t)d;
                }
                if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                        return 0;
                put_utf8(out, v);
                return n + 1;
        }
        case '0' ... '7':
                for (size_t i = 0; i < 3; i++) {
                        if (s[i] < '0' || s[i] > '7')
                                return 0;
                        v = v * 8 + (uint32_t)(s[i] - '0');
                }
                if (v == 0 || v > 255)
                        return 0;
                strbuf_putc(out, (char)v);
                return 3;
        default:
                return 0;
        }
}

int split_next(const char **p, SplitFlags flags, char **ret, bool *bad_escape)
{
        _cleanup_strbuf_ StrBuf w = STRBUF_INIT;
        const char *s = *p;
        char quote = 0;

        s += strspn(s, WHITESPACE);
        if (!*s) {
                *p = s;
                *ret = NULL;
                return 0;
        }

        for (; *s; s++) {
                if (*s == '\\') {
                        size_t used;

                        if (!s[1]) {
                                if (!(flags & SPLIT_RELAX))
                                        return -EINVAL;
                                strbuf_putc(&w, '\\');
                                continue;
                        }
                        if (flags & SPLIT_CUNESCAPE) {
                                used = cunescape_one(s + 1, &w);
                                if (used == 0) {
                                        if (!(flags & SPLIT_RELAX))
                                                return -EINVAL;
                                        if (bad_escape)
                                                *bad_escape = true;
                                        strbuf_putc(&w, '\\');
                                        strbuf_putc(&w, s[1]);
                                        used = 1;
                                }
                        } else {
                                if (flags & SPLIT_RETAIN_ESCAPE)
                                        strbuf_putc(&w, '\\');
                                strbuf_putc(&w, s[1]);
                                used = 1;
                        }
                        s += used;
                        continue;
                }
                if (quote) {
                        if (*s == quote)
                                quote = 0;
                        else
                                strbuf_putc(&w, *s);
                        continue;
                }
                if ((flags & SPLIT_UNQUOTE) && (*s == '"' || *s == '\'')) {
                        quote = *s;
                        continue;
                }
                if (strchr(WHITESPACE, *s))
                        break;
                strbuf_putc(&w, *s);
        }
        if (quote && !(flags & SPLIT_RELAX))
                return -EINVAL;
        if (strbuf_failed(&w))
                return -ENOMEM;
        *p = s;
        *ret = strbuf_steal(&w);
        return *ret ? 1 : -ENOMEM;
}

int split_all(const char *s, SplitFlags flags, char ***ret, bool *bad_escape)
{
        _cleanup_strv_free_ char **l = NULL;
        const char *p = s;
        int r;

        /* An empty list is an allocated, empty vector, not NULL. */
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (;;) {
                char *w;

                r = split_next(&p, flags, &w, bad_escape);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_consume(&l, w);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* Length of the well-formed UTF-8 character at c (1 for ASCII), 0 if the
 * bytes there are not one. A decoded escape ("\220") can yield any byte, and
 * a unit must stay valid UTF-8: such bytes are written as "\xNN". */
static size_t utf8_char_len(const unsigned char *c)
{
        size_t n;
        uint32_t v;

        if (*c < 0x80)
                return 1;
        if (*c >= 0xc2 && *c <= 0xdf)
                n = 1, v = *c & 0x1f;
        else if (*c >= 0xe0 && *c <= 0xef)
                n = 2, v = *c & 0x0f;
        else if (*c >= 0xf0 && *c <= 0xf4)
                n = 3, v = *c & 0x07;
        else
                return 0;
        for (size_t k = 1; k <= n; k++) {
                if ((c[k] & 0xc0) != 0x80) /* also stops at the NUL */
                        return 0;
                v = (v << 6) | (c[k] & 0x3f);
        }
        if ((n == 2 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
            (n == 3 && (v < 0x10000 || v > 0x10ffff)))
                return 0;
        return n + 1;
}

/* Does w need quotes? If not, *ret_len is its length: the caller appends
 * it without another pass. */
static bool needs_quoting(const char *w, size_t *ret_len)
{
        const unsigned char *c = (const unsigned char *)w;

        if (!*w || streq(w, ";"))
                return true;
        for (; *c; c++)
                /* Any byte >= 0x80 is quoted (a continuation byte alone is
                 * not UTF-8), as berth has always written them. */
                if (*c <= ' ' || *c >= 0x7f || *c == '"' || *c == '\'' || *c == '\\')
                        return true;
        *ret_len = (size_t)(c - (const unsigned char *)w);
        return false;
}

static void escape_word_full(StrBuf *b, const char *word, bool escape_space)
{
        const unsigned char *c = (const unsigned char *)word, *run;
        size_t len;

        if (!needs_quoting(word, &len)) {
                strbuf_append_n(b, word, len);
                return;
        }
        strbuf_putc(b, '"');
        while (*c) {
                /* Plain bytes go in runs, not one by one. */
                for (run = c; *c > ' ' && *c != 0x7f && *c != '"' && *c != '\\'; c++)
                        if (*c >= 0x80) {
                                /* Bytes that are not UTF-8 are escaped, or the
                                 * unit would not parse back. */
                                size_t n = utf8_char_len(c);
                                if (n == 0)
                                        break;
                                c += n - 1;
                        }
                if (c > run)
                        strbuf_append_n(b, (const char *)run, (size_t)(c - run));
                if (!*c)
                        break;
                switch (*c) {
                case '\n':
                        strbuf_append(b, "\\n");
                        break;
                case '\t':
                        strbuf_append(b, "\\t");
                        break;
                case '\r':
                        strbuf_append(b, "\\r");
                        break;
                case '"':
                        strbuf_append(b, "\\\"");
                        break;
                case '\\':
                        strbuf_append(b, "\\\\");
                        break;
                case ' ':
                        strbuf_append(b, escape_space ? "\\x20" : " ");
                        break;
                default: {
                        static const char hex[] = "0123456789abcdef";
                        char x[4] = {'\\', 'x', hex[*c >> 4], hex[*c & 15]};
                        strbuf_append_n(b, x, 4);
                }
                }
                c++;
        }
        strbuf_putc(b, '"');
}

void escape_word(StrBuf *b, const char *word)
{
        escape_word_full(b, word, false);
}

void escape_path_word(StrBuf *b, const char *word)
{
        escape_word_full(b, word, true);
}

void exec_append_arg(StrBuf *b, const char *word)
{
        strbuf_putc(b, ' ');
        escape_word(b, word);
}

void exec_append_opt(StrBuf *b, const char *opt, const char *value)
{
        _cleanup_strbuf_ StrBuf w = STRBUF_INIT;

        if (value[0] != '-') {
                exec_append_arg(b, opt);
                exec_append_arg(b, value);
                return;
        }
        /* One word "opt=value", escaped as a whole. */
        strbuf_printf(&w, "%s=%s", opt, value);
        if (strbuf_failed(&w))
                b->oom = true;
        else
                exec_append_arg(b, w.s);
}
