/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A registry's WWW-Authenticate header value. A Bearer challenge that parses
 * must name a realm (the client fetches a token from it). */
#include "fuzz.h"
#include "www-authenticate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        AuthChallenge c = {0};
        char *s = fuzz_string(data, size);

        if (www_authenticate_parse(s, &c) >= 0) {
                if (c.scheme == AUTH_SCHEME_BEARER)
                        fuzz_assert(c.realm && *c.realm);
                auth_challenge_done(&c);
        }
        free(s);
        return 0;
}
