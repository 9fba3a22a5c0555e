/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NAME.network → NAME-network.service: a oneshot running berth-netns create
 * with the declaration's keys. Values are checked here for their form, so
 * that a typo fails at daemon-reload naming the line; berth-netns checks
 * what needs the other networks (overlaps, gateway inside the subnet). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "names.h"
#include "parse-util.h"
#include "split.h"
#include "strv.h"

#define PODMAN "it configures podman"

static const KeyInfo network_keys[] = {
    {"NetworkName", KEY_SUPPORTED, NULL},
    {"ServiceName", KEY_SUPPORTED, NULL},
    {"Driver", KEY_SUPPORTED, NULL}, /* bridge only, checked by value */
    {"Subnet", KEY_SUPPORTED, NULL},
    {"Gateway", KEY_SUPPORTED, NULL},
    {"IPRange", KEY_SUPPORTED, NULL},
    {"Internal", KEY_SUPPORTED, NULL},
    {"Options", KEY_SUPPORTED, NULL}, /* mtu=N only, checked by value */
    {"Label", KEY_SUPPORTED, NULL},
    {"DNS", KEY_SUPPORTED, NULL},
    {"InterfaceName", KEY_SUPPORTED, NULL},
    {"IPv6", KEY_SUPPORTED, NULL},       /* false only, checked by value */
    {"IPAMDriver", KEY_SUPPORTED, NULL}, /* host-local only, checked by value */
    {"DisableDNS", KEY_SUPPORTED, NULL}, /* nothing to disable, see below */
    {"NetworkDeleteOnStop", KEY_SUPPORTED, NULL},
    {"ContainersConfModule", KEY_UNSUPPORTED, PODMAN},
    {"GlobalArgs", KEY_UNSUPPORTED, "it passes podman command-line options"},
    {"PodmanArgs", KEY_UNSUPPORTED, "it passes podman command-line options"},
    {NULL, 0, NULL},
};

char *network_name_of(const Decl *d, const char *as_named)
{
        _cleanup_free_ char *nn = NULL, *prefix = NULL, *instance = NULL;
        const char *f = as_named ?: d->filename;
        char *s = NULL;

        if (decl_get_string(d, "NetworkName", &nn, NULL) < 0)
                return NULL;
        if (!isempty(nn))
                return TAKE_PTR(nn);
        /* Quadlet's names: "systemd-app" for app.network, and each instance
         * of "app@.network" its own "systemd-app-INSTANCE". */
        if (unit_name_split_instance(f, &prefix, &instance)) {
                if (asprintf(&s, "systemd-%s-%s", prefix, isempty(instance) ? "%i" : instance) < 0)
                        return NULL;
                return s;
        }
        if (asprintf(&s, "systemd-%.*s", (int)(strlen(f) - strlen(".network")), f) < 0)
                return NULL;
        return s;
}

bool network_name_valid(const char *n)
{
        /* berth-netns's rule, plus % for specifiers systemd expands */
        return object_name_is_valid(n, NETWORK_NAME_MAX, "%") && !network_name_is_reserved(n);
}

static bool ipv4_valid(const char *s)
{
        struct in_addr a;

        return inet_pton(AF_INET, s, &a) == 1;
}

bool ip_address_valid(const char *s)
{
        struct in6_addr a;

        return ipv4_valid(s) || inet_pton(AF_INET6, s, &a) == 1;
}

static bool ipv4_cidr_valid(const char *s)
{
        const char *slash = strchr(s, '/');
        _cleanup_free_ char *a = NULL;
        uint32_t n;

        if (!slash)
                return false;
        a = strndup(s, slash - s);
        return a && ipv4_valid(a) && parse_uint32(slash + 1, &n) >= 0 && n <= 32;
}

static bool ipv4_range_valid(const char *s)
{
        const char *dash = strchr(s, '-');
        _cleanup_free_ char *a = NULL;

        if (!dash)
                return ipv4_cidr_valid(s);
        a = strndup(s, dash - s);
        return a && ipv4_valid(a) && ipv4_valid(dash + 1);
}

static int lookup(Decl *d, const char *key, const UnitEntry ***ret, size_t *n)
{
        return unit_file_lookup_all(d->unit, "Network", key, ret, n) < 0 ? log_oom() : 0;
}

/* Subnet=, Gateway=, IPRange=: Quadlet pairs them by position, berth
 * networks have one subnet, so one of each. */
