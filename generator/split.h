/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "strbuf.h"

/* Splitting values into words the way systemd does for unit files. */
typedef enum SplitFlags {
        SPLIT_UNQUOTE = 1 << 0,       /* "…" and '…' group words; the quotes go */
        SPLIT_CUNESCAPE = 1 << 1,     /* \n, \t, \x41, \101, \u00e9 … are decoded */
        SPLIT_RELAX = 1 << 2,         /* unknown escapes and open quotes are kept */
        SPLIT_RETAIN_ESCAPE = 1 << 3, /* without CUNESCAPE: keep the backslash */
} SplitFlags;

/* The flags of Exec=, Environment= and their kind. */
#define SPLIT_EXEC (SPLIT_UNQUOTE | SPLIT_CUNESCAPE | SPLIT_RELAX)
/* The flags of list keys such as WantedBy= or AddCapability=. */
#define SPLIT_LIST (SPLIT_UNQUOTE | SPLIT_RETAIN_ESCAPE)

/* Takes the next word from *p. Returns 1 and the word, 0 at the end, or
 * -EINVAL on a quoting error (only without SPLIT_RELAX). *bad_escape is set
 * when an escape was not understood and kept as written. */
int split_next(const char **p, SplitFlags flags, char **ret, bool *bad_escape);
/* All words of s. */
int split_all(const char *s, SplitFlags flags, char ***ret, bool *bad_escape);

/* Appends word so that systemd's Exec= parsing gives it back unchanged,
 * quoting only when needed. % and $ are left alone on purpose: they are the
 * specifiers and variables the author wrote for systemd to expand. */
void escape_word(StrBuf *b, const char *word);
/* As escape_word, but spaces become \x20, as Quadlet writes paths in
 * RequiresMountsFor=. */
void escape_path_word(StrBuf *b, const char *word);
/* Appends " word" to a command line being built for Exec=. */
void exec_append_arg(StrBuf *b, const char *word);
/* Appends " opt value", or " opt=value" when value starts with '-', so that
 * no option parser can take the value for an option (--label=-x). */
void exec_append_opt(StrBuf *b, const char *opt, const char *value);
