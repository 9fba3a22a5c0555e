/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static bool strbuf_reserve(StrBuf *b, size_t extra)
{
        size_t want, cap;
        char *n;

        if (b->oom)
                return false;
        if (extra > SIZE_MAX - b->len - 1)
                goto fail;
        want = b->len + extra + 1;
        if (want <= b->cap)
                return true;
        cap = b->cap ? b->cap : 256;
        while (cap < want)
                cap = cap > SIZE_MAX / 2 ? want : cap * 2;
        n = realloc(b->s, cap);
        if (!n)
                goto fail;
        b->s = n;
        b->cap = cap;
        return true;
fail:
        b->oom = true;
        return false;
}

void strbuf_append_n(StrBuf *b, const char *s, size_t n)
{
        if (b->len + n >= b->cap && !strbuf_reserve(b, n))
                return;
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

void strbuf_append(StrBuf *b, const char *s)
{
        strbuf_append_n(b, s, strlen(s));
}

void strbuf_putc_slow(StrBuf *b, char c)
{
        strbuf_append_n(b, &c, 1);
}

void strbuf_printf(StrBuf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->oom = true;
                return;
        }
        if (!strbuf_reserve(b, (size_t)n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

void strbuf_truncate(StrBuf *b, size_t len)
{
        if (len < b->len) {
                b->len = len;
                b->s[len] = 0;
        }
}

char *strbuf_steal(StrBuf *b)
{
        char *s;

        if (b->oom) {
                strbuf_done(b);
                return NULL;
        }
        s = b->s ? b->s : strdup("");
        *b = (StrBuf)STRBUF_INIT;
        return s;
}

void strbuf_done(StrBuf *b)
{
        free(b->s);
        *b = (StrBuf)STRBUF_INIT;
}
