/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

void strv_free(char **l)
{
        if (!l)
                return;
        for (char **s = l; *s; s++)
                free(*s);
        free(l);
}

size_t strv_length(char *const *l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

int strv_consume(char ***l, char *value)
{
        size_t n = strv_length(*l);
        char **nl;

        if (!value)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl) {
                free(value);
                return -ENOMEM;
        }
        nl[n] = value;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

int strv_extend(char ***l, const char *value)
{
        return strv_consume(l, strdup(value));
}

int strv_extend_strv(char ***l, char *const *other)
{
        STRV_FOREACH (s, other) {
                int r = strv_extend(l, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

char **strv_copy(char *const *l)
{
        char **c = calloc(1, sizeof(char *));

        if (!c)
                return NULL;
        if (strv_extend_strv(&c, l) < 0) {
                strv_free(c);
                return NULL;
        }
        return c;
}

bool strv_contains(char *const *l, const char *s)
{
        STRV_FOREACH (i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

static size_t env_key_len(const char *s)
{
        const char *eq = strchr(s, '=');

        return eq ? (size_t)(eq - s) : strlen(s);
}

int strv_env_set(char ***l, const char *assignment)
{
        size_t k = env_key_len(assignment);
        char *copy;

        for (char **s = *l; s && *s; s++)
                if (env_key_len(*s) == k && strneq(*s, assignment, k)) {
                        copy = strdup(assignment);
                        if (!copy)
                                return -ENOMEM;
                        free(*s);
                        *s = copy;
                        return 0;
                }
        return strv_extend(l, assignment);
}

const char *strv_env_get(char *const *l, const char *key)
{
        size_t k = strlen(key);

        STRV_FOREACH (s, l)
                if (strneq(*s, key, k) && (*s)[k] == '=')
                        return *s + k + 1;
        return NULL;
}
