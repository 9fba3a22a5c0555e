/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl's listings: aligned columns, the same rows as JSON, and the
 * human-readable sizes and ages. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "table.h"
#include "tap.h"

static char *render(Table *t, bool json)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        CHECK(f);
        CHECK(table_print(t, f, json) == 0);
        fclose(f);
        return buf;
}

int main(void)
{
        static const char *const headers[] = {"NAME", "STATE", "SIZE", NULL};
        static const char *const keys[] = {"name", "state", "size", NULL};
        Table *t = NULL;
        char *out;
        char buf[64];

        setlocale(LC_ALL, "C.UTF-8");
        CHECK(table_new(headers, keys, &t) == 0);
        CHECK(table_add_cell(t, "web", NULL) == 0);
        CHECK(table_add_cell(t, "running", NULL) == 0);
        CHECK(table_add_cell(t, "2MB", json_integer(2000000)) == 0);
        CHECK(table_add_cell(t, "données", NULL) == 0);
        CHECK(table_add_cell(t, "exited", NULL) == 0);
        CHECK(table_add_cell(t, "1kB", json_integer(1000)) == 0);

        out = render(t, false);
        /* columns start where the widest cell (in characters) ends + 3 */
        CHECK_STREQ(out, "NAME      STATE     SIZE\n"
                         "web       running   2MB\n"
                         "données   exited    1kB\n");
        free(out);

        out = render(t, true);
        {
                json_t *a = json_loads(out, 0, NULL);
                CHECK(a && json_is_array(a) && json_array_size(a) == 2);
                CHECK_STREQ(json_string_value(json_object_get(json_array_get(a, 1), "name")),
                            "données");
                CHECK(json_integer_value(json_object_get(json_array_get(a, 0), "size")) == 2000000);
                json_decref(a);
        }
        free(out);
        table_free(t);

        /* a row whose last cells are empty (a further name of the row
         * above) ends with its last text, not with blanks */
        CHECK(table_new(headers, keys, &t) == 0);
        CHECK(table_add_cell(t, "a", NULL) == 0);
        CHECK(table_add_cell(t, "up", NULL) == 0);
        CHECK(table_add_cell(t, "1kB", NULL) == 0);
        CHECK(table_add_cell(t, "a-longer-name", NULL) == 0);
        CHECK(table_add_cell(t, "", NULL) == 0);
        CHECK(table_add_cell(t, "", NULL) == 0);
        out = render(t, false);
        CHECK_STREQ(out, "NAME            STATE   SIZE\n"
                         "a               up      1kB\n"
                         "a-longer-name\n");
        free(out);
        table_free(t);

        format_size(buf, sizeof(buf), 999);
        CHECK_STREQ(buf, "999B");
        format_size(buf, sizeof(buf), 1083837);
        CHECK_STREQ(buf, "1.08MB");
        format_relative_time(buf, sizeof(buf), 10000000000ULL, 10000000000ULL - 3 * 60000000ULL);
        CHECK_STREQ(buf, "3 minutes ago");
        format_relative_time(buf, sizeof(buf), 10000000000ULL, 10000000000ULL - 3600000000ULL);
        CHECK_STREQ(buf, "1 hour ago");
        format_relative_time(buf, sizeof(buf), 10, 0);
        CHECK_STREQ(buf, "-");
        return 0;
}
