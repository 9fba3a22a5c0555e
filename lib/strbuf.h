/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* A growable, always NUL-terminated byte buffer. Allocation failure is
 * sticky: once an append fails, every later append is a no-op and
 * strbuf_failed() says so, so callers can build a whole text and check once. */
typedef struct StrBuf {
        char *s;
        size_t len;
        size_t cap;
        bool oom;
} StrBuf;

#define STRBUF_INIT                                                                                \
        {                                                                                          \
                0                                                                                  \
        }

void strbuf_append_n(StrBuf *b, const char *s, size_t n);
void strbuf_append(StrBuf *b, const char *s);
void strbuf_putc_slow(StrBuf *b, char c);
/* Byte-by-byte builders (escaping) call this in loops: keep it inline. */
static inline void strbuf_putc(StrBuf *b, char c)
{
        if (b->len + 1 < b->cap) {
                b->s[b->len++] = c;
                b->s[b->len] = 0;
        } else
                strbuf_putc_slow(b, c);
}
void strbuf_printf(StrBuf *b, const char *fmt, ...) _printf_(2, 3);
void strbuf_truncate(StrBuf *b, size_t len);
static inline bool strbuf_failed(const StrBuf *b)
{
        return b->oom;
}
/* Hands the string out (never NULL unless out of memory) and resets b. */
char *strbuf_steal(StrBuf *b);
void strbuf_done(StrBuf *b);
static inline void strbuf_donep(StrBuf *b)
{
        strbuf_done(b);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_donep)
