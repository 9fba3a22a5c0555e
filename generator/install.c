/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "generator.h"
#include "log.h"
#include "split.h"
#include "strv.h"

/* What `systemctl enable` would do, done with symlinks in the output
 * directory: generated units cannot be enabled the usual way. */
static const struct {
        const char *key;
        const char *suffix;
} install_deps[] = {
    {"WantedBy", ".wants"},
    {"RequiredBy", ".requires"},
    {"UpheldBy", ".upholds"},
};

/* A link name becomes a path in the output directory: no escaping it. */
static bool link_path_valid(const char *p, bool allow_dirs)
{
        const char *base = strrchr(p, '/');

        if (!allow_dirs && base)
                return false;
        if (p[0] == '/' || strstr(p, "//"))
                return false;
        for (const char *c = p; c;) {
                const char *slash = strchr(c, '/');
                size_t n = slash ? (size_t)(slash - c) : strlen(c);
                if (n == 0 || c[0] == '.')
                        return false;
                c = slash ? slash + 1 : NULL;
        }
        return unit_name_valid(base ? base + 1 : p, false);
}

static int words_of(const Decl *d, const char *key, char ***ret)
{
        _cleanup_strv_free_ char **all = NULL;
        const UnitEntry **l = NULL;
        size_t n = 0;

        if (unit_file_lookup_all(d->unit, "Install", key, &l, &n) < 0)
                return -ENOMEM;
        all = calloc(1, sizeof(char *));
        if (!all) {
                free(l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **w = NULL;
                if (split_all(l[i]->value, SPLIT_LIST, &w, NULL) < 0) {
                        decl_warn(d, l[i], "cannot split '%s', ignoring", l[i]->value);
                        continue;
                }
                if (strv_extend_strv(&all, w) < 0) {
                        free(l);
                        return -ENOMEM;
                }
        }
        free(l);
        *ret = TAKE_PTR(all);
        return 0;
}

int install_emulate(Generator *g, Decl *d, const UnitFile *service)
{
        _cleanup_free_ char *prefix = NULL, *instance = NULL, *instance_name = NULL;
        const char *unit = d->service_name;
        const char *link_unit = unit;
        int r;

        (void)service;
        if (!unit_file_find_section(d->unit, "Install"))
                return 0;

        /* A template is enabled as one instance: DefaultInstance=. */
        if (unit_name_split_instance(unit, &prefix, &instance) && isempty(instance)) {
                const char *di = unit_file_lookup(d->unit, "Install", "DefaultInstance");
                if (isempty(di))
                        link_unit = NULL;
                else {
                        if (asprintf(&instance_name, "%s@%s.service", prefix, di) < 0)
                                return log_oom();
                        if (!unit_name_valid(instance_name, false)) {
                                decl_warn(d, unit_file_last(d->unit, "Install", "DefaultInstance"),
                                          "'%s' is not a valid instance, ignoring", di);
                                link_unit = NULL;
                        } else
                                link_unit = instance_name;
                }
        }

        {
                _cleanup_strv_free_ char **aliases = NULL;
                if (words_of(d, "Alias", &aliases) < 0)
                        return log_oom();
                STRV_FOREACH (a, aliases) {
                        _cleanup_strbuf_ StrBuf t = STRBUF_INIT;
                        if (!link_path_valid(*a, true)) {
                                decl_warn(d, unit_file_last(d->unit, "Install", "Alias"),
                                          "'%s' is not a valid alias, ignoring", *a);
                                continue;
                        }
                        for (const char *c = strchr(*a, '/'); c; c = strchr(c + 1, '/'))
                                strbuf_append(&t, "../");
                        strbuf_append(&t, unit);
                        if (strbuf_failed(&t) || generator_add_symlink(g, *a, t.s) < 0)
                                return log_oom();
                }
        }

        for (size_t k = 0; k < ELEMENTSOF(install_deps); k++) {
                _cleanup_strv_free_ char **targets = NULL;

                if (words_of(d, install_deps[k].key, &targets) < 0)
                        return log_oom();
                if (targets[0] && !link_unit) {
                        decl_warn(d, unit_file_last(d->unit, "Install", install_deps[k].key),
                                  "a template needs DefaultInstance= to be enabled, ignoring");
                        continue;
                }
                STRV_FOREACH (t, targets) {
                        _cleanup_free_ char *link = NULL, *target = NULL;

                        if (!link_path_valid(*t, false)) {
                                decl_warn(d,
                                          unit_file_last(d->unit, "Install", install_deps[k].key),
                                          "'%s' is not a valid unit name, ignoring", *t);
                                continue;
                        }
                        if (asprintf(&link, "%s%s/%s", *t, install_deps[k].suffix, link_unit) < 0 ||
                            asprintf(&target, "../%s", unit) < 0)
                                return log_oom();
                        r = generator_add_symlink(g, link, target);
                        if (r < 0)
                                return log_oom();
                }
        }
        return 0;
}
