/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "generator.h"
#include "split.h"

/* How berth treats a key of a declaration's own section. */
typedef enum KeyHandling {
        KEY_SUPPORTED,   /* honoured */
        KEY_IGNORED,     /* safe to ignore: warn once and go on */
        KEY_UNSUPPORTED, /* cannot be honoured safely: the unit fails */
        KEY_NOT_YET,     /* networking, which arrives later: the unit fails */
} KeyHandling;

typedef struct KeyInfo {
        const char *key;
        KeyHandling handling;
        const char *why; /* for IGNORED, UNSUPPORTED and NOT_YET */
} KeyInfo;

/* Checks every key of the declaration's section against table (terminated
 * by a NULL key): unknown keys warn, ignored keys warn, unsupported ones
 * fail the unit (all of them are reported). Returns 0 or -EINVAL. */
int decl_check_keys(Generator *g, Decl *d, const KeyInfo *table);

/* The last value of key, with one pair of surrounding double quotes removed
 * as Quadlet reads single values. NULL if unset. *ret_at is the entry. */
int decl_get_string(const Decl *d, const char *key, char **ret, const UnitEntry **ret_at);
/* A boolean key: def when unset; fails the unit when not a boolean. */
int decl_get_bool(Generator *g, Decl *d, const char *key, int def);
/* Every word of every assignment of key (an empty assignment resets). */
int decl_get_words(Generator *g, Decl *d, const char *key, SplitFlags flags, char ***ret);
/* Resolves a host path relative to the declaration's directory; specifier
 * paths ("%h/x") and absolute paths are kept. */
int decl_resolve_path(const Decl *d, const char *p, char **ret);
