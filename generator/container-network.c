/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Network= and the keys of a container's place on a network. Without
 * Network= a container joins the default bridge network, as with Docker and
 * Podman. */
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "log.h"
#include "parse-util.h"

/* The keys that configure a container's place on a berth network. */
static const char *const network_keys[][2] = {
    {"PublishPort", "--publish"},  {"DNS", "--dns"},          {"DNSSearch", "--dns-search"},
    {"DNSOption", "--dns-option"}, {"AddHost", "--add-host"}, {"IP", "--ip"},
};

static char *unquote(const char *v)
{
        size_t n = strlen(v);

        if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
                return strndup(v + 1, n - 2);
        return strdup(v);
}

/* Network=app.network: the network that declaration creates, and its unit
 * first. An instance may exist only as its template. */
static int quadlet_network(ContainerBuild *c, const UnitEntry *e, const char *src, char **ret)
{
        _cleanup_free_ char *prefix = NULL, *instance = NULL, *tmpl = NULL;
        const Decl *n = generator_find_decl(c->g, src);

        if (!n && unit_name_split_instance(src, &prefix, &instance) && !isempty(instance)) {
                if (asprintf(&tmpl, "%s@.network", prefix) < 0)
                        return log_oom();
                n = generator_find_decl(c->g, tmpl);
        }
        if (!n || !n->unit)
                return decl_fail(c->g, c->d, e, "requested Quadlet network %s was not found", src);
        *ret = network_name_of(n, src);
        if (!*ret)
                return log_oom();
        return cb_require(c, e, src);
}

/* One Network= value as berth-runtime's --network. */
static int network_target(ContainerBuild *c, const UnitEntry *e, char **ret)
{
        _cleanup_free_ char *v = unquote(e->value);

        if (!v)
                return log_oom();
        if (streq(v, "none") || streq(v, "host") || streq(v, "bridge")) {
                *ret = TAKE_PTR(v);
                return 0;
        }
        /* Podman's word for a rootful container's own bridge namespace. */
        if (streq(v, "private"))
                return (*ret = strdup("bridge")) ? 0 : log_oom();
        if (decl_kind_from_filename(v) == DECL_NETWORK)
                return quadlet_network(c, e, v, ret);
        if (decl_kind_from_filename(v) == DECL_CONTAINER || strneq(v, "container:", 10))
                return decl_fail(c->g, c->d, e,
                                 "not supported by berth: Network=%s (joining another "
                                 "container's network namespace)",
                                 v);
        if (strneq(v, "ns:", 3))
                return decl_fail(c->g, c->d, e,
                                 "not supported by berth: Network=%s (joining a network "
                                 "namespace by path)",
                                 v);
        if (strneq(v, "slirp4netns", 11) || strneq(v, "pasta", 5))
                return decl_fail(c->g, c->d, e,
                                 "not supported by berth: Network=%s (a rootless podman mode; "
                                 "berth containers use bridge networks)",
                                 v);
        if (strchr(v, ':'))
                return decl_fail(c->g, c->d, e,
                                 "not supported by berth: network options in Network=%s (use "
                                 "IP= for a fixed address)",
                                 v);
        if (!network_name_valid(v))
                return decl_fail(c->g, c->d, e,
                                 "'%s' is not a network: use none, host, bridge, NAME.network or "
                                 "the name of a network",
                                 v);
        *ret = TAKE_PTR(v);
        return 0;
}

/* The Network= assignments in effect: an empty one resets the list, and
 * the same value twice (a drop-in repeating it) counts once. */
static int network_entries(ContainerBuild *c, const UnitEntry ***ret, size_t *ret_n)
{
        const UnitEntry **l = NULL;
        size_t n = 0, k = 0;

        if (unit_file_lookup_all(c->d->unit, "Container", "Network", &l, &n) < 0)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                bool dup = false;

                if (isempty(l[i]->value)) {
                        k = 0;
                        continue;
                }
                for (size_t j = 0; j < k && !dup; j++)
                        dup = streq(l[j]->value, l[i]->value);
                if (!dup)
                        l[k++] = l[i];
        }
        *ret = l;
        *ret_n = k;
        return 0;
}

int container_network(ContainerBuild *c)
{
        _cleanup_free_ const UnitEntry **nets = NULL;
        _cleanup_free_ char *target = NULL;
        const UnitEntry *first = NULL;
        size_t n = 0;
        int r;

        r = network_entries(c, &nets, &n);
        if (r < 0)
                return r;
        /* berth-runtime joins one network: a second one cannot be honoured
         * and silently dropping it would cut the container off from it. */
        if (n > 1)
                return decl_fail(c->g, c->d, nets[1],
                                 "berth joins one network per container: Network=%s and "
                                 "Network=%s (%s:%u) cannot both be honoured",
                                 nets[1]->value, nets[0]->value, strempty(nets[0]->file),
                                 nets[0]->line);
        if (n == 1) {
                r = network_target(c, nets[0], &target);
                if (r < 0)
                        return r;
        } else if (!(target = strdup("bridge")))
                return log_oom();

        if (streq(target, "none") || streq(target, "host")) {
                for (size_t i = 0; i < ELEMENTSOF(network_keys) && !first; i++)
                        first = unit_file_last(c->d->unit, "Container", network_keys[i][0]);
                if (first)
                        return decl_fail(c->g, c->d, first, "%s= needs a network, not Network=%s",
                                         first->key, target);
                return cb_arg2(c, "--network", target);
        }
        r = cb_arg2(c, "--network", target);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(network_keys); i++)
                r = cb_words(c, network_keys[i][0], SPLIT_EXEC, network_keys[i][1]);
        return r;
}
