/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "parse-util.h"
#include "split.h"
#include "strv.h"

/* Unknown keys beyond this many are counted, not each reported. */
#define UNKNOWN_REPORT_MAX 16

int decl_check_keys(Generator *g, Decl *d, const KeyInfo *table)
{
        const UnitSection *s = unit_file_find_section(d->unit, decl_kind_section(d->kind));
        size_t n_table = 0, unknown = 0;
        _cleanup_free_ bool *seen = NULL;
        bool bad = false;

        if (!s)
                return 0;
        while (table[n_table].key)
                n_table++;
        seen = calloc(n_table, sizeof(bool));
        if (!seen)
                return log_oom();
        for (size_t i = 0; i < s->n_entries; i++) {
                const UnitEntry *e = &s->entries[i];
                size_t k;

                for (k = 0; k < n_table; k++)
                        if (table[k].key[0] == e->key[0] && streq(table[k].key, e->key))
                                break;
                if (k == n_table) {
                        if (unknown++ < UNKNOWN_REPORT_MAX)
                                decl_warn(d, e, "unknown key in [%s], ignoring", s->name);
                        continue;
                }
                /* A key repeated on many lines is reported once. */
                if (seen[k])
                        continue;
                seen[k] = true;
                switch (table[k].handling) {
                case KEY_SUPPORTED:
                        break;
                case KEY_IGNORED:
                        decl_warn(d, e, "not supported by berth, ignoring: %s", table[k].why);
                        break;
                case KEY_UNSUPPORTED:
                        (void)decl_fail(g, d, e, "not supported by berth: %s", table[k].why);
                        bad = true;
                        break;
                case KEY_NOT_YET:
                        (void)decl_fail(g, d, e, "not supported yet: %s", table[k].why);
                        bad = true;
                        break;
                }
        }
        if (unknown > UNKNOWN_REPORT_MAX)
                decl_warn(d, NULL, "%zu more unknown keys, ignoring them",
                          unknown - UNKNOWN_REPORT_MAX);
        return bad ? -EINVAL : 0;
}

int decl_get_string(const Decl *d, const char *key, char **ret, const UnitEntry **ret_at)
{
        const UnitEntry *e = unit_file_last(d->unit, decl_kind_section(d->kind), key);
        const char *v;
        size_t n;

        if (ret_at)
                *ret_at = e;
        *ret = NULL;
        if (!e)
                return 0;
        v = e->value;
        n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
                v++;
                n -= 2;
        }
        *ret = strndup(v, n);
        return *ret ? 1 : -ENOMEM;
}

int decl_get_bool(Generator *g, Decl *d, const char *key, int def)
{
        const UnitEntry *e;
        _cleanup_free_ char *v = NULL;
        int r;

        r = decl_get_string(d, key, &v, &e);
        if (r < 0)
                return log_oom();
        if (r == 0 || isempty(v))
                return def;
        r = parse_boolean(v);
        if (r < 0)
                return decl_fail(g, d, e, "not a boolean: '%s'", v);
        return r;
}

int decl_get_words(Generator *g, Decl *d, const char *key, SplitFlags flags, char ***ret)
{
        _cleanup_strv_free_ char **all = NULL;
        const UnitEntry **l = NULL;
        size_t n = 0;
        int r;

        r = unit_file_lookup_all(d->unit, decl_kind_section(d->kind), key, &l, &n);
        if (r < 0)
                return log_oom();
        all = calloc(1, sizeof(char *));
        if (!all) {
                free(l);
                return log_oom();
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **w = NULL;
                bool bad_escape = false;

                r = split_all(l[i]->value, flags, &w, &bad_escape);
                if (r == -ENOMEM) {
                        free(l);
                        return log_oom();
                }
                if (r < 0) {
                        r = decl_fail(g, d, l[i], "unbalanced quotes or escapes in '%s'",
                                      l[i]->value);
                        free(l);
                        return r;
                }
                if (bad_escape)
                        decl_warn(d, l[i], "unsupported escape char in '%s', kept as written",
                                  l[i]->value);
                if (strv_extend_strv(&all, w) < 0) {
                        free(l);
                        return log_oom();
                }
        }
        free(l);
        *ret = TAKE_PTR(all);
        return 0;
}

int decl_resolve_path(const Decl *d, const char *p, char **ret)
{
        const char *rest = p;

        if (p[0] == '/' || p[0] == '%') {
                *ret = strdup(p);
                return *ret ? 0 : -ENOMEM;
        }
        /* "./x" and "x" both mean the declaration's directory. */
        while (rest[0] == '.' && rest[1] == '/')
                rest += 2;
        if (streq(rest, "."))
                rest = "";
        if (asprintf(ret, "%s%s%s", d->dir, *rest ? "/" : "", rest) < 0)
                return -ENOMEM;
        /* Drop a trailing slash, as Quadlet does ("./src/" → ".../src"). */
        {
                size_t n = strlen(*ret);
                while (n > 1 && (*ret)[n - 1] == '/')
                        (*ret)[--n] = 0;
        }
        return 0;
}
