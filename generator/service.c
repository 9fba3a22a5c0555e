/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator.h"
#include "log.h"
#include "parse-util.h"
#include "split.h"
#include "strv.h"

/* [Unit] keys whose values name other units. */
static const char *const dependency_keys[] = {
    "After",
    "Before",
    "Requires",
    "Requisite",
    "Wants",
    "BindsTo",
    "PartOf",
    "Upholds",
    "Conflicts",
    "OnFailure",
    "OnSuccess",
    "PropagatesStopTo",
    "PropagatesReloadTo",
    "StopPropagatedFrom",
    "ReloadPropagatedFrom",
    "JoinsNamespaceOf",
};

/* [Service] keys that would change who runs berth-runtime, which must be
 * root to create the container. Quadlet warns about the same keys. */
static const char *const service_keys_unsupported[] = {"User", "Group", "DynamicUser"};

static void vlog_decl(int level, const Decl *d, const UnitEntry *at, const char *fmt, va_list ap)
{
        char msg[1024];

        vsnprintf(msg, sizeof(msg), fmt, ap);
        if (at && at->file)
                log_full_errno(level, 0, "%s:%u: %s: %s", at->file, at->line, at->key, msg);
        else
                log_full_errno(level, 0, "%s: %s", d->path, msg);
}

int decl_fail(Generator *g, Decl *d, const UnitEntry *at, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vlog_decl(LOG_ERR, d, at, fmt, ap);
        va_end(ap);
        if (!d->failed && d->selected)
                g->n_failed++;
        d->failed = true;
        return -EINVAL;
}

void decl_warn(const Decl *d, const UnitEntry *at, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vlog_decl(LOG_WARNING, d, at, fmt, ap);
        va_end(ap);
}

int translate_dependency(const Generator *g, const Decl *from, const char *dep, char **ret)
{
        DeclKind k = decl_kind_from_filename(dep);
        _cleanup_free_ char *prefix = NULL, *instance = NULL, *tmpl = NULL;
        const Decl *d;

        *ret = NULL;
        if (k < 0)
                return 0;
        d = generator_find_decl(g, dep);
        if (d && d->service_name) {
                char *s = strdup(d->service_name);
                /* A template named from a template: the same instance. */
                if (s && strstr(s, "@.service") && from &&
                    unit_name_split_instance(from->filename, NULL, NULL)) {
                        char *t = NULL;
                        size_t at = strstr(s, "@.service") - s;
                        if (asprintf(&t, "%.*s@%%i.service", (int)at, s) < 0)
                                t = NULL;
                        free(s);
                        s = t;
                }
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 1;
        }
        /* "foo@bar.volume" may exist only as the template "foo@.volume". */
        if (unit_name_split_instance(dep, &prefix, &instance) && !isempty(instance)) {
                if (asprintf(&tmpl, "%s@.%s", prefix, decl_kind_to_string(k)) < 0)
                        return -ENOMEM;
                d = generator_find_decl(g, tmpl);
                if (d && d->service_name) {
                        const char *at = strstr(d->service_name, "@.service");
                        if (at) {
                                if (asprintf(ret, "%.*s@%s.service", (int)(at - d->service_name),
                                             d->service_name, instance) < 0)
                                        return -ENOMEM;
                                return 1;
                        }
                }
        }
        return -ENOENT;
}

static int translate_dependencies(Generator *g, Decl *d, UnitFile *service)
{
        UnitSection *s = unit_file_find_section(service, "Unit");

        if (!s)
                return 0;
        for (size_t i = 0; i < s->n_entries; i++) {
                UnitEntry *e = &s->entries[i];
                _cleanup_strv_free_ char **words = NULL;
                _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
                bool translated = false;
                int r;

                for (size_t k = 0; k < ELEMENTSOF(dependency_keys); k++)
                        if (streq(e->key, dependency_keys[k]))
                                goto dep;
                continue;
        dep:
                r = split_all(e->value, SPLIT_LIST, &words, NULL);
                if (r < 0)
                        return decl_fail(g, d, e, "cannot split '%s'", e->value);
                STRV_FOREACH (w, words) {
                        _cleanup_free_ char *t = NULL;

                        r = translate_dependency(g, d, *w, &t);
                        if (r == -ENOENT)
                                return decl_fail(g, d, e, "unable to translate dependency for %s",
                                                 *w);
                        if (r < 0)
                                return log_oom();
                        if (b.len > 0)
                                strbuf_putc(&b, ' ');
                        if (t) {
                                strbuf_append(&b, t);
                                translated = true;
                        } else
                                escape_word(&b, *w);
                }
                if (!translated)
                        continue;
                if (strbuf_failed(&b))
                        return log_oom();
                if (unit_entry_set_value(service, e, b.s) < 0)
                        return log_oom();
        }
        return 0;
}

