/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the fuzz targets (tests/fuzz/fuzz-*.c). Each target is built two
 * ways: with libFuzzer (clang, tools/fuzz.sh) and with driver.c, which
 * replays the saved corpus in the unit suite. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test must keep: abort() so that libFuzzer saves
 * the input and the replay test fails, whichever build runs it. */
#define fuzz_assert(expr)                                                                          \
        do {                                                                                       \
                if (!(expr)) {                                                                     \
                        fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", __FILE__, __LINE__,  \
                                #expr);                                                            \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* The input as a C string (it ends at its first NUL, as a string from a file
 * or a header would). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* Splits the input at NUL bytes into at most n strings, for targets that take
 * several inputs; missing parts are NULL. The strings point into *buf, which
 * the caller frees. Returns the number of parts found. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char **buf, char **parts,
                                size_t n)
{
        size_t k = 0;
        char *s = fuzz_string(data, size);
        char *end = s + size;

        *buf = s;
        for (size_t i = 0; i < n; i++)
                parts[i] = NULL;
        for (char *p = s; k < n && p <= end; p += strlen(p) + 1)
                parts[k++] = p;
        return k;
}

/* Seeds may start with a line "#! accept" or "#! refuse [TEXT]": the outcome
 * the hostile-case list expects (TEXT: part of the error message). The line
 * is never part of the input; the outcome is checked only when
 * BERTH_FUZZ_EXPECT is set (the replay test), since mutations change it. */
typedef struct FuzzExpect {
        enum { FUZZ_EXPECT_NONE, FUZZ_EXPECT_ACCEPT, FUZZ_EXPECT_REFUSE } kind;
        char text[256];
} FuzzExpect;

/* Returns the number of bytes of the header line to skip. */
static inline size_t fuzz_expect_parse(const uint8_t *data, size_t size, FuzzExpect *e)
{
        const uint8_t *nl;
        size_t n;

        *e = (FuzzExpect){};
        if (size < 3 || memcmp(data, "#! ", 3) != 0)
                return 0;
        nl = memchr(data, '\n', size);
        n = nl ? (size_t)(nl - data) : size;
        if (getenv("BERTH_FUZZ_EXPECT")) {
                if (n >= 9 && memcmp(data + 3, "accept", 6) == 0)
                        e->kind = FUZZ_EXPECT_ACCEPT;
                else if (n >= 9 && memcmp(data + 3, "refuse", 6) == 0) {
                        e->kind = FUZZ_EXPECT_REFUSE;
                        if (n > 10)
                                snprintf(e->text, sizeof(e->text), "%.*s", (int)(n - 10),
                                         (const char *)data + 10);
                }
        }
        return nl ? n + 1 : n;
}

static inline void fuzz_expect_check(const FuzzExpect *e, int accepted, const char *message)
{
        if (e->kind == FUZZ_EXPECT_ACCEPT && !accepted) {
                fprintf(stderr, "expected to be accepted, refused: %s\n", message ? message : "");
                abort();
        }
        if (e->kind == FUZZ_EXPECT_REFUSE &&
            (accepted || (e->text[0] && (!message || !strstr(message, e->text))))) {
                fprintf(stderr, "expected a refusal with \"%s\", got: %s\n", e->text,
                        accepted  ? "accepted"
                        : message ? message
                                  : "(no message)");
                abort();
        }
}

/* A directory of its own under $TMPDIR (or /tmp) for targets that write
 * files, made once per process. */
char *fuzz_tmpdir(const char *what);
/* Removes everything below path (not path itself). */
int fuzz_empty_dir(const char *path);
/* Number of entries in a directory, -1 if it cannot be read. */
int fuzz_count_entries(const char *path);
