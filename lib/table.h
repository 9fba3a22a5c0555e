/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Listings: an aligned table for people, or (--json) an array of objects
 * with the same columns for programs. Column keys double as JSON keys. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Table Table;

/* headers: "CONTAINER ID", ...; keys: "id", ... (same count, NULL-terminated) */
int table_new(const char *const *headers, const char *const *keys, Table **ret);
void table_free(Table *t);
static inline void table_freep(Table **t)
{
        if (*t)
                table_free(*t);
}
/* One cell per column: the text shown, and the JSON value (owned by the
 * table; NULL: the text as a string). */
int table_add_cell(Table *t, const char *text, json_t *value);
/* Prints and returns 0. Cells are padded to the widest in their column. */
int table_print(Table *t, FILE *f, bool json);

/* "3 minutes ago"; now and then in µs since the epoch */
void format_relative_time(char *buf, size_t n, uint64_t now, uint64_t then);
/* "1.2MB", base 1000 like docker */
void format_size(char *buf, size_t n, uint64_t bytes);