static int addressing(Generator *g, Decl *d, StrBuf *b)
{
        _cleanup_free_ const UnitEntry **sub = NULL, **gw = NULL, **range = NULL;
        size_t n_sub = 0, n_gw = 0, n_range = 0;

        if (lookup(d, "Subnet", &sub, &n_sub) < 0 || lookup(d, "Gateway", &gw, &n_gw) < 0 ||
            lookup(d, "IPRange", &range, &n_range) < 0)
                return -ENOMEM;
        if (n_sub == 0 && (n_gw > 0 || n_range > 0))
                return decl_fail(g, d, n_gw > 0 ? gw[0] : range[0],
                                 "cannot set gateway or range without subnet");
        if (n_gw > n_sub)
                return decl_fail(g, d, gw[n_sub], "cannot set more gateways than subnets");
        if (n_range > n_sub)
                return decl_fail(g, d, range[n_sub], "cannot set more ranges than subnets");
        if (n_sub > 1)
                return decl_fail(g, d, sub[1],
                                 "not supported by berth: a second subnet (a berth network has "
                                 "one IPv4 subnet)");
        if (n_sub == 0)
                return 0;
        if (strchr(sub[0]->value, ':'))
                return decl_fail(g, d, sub[0],
                                 "not supported by berth: IPv6 subnet '%s' (berth networks are "
                                 "IPv4 only)",
                                 sub[0]->value);
        if (!ipv4_cidr_valid(sub[0]->value))
                return decl_fail(g, d, sub[0], "'%s' is not an IPv4 subnet A.B.C.D/N",
                                 sub[0]->value);
        exec_append_opt(b, "--subnet", sub[0]->value);
        if (n_gw > 0) {
                if (!ipv4_valid(gw[0]->value))
                        return decl_fail(g, d, gw[0], "'%s' is not an IPv4 address", gw[0]->value);
                exec_append_opt(b, "--gateway", gw[0]->value);
        }
        if (n_range > 0) {
                if (!ipv4_range_valid(range[0]->value))
                        return decl_fail(g, d, range[0],
                                         "'%s' is not an IPv4 range A.B.C.D/N or A.B.C.D-E.F.G.H",
                                         range[0]->value);
                exec_append_opt(b, "--ip-range", range[0]->value);
        }
        return 0;
}

/* A key whose only honourable value is def (or empty): Driver=bridge. */
static int only_value(Generator *g, Decl *d, const char *key, const char *def, const char *why)
{
        _cleanup_free_ char *v = NULL;
        const UnitEntry *e;

        if (decl_get_string(d, key, &v, &e) < 0)
                return log_oom();
        if (!isempty(v) && !streq(v, def))
                return decl_fail(g, d, e, "not supported by berth: %s %s (%s)", key, v, why);
        return 0;
}

static int settings(Generator *g, Decl *d, StrBuf *b)
{
        _cleanup_strv_free_ char **options = NULL, **labels = NULL, **dns = NULL;
        _cleanup_free_ char *ifname = NULL;
        const UnitEntry *e;
        int r;

        if (decl_get_string(d, "InterfaceName", &ifname, &e) < 0)
                return log_oom();
        if (!isempty(ifname)) {
                /* berth-netns's rule for interface names */
                if (!object_name_is_valid(ifname, 15, NULL))
                        return decl_fail(g, d, e,
                                         "'%s' is not an interface name: 1-15 characters of "
                                         "[A-Za-z0-9_.-]",
                                         ifname);
                exec_append_opt(b, "--interface-name", ifname);
        }

        r = decl_get_bool(g, d, "Internal", 0);
        if (r < 0)
                return r;
        if (r > 0)
                exec_append_arg(b, "--internal");

        r = decl_get_words(g, d, "Options", SPLIT_EXEC, &options);
        if (r < 0)
                return r;
        e = unit_file_last(d->unit, "Network", "Options");
        STRV_FOREACH (o, options) {
                uint32_t mtu;

                if (!strneq(*o, "mtu=", 4))
                        return decl_fail(g, d, e,
                                         "not supported by berth: option '%s' (berth supports "
                                         "mtu=N)",
                                         *o);
                if (parse_uint32(*o + 4, &mtu) < 0 || mtu < 68 || mtu > 65535)
                        return decl_fail(g, d, e, "'%s': the MTU must be 68-65535", *o);
                exec_append_opt(b, "--option", *o);
        }

        r = decl_get_words(g, d, "Label", SPLIT_EXEC, &labels);
        if (r < 0)
                return r;
        STRV_FOREACH (l, labels) {
                if (!strchr(*l, '=') || (*l)[0] == '=')
                        return decl_fail(g, d, unit_file_last(d->unit, "Network", "Label"),
                                         "'%s' is not KEY=VALUE", *l);
                exec_append_opt(b, "--label", *l);
        }

        r = decl_get_words(g, d, "DNS", SPLIT_EXEC, &dns);
        if (r < 0)
                return r;
        STRV_FOREACH (s, dns) {
                if (!ip_address_valid(*s))
                        return decl_fail(g, d, unit_file_last(d->unit, "Network", "DNS"),
                                         "'%s' is not an IP address", *s);
                exec_append_opt(b, "--dns", *s);
        }
        return 0;
}

