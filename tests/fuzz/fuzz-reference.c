/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image references. What parses normalises to a string that parses again to
 * the same reference (names are stored in refs.json and looked up again). */
#include "fuzz.h"
#include "macro.h"
#include "reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Reference *r = NULL, *again = NULL;
        char *s = fuzz_string(data, size), *str = NULL, *str2 = NULL, *name = NULL;

        if (reference_parse(s, &r) >= 0) {
                fuzz_assert(r->domain && r->path);
                name = reference_name(r);
                fuzz_assert(name);
                fuzz_assert(reference_normalise(r) >= 0);
                fuzz_assert(r->tag || r->digest);
                str = reference_string(r);
                fuzz_assert(str);
                fuzz_assert(reference_parse(str, &again) >= 0);
                fuzz_assert(streq(again->domain, r->domain) && streq(again->path, r->path));
                fuzz_assert(reference_normalise_string(str, &str2) >= 0);
                fuzz_assert(streq(str, str2));
        }
        reference_free(r);
        reference_free(again);
        free(s);
        free(str);
        free(str2);
        free(name);
        return 0;
}
