/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "www-authenticate.h"

#define CHALLENGE_MAX 8192

void auth_challenge_done(AuthChallenge *c)
{
        free(c->realm);
        free(c->service);
        free(c->scope);
        *c = (AuthChallenge){};
}

static bool is_tchar(char c)
{
        return c && (isalnum((unsigned char)c) || strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ws(const char **p)
{
        while (**p == ' ' || **p == '\t')
                (*p)++;
}

static size_t token_len(const char *p)
{
        size_t n = 0;

        while (is_tchar(p[n]))
                n++;
        return n;
}

/* A quoted-string or a token (token68 included: trailing '=' allowed). */
static int parse_value(const char **p, char **ret)
{
        const char *s = *p;
        char *out, *o;

        if (*s != '"') {
                size_t n = token_len(s);
                while (s[n] == '=' || s[n] == '/')
                        n++;
                if (n == 0)
                        return -EBADMSG;
                *ret = strndup(s, n);
                *p = s + n;
                return *ret ? 0 : -ENOMEM;
        }
        out = o = malloc(strlen(s));
        if (!out)
                return -ENOMEM;
        for (s++; *s != '"'; s++) {
                if (*s == '\\' && s[1])
                        s++;
                if (*s == 0 || (unsigned char)*s < 0x20) {
                        free(out);
                        return -EBADMSG;
                }
                *o++ = *s;
        }
        *o = 0;
        *p = s + 1;
        *ret = out;
        return 0;
}

int www_authenticate_parse(const char *value, AuthChallenge *ret)
{
        AuthChallenge best = {}, cur = {};
        const char *p = value;
        int r = 0;

        if (!value || strlen(value) > CHALLENGE_MAX)
                return -EBADMSG;
        for (;;) {
                size_t n;

                skip_ws(&p);
                while (*p == ',') {
                        p++;
                        skip_ws(&p);
                }
                if (*p == 0)
                        break;
                n = token_len(p);
                if (n == 0) {
                        r = -EBADMSG;
                        break;
                }
                /* A token followed by '=' is a parameter of the current
                 * challenge; otherwise it starts a new challenge. */
                const char *after = p + n;
                skip_ws(&after);
                if (*after == '=') {
                        _cleanup_free_ char *key = strndup(p, n), *val = NULL;
                        char **slot = NULL;

                        if (!key) {
                                r = -ENOMEM;
                                break;
                        }
                        p = after + 1;
                        skip_ws(&p);
                        r = parse_value(&p, &val);
                        if (r < 0)
                                break;
                        if (strcasecmp(key, "realm") == 0)
                                slot = &cur.realm;
                        else if (strcasecmp(key, "service") == 0)
                                slot = &cur.service;
                        else if (strcasecmp(key, "scope") == 0)
                                slot = &cur.scope;
                        if (slot) {
                                free(*slot);
                                *slot = TAKE_PTR(val);
                        }
                        continue;
                }
                /* new challenge: keep the better of the previous ones */
                if (cur.scheme > best.scheme) {
                        auth_challenge_done(&best);
                        best = cur;
                } else
                        auth_challenge_done(&cur);
                cur = (AuthChallenge){};
                if (n == 5 && strncasecmp(p, "basic", 5) == 0)
                        cur.scheme = AUTH_SCHEME_BASIC;
                else if (n == 6 && strncasecmp(p, "bearer", 6) == 0)
                        cur.scheme = AUTH_SCHEME_BEARER;
                p += n;
        }
        if (cur.scheme > best.scheme) {
                auth_challenge_done(&best);
                best = cur;
        } else
                auth_challenge_done(&cur);
        if (r >= 0 && best.scheme == AUTH_SCHEME_NONE)
                r = -EBADMSG;
        if (r >= 0 && best.scheme == AUTH_SCHEME_BEARER && isempty(best.realm))
                r = -EBADMSG;
        if (r < 0) {
                auth_challenge_done(&best);
                return r;
        }
        *ret = best;
        return 0;
}