static int refusals(Generator *g, Decl *d)
{
        int r;

        r = decl_check_keys(g, d, network_keys);
        if (r < 0)
                return r;
        if (only_value(g, d, "Driver", "bridge", "berth networks are bridges") < 0 ||
            only_value(g, d, "IPAMDriver", "host-local",
                       "berth hands out addresses from the subnet itself") < 0)
                return -EINVAL;
        r = decl_get_bool(g, d, "IPv6", 0);
        if (r < 0)
                return r;
        if (r > 0)
                return decl_fail(g, d, unit_file_last(d->unit, "Network", "IPv6"),
                                 "not supported by berth: IPv6 networks (berth networks are IPv4 "
                                 "only)");
        /* Podman's DisableDNS= turns off its DNS server; berth runs none
         * (names are in each container's /etc/hosts), so there is nothing
         * to turn off, and the containers use the host's servers anyway. */
        r = decl_get_bool(g, d, "DisableDNS", 0);
        if (r < 0)
                return r;
        if (r > 0)
                decl_warn(d, unit_file_last(d->unit, "Network", "DisableDNS"),
                          "berth runs no DNS server for its networks, ignoring");
        return 0;
}

int convert_network(Generator *g, Decl *d)
{
        _cleanup_unit_file_ UnitFile *service = NULL;
        _cleanup_free_ char *name = NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT, stop = STRBUF_INIT;
        int r;

        r = refusals(g, d);
        if (r < 0)
                return r;
        name = network_name_of(d, NULL);
        if (!name)
                return log_oom();
        if (!network_name_valid(name))
                return decl_fail(g, d, unit_file_last(d->unit, "Network", "NetworkName"),
                                 "'%s' is not a valid network name: at most 64 characters of "
                                 "[A-Za-z0-9_.-], not bridge, host, none, default, private, "
                                 "container or ns",
                                 name);

        escape_word(&b, g->netns_path);
        strbuf_append(&b, " create");
        exec_append_arg(&b, name);
        r = addressing(g, d, &b);
        if (r >= 0)
                r = settings(g, d, &b);
        if (r < 0)
                return r;
        r = decl_get_bool(g, d, "NetworkDeleteOnStop", 0);
        if (r < 0)
                return r;
        if (r > 0) {
                escape_word(&stop, g->netns_path);
                strbuf_append(&stop, " remove");
                exec_append_arg(&stop, name);
        }

        r = service_init(g, d, &service);
        if (r < 0)
                return r;
        /* Defaults only: a declaration may say Type=exec, as in Quadlet. */
        if ((!unit_file_has_key(service, "Service", "Type") &&
             unit_file_set(service, "Service", "Type", "oneshot") < 0) ||
            (!unit_file_has_key(service, "Service", "RemainAfterExit") &&
             unit_file_set(service, "Service", "RemainAfterExit", "yes") < 0) ||
            (!unit_file_has_key(service, "Service", "SyslogIdentifier") &&
             unit_file_set(service, "Service", "SyslogIdentifier", "%N") < 0))
                return log_oom();
        if (strbuf_failed(&b) || strbuf_failed(&stop) ||
            unit_file_add(service, "Service", "ExecStart", b.s) < 0 ||
            (stop.s && unit_file_add(service, "Service", "ExecStopPost", stop.s) < 0) ||
            unit_file_add(service, "Unit", "RequiresMountsFor", g->state_dir) < 0)
                return log_oom();
        return service_finish(g, d, service);
}
