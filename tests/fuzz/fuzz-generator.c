/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The whole generator path for one in-memory declaration, read both as
 * fuzz.container and as fuzz.network (so Network=fuzz.network resolves):
 * parse, key checks, conversion, pull units, install emulation. Beside them
 * are a .volume and an .image declaration, so that references to them
 * resolve.
 * Every unit the generator makes must parse again: a declaration must never
 * be able to inject lines or sections into what systemd reads. */
#include "fuzz.h"
#include "generator.h"
#include "log.h"
#include "macro.h"

void generator_decls_free(Generator *g);

static const char volume_text[] = "[Volume]\nUser=1000\n";
static const char image_text[] = "[Image]\nImage=registry.example.com/app/base:1\n";

static void add_decl(Generator *g, const char *filename, DeclKind kind, const char *text,
                     size_t len, bool selected)
{
        Decl *d = &g->decls[g->n_decls++];

        *d = (Decl){.kind = kind, .selected = selected};
        d->filename = strdup(filename);
        d->dir = strdup("/etc/berth");
        if (!d->filename || !d->dir || asprintf(&d->path, "/etc/berth/%s", filename) < 0)
                abort();
        d->unit = unit_file_new();
        if (!d->unit)
                abort();
        if (unit_file_parse(d->unit, d->path, text, len) < 0) {
                unit_file_free(d->unit);
                d->unit = NULL;
                d->failed = true;
                if (selected)
                        g->n_failed++;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Generator g;

        generator_init(&g);
        g.dry_run = true;
        g.decls = calloc(4, sizeof(Decl));
        if (!g.decls)
                abort();
        /* Sorted by filename, as generator_find() leaves them. */
        add_decl(&g, "base.image", DECL_IMAGE, image_text, strlen(image_text), false);
        add_decl(&g, "data.volume", DECL_VOLUME, volume_text, strlen(volume_text), false);
        add_decl(&g, "fuzz.container", DECL_CONTAINER, (const char *)data, size, true);
        add_decl(&g, "fuzz.network", DECL_NETWORK, (const char *)data, size, true);

        /* What generator_load() does after reading the files. */
        for (size_t i = 0; i < g.n_decls; i++) {
                Decl *d = &g.decls[i];
                const char *sn;

                if (!d->unit)
                        continue;
                sn = unit_file_lookup(d->unit, decl_kind_section(d->kind), "ServiceName");
                d->service_name = sn && *sn ? decl_service_name_from(sn, d->filename)
                                            : decl_service_name(d->filename, d->kind);
                fuzz_assert(d->service_name);
                if (!unit_name_valid(d->service_name, false))
                        (void)decl_fail(&g, d, NULL, "'%s' is not a valid unit name",
                                        d->service_name);
        }

        generator_convert_all(&g);

        for (size_t i = 0; i < g.n_outputs; i++) {
                const Output *o = &g.outputs[i];
                _cleanup_unit_file_ UnitFile *u = NULL;

                fuzz_assert(o->name && *o->name && o->name[0] != '/');
                /* No ".." component: outputs are written relative to the
                 * output directory. */
                fuzz_assert(strncmp(o->name, "../", 3) != 0 && !strstr(o->name, "/../") &&
                            !streq(o->name, "..") && !strstr(o->name, "//"));
                fuzz_assert(strlen(o->name) < 3 || !streq(o->name + strlen(o->name) - 3, "/.."));
                if (!o->text)
                        continue;
                u = unit_file_new();
                if (!u)
                        abort();
                fuzz_assert(unit_file_parse(u, o->name, o->text, strlen(o->text)) >= 0);
                /* One command line for the container, never a smuggled
                 * second (unless the declaration wrote one itself). */
                if (!memmem(data, size, "ExecStart", 9) && unit_file_find_section(u, "Service")) {
                        const UnitEntry **l = NULL;
                        size_t n = 0;

                        fuzz_assert(unit_file_lookup_all(u, "Service", "ExecStart", &l, &n) == 0);
                        fuzz_assert(n <= 1);
                        free(l);
                }
        }

        generator_done(&g);
        return 0;
}
