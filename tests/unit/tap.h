/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Minimal checks for C unit tests: a failed check prints where and exits 1,
 * so meson reports the test as failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(expr)                                                                                \
        do {                                                                                       \
                if (!(expr)) {                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr);   \
                        exit(1);                                                                   \
                }                                                                                  \
        } while (0)

#define CHECK_STREQ(a, b)                                                                          \
        do {                                                                                       \
                const char *_a = (a), *_b = (b);                                                   \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                           \
                        fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,           \
                                _a ? _a : "(null)", _b ? _b : "(null)");                           \
                        exit(1);                                                                   \
                }                                                                                  \
        } while (0)

#define CHECK_INT(a, b)                                                                            \
        do {                                                                                       \
                long long _a = (a), _b = (b);                                                      \
                if (_a != _b) {                                                                    \
                        fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
                                #a, _a, _b);                                                       \
                        exit(1);                                                                   \
                }                                                                                  \
        } while (0)