static int copy_unit(const UnitFile *from, UnitFile **ret)
{
        _cleanup_unit_file_ UnitFile *u = unit_file_new();

        if (!u)
                return -ENOMEM;
        u->files = strv_copy(from->files);
        if (!u->files)
                return -ENOMEM;
        for (size_t i = 0; i < from->n_sections; i++) {
                const UnitSection *fs = &from->sections[i];
                UnitSection *s = unit_file_ensure_section(u, fs->name);
                if (!s)
                        return -ENOMEM;
                for (size_t j = 0; j < fs->n_entries; j++) {
                        /* File pointers must point into the copy's own list. */
                        const char *file = NULL;
                        for (size_t k = 0; fs->entries[j].file && from->files[k]; k++)
                                if (from->files[k] == fs->entries[j].file)
                                        file = u->files[k];
                        /* The declaration outlives its service: share its strings. */
                        if (unit_section_add_borrowed(u, s, fs->entries[j].key,
                                                      fs->entries[j].value, file,
                                                      fs->entries[j].line) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(u);
        return 0;
}

int service_require(UnitFile *service, const char *unit)
{
        int r = unit_file_add(service, "Unit", "Requires", unit);

        return r < 0 ? r : unit_file_add(service, "Unit", "After", unit);
}

bool decl_default_dependencies(const Decl *d)
{
        const char *v = unit_file_lookup(d->unit, "Quadlet", "DefaultDependencies");

        return !v || parse_boolean(v) != 0;
}

int service_init(Generator *g, Decl *d, UnitFile **ret)
{
        _cleanup_unit_file_ UnitFile *service = NULL;
        const char *section = decl_kind_section(d->kind);
        const UnitEntry *e;
        _cleanup_free_ char *x = NULL;
        int r;

        r = copy_unit(d->unit, &service);
        if (r < 0)
                return log_oom();

        for (size_t k = 0; k < ELEMENTSOF(service_keys_unsupported); k++) {
                e = unit_file_last(service, "Service", service_keys_unsupported[k]);
                if (e)
                        decl_warn(d, e,
                                  "using key %s in the Service group is not supported: "
                                  "berth-runtime must start as root",
                                  e->key);
        }

        r = translate_dependencies(g, d, service);
        if (r < 0)
                return r;

        /* Images are pulled at start; a container's network must be up
         * before its app runs. */
        e = unit_file_last(d->unit, "Quadlet", "DefaultDependencies");
        r = e ? parse_boolean(e->value) : 1;
        if (r < 0)
                return decl_fail(g, d, e, "not a boolean: '%s'", e->value);
        if (r) {
                if (unit_file_prepend(service, "Unit", "After", "network-online.target") < 0 ||
                    unit_file_prepend(service, "Unit", "Wants", "network-online.target") < 0)
                        return log_oom();
        }
        if (unit_file_add(service, "Unit", "SourcePath", d->path) < 0)
                return log_oom();

        /* systemd ignores sections starting with X-: keep the declaration
         * there for whoever reads the unit, as Quadlet does. */
        if (asprintf(&x, "X-%s", section) < 0)
                return log_oom();
        if (unit_file_rename_section(service, section, x) < 0 ||
            unit_file_rename_section(service, "Quadlet", "X-Quadlet") < 0)
                return log_oom();

        *ret = TAKE_PTR(service);
        return 0;
}

int service_finish(Generator *g, Decl *d, UnitFile *service)
{
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        int r;

        unit_file_serialize(service, &b);
        if (strbuf_failed(&b))
                return log_oom();
        r = generator_add_unit(g, d->service_name, strbuf_steal(&b));
        if (r < 0)
                return log_oom();
        return install_emulate(g, d, service);
}
