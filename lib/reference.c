/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "macro.h"
#include "reference.h"

#define TAG_MAX 128

void reference_free(Reference *r)
{
        if (!r)
                return;
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        free(r);
}

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* */
static bool path_component_valid(const char *s, size_t n)
{
        size_t i = 0;

        if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
                return false;
        while (i < n) {
                if (is_lower_alnum(s[i])) {
                        i++;
                        continue;
                }
                /* a separator run, which must be followed by an alnum */
                if (s[i] == '.' || s[i] == '_') {
                        size_t run = 1;
                        if (s[i] == '_' && i + 1 < n && s[i + 1] == '_')
                                run = 2;
                        i += run;
                } else if (s[i] == '-') {
                        while (i < n && s[i] == '-')
                                i++;
                } else
                        return false;
                if (i >= n || !is_lower_alnum(s[i]))
                        return false;
        }
        return true;
}

static bool path_valid(const char *path)
{
        const char *p = path;

        for (;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);

                if (!path_component_valid(p, n))
                        return false;
                if (!slash)
                        return true;
                p = slash + 1;
        }
}

/* domain-component := [a-zA-Z0-9] ( [a-zA-Z0-9-]* [a-zA-Z0-9] )?; an optional
 * ":port"; IPv6 literals in brackets. */
static bool domain_valid(const char *d)
{
        const char *port = NULL, *host_end;

        if (d[0] == '[') {
                const char *close = strchr(d, ']');
                if (!close || close == d + 1)
                        return false;
                for (const char *c = d + 1; c < close; c++)
                        if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
                                return false;
                if (close[1] == ':')
                        port = close + 2;
                else if (close[1] != 0)
                        return false;
        } else {
                const char *colon = strchr(d, ':');
                host_end = colon ?: d + strlen(d);
                if (colon)
                        port = colon + 1;
                if (host_end == d)
                        return false;
                for (const char *c = d; c < host_end;) {
                        const char *dot = memchr(c, '.', host_end - c);
                        const char *e = dot ?: host_end;

                        if (e == c || !isalnum((unsigned char)c[0]) ||
                            !isalnum((unsigned char)e[-1]))
                                return false;
                        for (const char *x = c; x < e; x++)
                                if (!isalnum((unsigned char)*x) && *x != '-')
                                        return false;
                        c = dot ? dot + 1 : host_end;
                        if (dot && c == host_end)
                                return false;
                }
        }
        if (port) {
                size_t n = strlen(port);
                if (n == 0 || n > 5 || strspn(port, "0123456789") != n)
                        return false;
        }
        return true;
}

static bool tag_valid(const char *t)
{
        size_t n = strlen(t);

        if (n == 0 || n > TAG_MAX)
                return false;
        if (!isalnum((unsigned char)t[0]) && t[0] != '_')
                return false;
        for (size_t i = 1; i < n; i++)
                if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
                        return false;
        return true;
}

/* Docker also takes a first component with uppercase letters for a domain,
 * since a repository path can't have them. */
static bool looks_like_domain(const char *s, size_t n)
{
        if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && strneq(s, "localhost", 9)) ||
            s[0] == '[')
                return true;
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

int reference_parse(const char *s, Reference **ret)
{
        _cleanup_(reference_freep) Reference *r = NULL;
        _cleanup_free_ char *copy = NULL;
        char *at, *name, *slash, *colon;

        if (isempty(s) || strlen(s) > 4096)
                return -EINVAL;
        copy = strdup(s);
        r = calloc(1, sizeof(*r));
        if (!copy || !r)
                return -ENOMEM;

        at = strchr(copy, '@');
        if (at) {
                *at = 0;
                if (!digest_is_valid(at + 1))
                        return -EINVAL;
                r->digest = strdup(at + 1);
                if (!r->digest)
                        return -ENOMEM;
        }

        name = copy;
        /* A tag is after the last ':' that comes after the last '/', so a
         * registry port is never taken for a tag. */
        slash = strrchr(name, '/');
        colon = strrchr(slash ?: name, ':');
        if (colon) {
                *colon = 0;
                if (!tag_valid(colon + 1))
                        return -EINVAL;
                r->tag = strdup(colon + 1);
                if (!r->tag)
                        return -ENOMEM;
        }

        slash = strchr(name, '/');
        if (slash && looks_like_domain(name, slash - name)) {
                r->domain = strndup(name, slash - name);
                r->path = strdup(slash + 1);
        } else {
                r->domain = strdup(REFERENCE_DEFAULT_DOMAIN);
                r->path = strdup(name);
        }
        if (!r->domain || !r->path)
                return -ENOMEM;

        if (streq(r->domain, "index.docker.io")) {
                free(r->domain);
                r->domain = strdup(REFERENCE_DEFAULT_DOMAIN);
                if (!r->domain)
                        return -ENOMEM;
        }
        if (!domain_valid(r->domain) || !path_valid(r->path))
                return -EINVAL;

        if (streq(r->domain, REFERENCE_DEFAULT_DOMAIN) && !strchr(r->path, '/')) {
                char *p;
                /* A bare 64-hex name would be mistaken for an image id. */
                if (strlen(r->path) == 64 && strspn(r->path, "0123456789abcdef") == 64)
                        return -EINVAL;
                if (asprintf(&p, "library/%s", r->path) < 0)
                        return -ENOMEM;
                free(r->path);
                r->path = p;
        }
        if (strlen(r->domain) + 1 + strlen(r->path) > REFERENCE_NAME_MAX)
                return -EINVAL;

        *ret = TAKE_PTR(r);
        return 0;
}

int reference_normalise(Reference *r)
{
        if (r->tag || r->digest)
                return 0;
        r->tag = strdup(REFERENCE_DEFAULT_TAG);
        return r->tag ? 0 : -ENOMEM;
}

char *reference_name(const Reference *r)
{
        char *s;

        if (asprintf(&s, "%s/%s", r->domain, r->path) < 0)
                return NULL;
        return s;
}

char *reference_string(const Reference *r)
{
        char *s;

        if (asprintf(&s, "%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", strempty(r->tag),
                     r->digest ? "@" : "", strempty(r->digest)) < 0)
                return NULL;
        return s;
}

int reference_normalise_string(const char *s, char **ret)
{
        _cleanup_(reference_freep) Reference *r = NULL;
        char *str;
        int k;

        k = reference_parse(s, &r);
        if (k < 0)
                return k;
        k = reference_normalise(r);
        if (k < 0)
                return k;
        str = reference_string(r);
        if (!str)
                return -ENOMEM;
        *ret = str;
        return 0;
}
