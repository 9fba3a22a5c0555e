/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* A unit file as systemd reads it: named sections holding ordered Key=Value
 * assignments. Every assignment remembers the file and line it came from, so
 * that a message can point at it after drop-ins have been merged. */
typedef struct UnitEntry {
        const char *key;   /* in the UnitFile's arena */
        const char *value; /* in the UnitFile's arena */
        const char *file;  /* owned by UnitFile.files */
        unsigned line;
} UnitEntry;

typedef struct UnitSection {
        char *name;
        UnitEntry *entries;
        size_t n_entries, cap_entries;
} UnitSection;

typedef struct UnitFile {
        UnitSection *sections;
        size_t n_sections, cap_sections;
        char **files;    /* every file merged in, main file first */
        size_t n_parsed; /* assignments read, drop-ins included */
        /* Keys and values live in big blocks freed with the file: a boot
         * reads thousands of them, one malloc() each would dominate. */
        char **blocks;
        size_t n_blocks;
        char *free_ptr;
        size_t free_left;
} UnitFile;

/* Files larger than this are refused: a declaration is a few hundred bytes,
 * and a bound keeps a hostile file from costing the boot more than a read. */
#define UNIT_FILE_MAX (4U * 1024U * 1024U)
/* Assignments per declaration, drop-ins included: real files have tens;
 * the bound keeps every per-key pass over a hostile file cheap. */
#define UNIT_ASSIGNMENTS_MAX 8192U
/* systemd's bound on one logical line, continuations included. */
#define UNIT_LINE_MAX (1024U * 1024U)

UnitFile *unit_file_new(void);
void unit_file_free(UnitFile *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitFile *, unit_file_free);
#define _cleanup_unit_file_ _cleanup_(unit_file_freep)

/* Parses text (len bytes, may hold NULs, which are refused) and appends its
 * sections to u, as a drop-in merges into its unit. On a syntax error the
 * message names path and line, is logged, and -EBADMSG is returned. */
int unit_file_parse(UnitFile *u, const char *path, const char *text, size_t len);
int unit_file_load(UnitFile *u, const char *path);

UnitSection *unit_file_find_section(const UnitFile *u, const char *name);
UnitSection *unit_file_ensure_section(UnitFile *u, const char *name);
int unit_file_rename_section(UnitFile *u, const char *from, const char *to);
bool unit_file_has_key(const UnitFile *u, const char *section, const char *key);
/* The last assignment of key, or NULL. */
const UnitEntry *unit_file_last(const UnitFile *u, const char *section, const char *key);
const char *unit_file_lookup(const UnitFile *u, const char *section, const char *key);
/* Every value of key in order; an empty assignment empties the list so far,
 * as systemd does for list settings. Borrowed pointers. */
int unit_file_lookup_all(const UnitFile *u, const char *section, const char *key,
                         const UnitEntry ***ret, size_t *ret_n);

int unit_section_add(UnitFile *u, UnitSection *s, const char *key, const char *value,
                     const char *file, unsigned line);
/* Adds an assignment without copying its strings, which must outlive u
 * (another UnitFile's, say: a service built from its declaration). */
int unit_section_add_borrowed(UnitFile *u, UnitSection *s, const char *key, const char *value,
                              const char *file, unsigned line);
/* Replaces an entry's value (copied into u's arena). */
int unit_entry_set_value(UnitFile *u, UnitEntry *e, const char *value);
int unit_file_add(UnitFile *u, const char *section, const char *key, const char *value);
/* Inserts before every other assignment of the section. */
int unit_file_prepend(UnitFile *u, const char *section, const char *key, const char *value);
/* Drops every assignment of key. */
void unit_file_unset(UnitFile *u, const char *section, const char *key);
/* Sets key to value: replaces the existing assignments, or appends. */
int unit_file_set(UnitFile *u, const char *section, const char *key, const char *value);

/* Writes "[Section]\nKey=Value\n…" with a blank line between sections. */
void unit_file_serialize(const UnitFile *u, StrBuf *out);
