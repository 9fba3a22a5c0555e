/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing of a registry's WWW-Authenticate challenge (RFC 7235 syntax). */

typedef enum AuthScheme {
        AUTH_SCHEME_NONE,
        AUTH_SCHEME_BASIC,
        AUTH_SCHEME_BEARER,
} AuthScheme;

typedef struct AuthChallenge {
        AuthScheme scheme;
        char *realm;
        char *service;
        char *scope;
} AuthChallenge;

void auth_challenge_done(AuthChallenge *c);

/* Picks the Bearer challenge if the header offers one, else Basic. Unknown
 * schemes are skipped; -EBADMSG for a value that is not a challenge list or
 * a Bearer challenge without realm. */
int www_authenticate_parse(const char *value, AuthChallenge *ret);
