/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit-file parser on arbitrary text, and the property the generator
 * relies on when it writes units: what it serializes parses back to the same
 * sections and assignments. */
#include "fuzz.h"
#include "log.h"
#include "macro.h"
#include "unit-file.h"

static void check_same(const UnitFile *a, const UnitFile *b)
{
        fuzz_assert(a->n_sections == b->n_sections);
        for (size_t i = 0; i < a->n_sections; i++) {
                const UnitSection *x = &a->sections[i], *y = &b->sections[i];

                fuzz_assert(streq(x->name, y->name));
                fuzz_assert(x->n_entries == y->n_entries);
                for (size_t k = 0; k < x->n_entries; k++) {
                        fuzz_assert(streq(x->entries[k].key, y->entries[k].key));
                        fuzz_assert(streq(x->entries[k].value, y->entries[k].value));
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_unit_file_ UnitFile *u = unit_file_new(), *again = unit_file_new();
        _cleanup_strbuf_ StrBuf out = STRBUF_INIT;
        int r;

        if (!u || !again)
                abort();
        r = unit_file_parse(u, "fuzz.container", (const char *)data, size);
        if (r < 0)
                return 0;

        /* Lookups walk every section and entry; exercise them on what parsed. */
        for (size_t i = 0; i < u->n_sections; i++)
                for (size_t k = 0; k < u->sections[i].n_entries; k++) {
                        const UnitEntry **l = NULL;
                        size_t n = 0;
                        const UnitEntry *e = &u->sections[i].entries[k];

                        fuzz_assert(unit_file_lookup(u, u->sections[i].name, e->key));
                        fuzz_assert(unit_file_lookup_all(u, u->sections[i].name, e->key, &l, &n) ==
                                    0);
                        free(l);
                }

        /* A value ending in a backslash (from "a \ \" and a blank line, as
         * systemd also reads it) has no spelling in unit syntax: written
         * out, it continues onto the next line. Known; see tests/README.md. */
        for (size_t i = 0; i < u->n_sections; i++)
                for (size_t k = 0; k < u->sections[i].n_entries; k++) {
                        const char *v = u->sections[i].entries[k].value;
                        size_t n = strlen(v);
                        if (n > 0 && v[n - 1] == '\\')
                                return 0;
                }

        unit_file_serialize(u, &out);
        fuzz_assert(!strbuf_failed(&out));
        r = unit_file_parse(again, "serialized", out.s ? out.s : "", out.len);
        fuzz_assert(r >= 0);
        check_same(u, again);
        return 0;
}
