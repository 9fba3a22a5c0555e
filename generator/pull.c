/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "generator.h"
#include "log.h"
#include "split.h"

static const char *const policy_names[_PULL_POLICY_MAX] = {
    [PULL_NEVER] = "never",
    [PULL_MISSING] = "missing",
    [PULL_NEWER] = "newer",
    [PULL_ALWAYS] = "always",
};

PullPolicy pull_policy_from_string(const char *s)
{
        for (int i = 0; i < _PULL_POLICY_MAX; i++)
                if (streq(s, policy_names[i]))
                        return (PullPolicy)i;
        return _PULL_POLICY_INVALID;
}

const char *pull_policy_to_string(PullPolicy p)
{
        return p >= 0 && p < _PULL_POLICY_MAX ? policy_names[p] : NULL;
}

static uint64_t fnv1a(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a: a name, not a secret */

        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                h = (h ^ *p) * 0x100000001b3ULL;
        return h;
}

/* "berth-pull-docker.io-library-nginx_1.25-3f2a…": the reference made a
 * readable unit name, plus a hash of it, since the readable part is not
 * unique ("a/b" and "a-b" read the same). */
static char *pull_unit_name(const char *image)
{
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        size_t n = 0;

        strbuf_append(&b, "berth-pull-");
        for (const unsigned char *p = (const unsigned char *)image; *p && n < 120; p++, n++) {
                bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                            (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-';
                /* ":" is valid in unit names, but tools taking paths trip on it. */
                strbuf_putc(&b, keep ? (char)*p : *p == ':' ? '_' : '-');
        }
        strbuf_printf(&b, "-%016" PRIx64 ".service", fnv1a(image));
        return strbuf_steal(&b);
}

/* The slot of image in the index: where it is, or the free one where it
 * would go. The table is kept at most half full. */
static size_t pull_slot(const Generator *g, const char *image)
{
        size_t mask = g->n_pull_slots - 1;

        for (size_t i = fnv1a(image) & mask;; i = (i + 1) & mask) {
                size_t v = g->pull_slots[i];
                if (v == 0 || streq(g->pulls[v - 1].image, image))
                        return i;
        }
}

static int pull_index_grow(Generator *g)
{
        size_t n = g->n_pull_slots ? g->n_pull_slots * 2 : 64;
        size_t *old = g->pull_slots;

        g->pull_slots = calloc(n, sizeof(size_t));
        if (!g->pull_slots) {
                g->pull_slots = old;
                return -ENOMEM;
        }
        g->n_pull_slots = n;
        for (size_t i = 0; i < g->n_pulls; i++)
                g->pull_slots[pull_slot(g, g->pulls[i].image)] = i + 1;
        free(old);
        return 0;
}

int pull_unit_request(Generator *g, const char *image, PullPolicy policy, const char **ret_unit)
{
        PullUnit *p;
        size_t slot;

        if ((g->n_pulls + 1) * 2 > g->n_pull_slots && pull_index_grow(g) < 0)
                return -ENOMEM;
        slot = pull_slot(g, image);
        if (g->pull_slots[slot] != 0) {
                p = &g->pulls[g->pull_slots[slot] - 1];
                /* Containers sharing an image share its pull: the most
                 * eager policy among them wins. */
                if ((int)policy > p->policy)
                        p->policy = policy;
                *ret_unit = p->unit_name;
                return 0;
        }
        if (g->n_pulls == g->cap_pulls) {
                size_t c = g->cap_pulls ? g->cap_pulls * 2 : 16;
                p = reallocarray(g->pulls, c, sizeof(PullUnit));
                if (!p)
                        return -ENOMEM;
                g->pulls = p;
                g->cap_pulls = c;
        }
        p = &g->pulls[g->n_pulls];
        *p = (PullUnit){
            .image = strdup(image), .unit_name = pull_unit_name(image), .policy = policy};
        if (!p->image || !p->unit_name) {
                free(p->image);
                free(p->unit_name);
                return -ENOMEM;
        }
        g->pull_slots[slot] = ++g->n_pulls;
        *ret_unit = p->unit_name;
        return 0;
}

void pull_exec_start(const Generator *g, StrBuf *b, const char *image, PullPolicy policy)
{
        escape_word(b, g->berthctl_path);
        strbuf_append(b, " pull --retry-unreachable --policy=");
        strbuf_append(b, pull_policy_to_string(policy));
        strbuf_putc(b, ' ');
        escape_word(b, image);
}

int pull_units_emit(Generator *g)
{
        for (size_t i = 0; i < g->n_pulls; i++) {
                const PullUnit *p = &g->pulls[i];
                _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
                _cleanup_strbuf_ StrBuf img = STRBUF_INIT;

                escape_word(&img, p->image);
                /* No start timeout and after the network: a slow registry at
                 * boot delays the container instead of failing it. berthctl
                 * retries while the registry cannot be reached at all (in
                 * the process: systemd 252 fails the waiting container's job
                 * on a oneshot's first failure even when it restarts), and
                 * fails with the registry's reason on any other error. */
                /* Appends, not printf: hundreds of these are written at boot. */
                strbuf_append(&b, "# Generated by berth-generator\n"
                                  "[Unit]\n"
                                  "Description=Pull image ");
                strbuf_append(&b, img.s);
                strbuf_append(&b, " for berth containers\n"
                                  "Wants=network-online.target\n"
                                  "After=network-online.target\n"
                                  "RequiresMountsFor=");
                strbuf_append(&b, g->state_dir);
                strbuf_append(&b, "\n"
                                  "\n"
                                  "[Service]\n"
                                  "Type=oneshot\n"
                                  "RemainAfterExit=yes\n"
                                  "TimeoutStartSec=infinity\n"
                                  "SyslogIdentifier=berth-pull\n"
                                  "ExecStart=");
                pull_exec_start(g, &b, p->image, (PullPolicy)p->policy);
                strbuf_putc(&b, '\n');
                if (strbuf_failed(&b) || generator_add_unit(g, p->unit_name, strbuf_steal(&b)) < 0)
                        return log_oom();
        }
        return 0;
}
