/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated string arrays, owned element by element. */
void strv_free(char **l);
static inline void strv_freep(char ***l)
{
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

size_t strv_length(char *const *l);
/* Takes ownership of value (freed on failure). */
int strv_consume(char ***l, char *value);
int strv_extend(char ***l, const char *value);
int strv_extend_strv(char ***l, char *const *other);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* For "KEY=VALUE" lists: replace an entry with the same KEY or append. */
int strv_env_set(char ***l, const char *assignment);
const char *strv_env_get(char *const *l, const char *key);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
