/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "macro.h"
#include "strv.h"
#include "table.h"

struct Table {
        char **headers;
        char **keys;
        size_t n_columns;
        char **cells; /* row-major */
        json_t **values;
        size_t n_cells;
};

void table_free(Table *t)
{
        strv_free(t->headers);
        strv_free(t->keys);
        for (size_t i = 0; i < t->n_cells; i++) {
                free(t->cells[i]);
                json_decref(t->values[i]);
        }
        free(t->cells);
        free(t->values);
        free(t);
}

int table_new(const char *const *headers, const char *const *keys, Table **ret)
{
        Table *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->headers = strv_copy((char *const *)headers);
        t->keys = strv_copy((char *const *)keys);
        if (!t->headers || !t->keys || strv_length(t->headers) != strv_length(t->keys)) {
                table_free(t);
                return -EINVAL;
        }
        t->n_columns = strv_length(t->headers);
        *ret = t;
        return 0;
}

int table_add_cell(Table *t, const char *text, json_t *value)
{
        char **cells;
        json_t **values;

        cells = realloc(t->cells, sizeof(char *) * (t->n_cells + 1));
        if (!cells)
                goto oom;
        t->cells = cells;
        values = realloc(t->values, sizeof(json_t *) * (t->n_cells + 1));
        if (!values)
                goto oom;
        t->values = values;
        t->cells[t->n_cells] = strdup(strempty(text));
        if (!t->cells[t->n_cells])
                goto oom;
        t->values[t->n_cells] = value ?: json_string(strempty(text));
        t->n_cells++;
        return 0;
oom:
        json_decref(value);
        return -ENOMEM;
}

/* display width, so names with multi-byte characters still line up */
static size_t text_width(const char *s)
{
        size_t n = 0;
        mbstate_t st = {};
        wchar_t wc;
        size_t k;

        while (*s) {
                k = mbrtowc(&wc, s, MB_CUR_MAX, &st);
                if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
                        s++;
                        n++;
                        memset(&st, 0, sizeof(st));
                        continue;
                }
                int w = wcwidth(wc);
                n += w > 0 ? (size_t)w : 0;
                s += k;
        }
        return n;
}

/* No padding after the last cell with text: lines end without blanks. */
static bool rest_of_row_empty(const Table *t, size_t i)
{
        for (size_t j = i + 1; j % t->n_columns != 0 && j < t->n_cells; j++)
                if (t->cells[j][0])
                        return false;
        return true;
}

static int print_json(Table *t, FILE *f)
{
        json_t *a = json_array();
        char *s;

        if (!a)
                return -ENOMEM;
        for (size_t row = 0; row * t->n_columns < t->n_cells; row++) {
                json_t *o = json_object();
                if (!o || json_array_append_new(a, o) < 0) {
                        json_decref(a);
                        return -ENOMEM;
                }
                for (size_t c = 0; c < t->n_columns && row * t->n_columns + c < t->n_cells; c++)
                        json_object_set(o, t->keys[c], t->values[row * t->n_columns + c]);
        }
        s = json_dumps(a, JSON_INDENT(2));
        json_decref(a);
        if (!s)
                return -ENOMEM;
        fprintf(f, "%s\n", s);
        free(s);
        return 0;
}

int table_print(Table *t, FILE *f, bool json)
{
        _cleanup_free_ size_t *width = NULL;

        if (json)
                return print_json(t, f);
        width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_columns; c++)
                width[c] = text_width(t->headers[c]);
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = text_width(t->cells[i]);
                if (w > width[i % t->n_columns])
                        width[i % t->n_columns] = w;
        }
        for (size_t c = 0; c < t->n_columns; c++)
                fprintf(f, "%s%*s", t->headers[c],
                        c + 1 < t->n_columns ? (int)(width[c] - text_width(t->headers[c]) + 3) : 0,
                        "");
        fputc('\n', f);
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t c = i % t->n_columns;
                bool last = c + 1 == t->n_columns;

                fprintf(f, "%s%*s", t->cells[i],
                        rest_of_row_empty(t, i) ? 0 : (int)(width[c] - text_width(t->cells[i]) + 3),
                        "");
                if (last)
                        fputc('\n', f);
        }
        return 0;
}

void format_relative_time(char *buf, size_t n, uint64_t now, uint64_t then)
{
        static const struct {
                uint64_t usec;
                const char *unit;
        } units[] = {
            {86400ULL * 1000000 * 365, "year"}, {86400ULL * 1000000 * 7, "week"},
            {86400ULL * 1000000, "day"},        {3600ULL * 1000000, "hour"},
            {60ULL * 1000000, "minute"},        {1000000ULL, "second"},
        };
        uint64_t d;

        if (then == 0) {
                snprintf(buf, n, "-");
                return;
        }
        d = now > then ? now - then : 0;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (d >= units[i].usec) {
                        uint64_t k = d / units[i].usec;
                        snprintf(buf, n, "%" PRIu64 " %s%s ago", k, units[i].unit,
                                 k == 1 ? "" : "s");
                        return;
                }
        snprintf(buf, n, "just now");
}

void format_size(char *buf, size_t n, uint64_t bytes)
{
        static const char *const suffix[] = {"B", "kB", "MB", "GB", "TB"};
        double v = (double)bytes;
        size_t i = 0;

        while (v >= 1000.0 && i + 1 < ELEMENTSOF(suffix)) {
                v /= 1000.0;
                i++;
        }
        if (i == 0)
                snprintf(buf, n, "%" PRIu64 "B", bytes);
        else
                snprintf(buf, n, "%.3g%s", v, suffix[i]);
}
