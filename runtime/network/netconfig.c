/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "network-internal.h"
#include "parse-util.h"
#include "strv.h"

bool interface_name_is_valid(const char *name)
{
        /* IFNAMSIZ - 1; and the name ends up in nftables scripts verbatim. */
        return object_name_is_valid(name, 15, NULL);
}

void network_free(Network *n)
{
        free(n->name);
        free(n->interface);
        strv_free(n->dns);
        strv_free(n->labels);
        free(n);
}

static int default_network(NetworkContext *ctx, Network **ret)
{
        _cleanup_(network_freep) Network *n = calloc(1, sizeof(Network));

        if (!n)
                return -ENOMEM;
        if (ipv4_subnet_parse(ctx->default_subnet, &n->subnet) < 0 || n->subnet.prefixlen > 30)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid DefaultSubnet=%s",
                                       ctx->default_subnet);
        n->name = strdup(NETWORK_DEFAULT_NAME);
        n->interface = strdup(ctx->default_interface);
        if (!n->name || !n->interface)
                return -ENOMEM;
        n->gateway = n->subnet.addr + 1;
        n->range_start = n->subnet.addr + 1;
        n->range_end = ipv4_subnet_broadcast(&n->subnet) - 1;
        *ret = TAKE_PTR(n);
        return 0;
}

static int json_strv(json_t *arr, char ***ret)
{
        size_t i;
        json_t *v;

        if (!arr)
                return 0;
        if (!json_is_array(arr))
                return -EBADMSG;
        json_array_foreach(arr, i, v)
        {
                if (!json_is_string(v) || strv_extend(ret, json_string_value(v)) < 0)
                        return json_is_string(v) ? -ENOMEM : -EBADMSG;
        }
        return 0;
}

static int network_from_json(json_t *j, Network **ret)
{
        _cleanup_(network_freep) Network *n = calloc(1, sizeof(Network));
        const char *name, *iface, *subnet, *gw, *start, *end;
        json_int_t mtu = 0;
        int internal = 0;

        if (!n)
                return -ENOMEM;
        if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:s, s:s, s?b, s?I}", "name", &name, "interface",
                        &iface, "subnet", &subnet, "gateway", &gw, "range_start", &start,
                        "range_end", &end, "internal", &internal, "mtu", &mtu) < 0)
                return -EBADMSG;
        n->name = strdup(name);
        n->interface = strdup(iface);
        if (!n->name || !n->interface)
                return -ENOMEM;
        if (!interface_name_is_valid(iface) || ipv4_subnet_parse(subnet, &n->subnet) < 0 ||
            ipv4_parse(gw, &n->gateway) < 0 || ipv4_parse(start, &n->range_start) < 0 ||
            ipv4_parse(end, &n->range_end) < 0 || mtu < 0 || mtu > 65535)
                return -EBADMSG;
        n->internal = internal;
        n->mtu = (uint32_t)mtu;
        if (json_strv(json_object_get(j, "dns"), &n->dns) < 0 ||
            json_strv(json_object_get(j, "labels"), &n->labels) < 0)
                return -EBADMSG;
        *ret = TAKE_PTR(n);
        return 0;
}

static int config_path(NetworkContext *ctx, const char *name, char **ret)
{
        return asprintf(ret, "%s/%s.json", ctx->state_dir, name) < 0 ? -ENOMEM : 0;
}

static int load_file(NetworkContext *ctx, const char *name, Network **ret)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *j;
        int r;

        r = config_path(ctx, name, &path);
        if (r < 0)
                return r;
        r = read_full_file(path, 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        j = json_loads(text, 0, NULL);
        if (!j)
                return -EBADMSG;
        r = network_from_json(j, ret);
        json_decref(j);
        if (r == 0 && !streq((*ret)->name, name)) {
                network_free(*ret);
                r = -EBADMSG;
        }
        return r;
}

int network_load(NetworkContext *ctx, const char *name, Network **ret)
{
        int r;

        if (!name || streq(name, NETWORK_DEFAULT_NAME))
                return default_network(ctx, ret);
        if (!network_name_is_valid(name))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid Network=%s: not a valid network name", name);
        r = load_file(ctx, name, ret);
        if (r == -ENOENT)
                return log_error_errno(r, "Network=%s: no such network (no %s/%s.json)", name,
                                       ctx->state_dir, name);
        if (r < 0)
                return log_error_errno(r, "Network=%s: cannot read its configuration", name);
        return 0;
}

static int network_to_text(const Network *n, char **ret)
{
        char sub[IPV4_CIDR_STRLEN], gw[IPV4_STRLEN], start[IPV4_STRLEN], end[IPV4_STRLEN];
        json_t *j;

        j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:o, s:o}", "name", n->name,
                      "driver", "bridge", "interface", n->interface, "subnet",
                      ipv4_subnet_format(&n->subnet, sub), "gateway", ipv4_format(n->gateway, gw),
                      "range_start", ipv4_format(n->range_start, start), "range_end",
                      ipv4_format(n->range_end, end), "internal", n->internal, "mtu",
                      (json_int_t)n->mtu, "dns", strv_to_json(n->dns), "labels",
                      strv_to_json(n->labels));
        if (!j)
                return -ENOMEM;
        *ret = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        return *ret ? 0 : -ENOMEM;
}

/* Every configured network, the default one included, to check overlaps and
 * to pick free subnets and bridge names. */
static int load_all(NetworkContext *ctx, Network ***ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        Network **l = NULL;
        size_t n = 0;
        struct dirent *de;
        int r;

        l = calloc(1, sizeof(Network *));
        if (!l)
                return -ENOMEM;
        r = default_network(ctx, &l[0]);
        if (r < 0)
                goto fail;
        n = 1;
        d = opendir(ctx->state_dir);
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *name = NULL;
                size_t len = strlen(de->d_name);
                Network **nl;

                if (len <= 5 || !streq(de->d_name + len - 5, ".json"))
                        continue;
                name = strndup(de->d_name, len - 5);
                if (!name) {
                        r = -ENOMEM;
                        goto fail;
                }
                nl = realloc(l, (n + 1) * sizeof(Network *));
                if (!nl) {
                        r = -ENOMEM;
                        goto fail;
                }
                l = nl;
                if (load_file(ctx, name, &l[n]) < 0) {
                        log_warning("Ignoring unreadable network configuration %s/%s",
                                    ctx->state_dir, de->d_name);
                        continue;
                }
                n++;
        }
        *ret = l;
        *ret_n = n;
        return 0;
fail:
        for (size_t i = 0; i < n; i++)
                network_free(l[i]);
        free(l);
        return r;
}

static void networks_free(Network **l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                network_free(l[i]);
        free(l);
}

static int parse_ip_range(const char *s, const Network *n, uint32_t *start, uint32_t *end)
{
        const char *dash = strchr(s, '-');
        Ipv4Subnet r;

        if (dash) {
                _cleanup_free_ char *a = strndup(s, dash - s);

                if (!a)
                        return -ENOMEM;
                if (ipv4_parse(a, start) < 0 || ipv4_parse(dash + 1, end) < 0 || *start > *end)
                        return -EINVAL;
        } else {
                if (ipv4_subnet_parse(s, &r) < 0)
                        return -EINVAL;
                *start = r.addr;
                *end = ipv4_subnet_broadcast(&r);
        }
        /* The network and broadcast addresses are never handed out. */
        if (*start <= n->subnet.addr)
                *start = n->subnet.addr + 1;
        if (*end >= ipv4_subnet_broadcast(&n->subnet))
                *end = ipv4_subnet_broadcast(&n->subnet) - 1;
        if (!ipv4_subnet_contains(&n->subnet, *start) || !ipv4_subnet_contains(&n->subnet, *end) ||
            *start > *end)
                return -ERANGE;
        return 0;
}

static int apply_options(Network *n, char **options)
{
        STRV_FOREACH (o, options) {
                if (strneq(*o, "mtu=", 4)) {
                        if (parse_uint32(*o + 4, &n->mtu) < 0 || n->mtu < 68 || n->mtu > 65535)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "Invalid Options=%s: mtu must be 68-65535",
                                                       *o);
                } else
                        return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                               "Invalid Options=%s: berth supports only mtu=N", *o);
        }
        return 0;
}

static int pick_subnet(Network *n, Network **all, size_t n_all)
{
        /* A re-run of the network's unit keeps the subnet it picked before. */
        for (size_t k = 0; k < n_all; k++)
                if (streq(all[k]->name, n->name)) {
                        n->subnet = all[k]->subnet;
                        return 0;
                }
        for (unsigned i = 1; i < 256; i++) {
                Ipv4Subnet c = {.addr = (10u << 24) | (90u << 16) | (i << 8), .prefixlen = 24};
                bool used = false;

                for (size_t k = 0; k < n_all && !used; k++)
                        used = ipv4_subnet_overlaps(&c, &all[k]->subnet);
                if (!used) {
                        n->subnet = c;
                        return 0;
                }
        }
        return log_error_errno(SYNTHETIC_ERRNO(ENOSPC),
                               "Network %s: no free subnet in 10.90.0.0/16, set Subnet=", n->name);
}

static int pick_interface(Network *n, Network **all, size_t n_all)
{
        for (unsigned i = 1; i < 10000; i++) {
                char name[16];
                bool used = false;

                snprintf(name, sizeof(name), "berth%u", i);
                for (size_t k = 0; k < n_all && !used; k++)
                        used = streq(all[k]->interface, name);
                if (!used)
                        return (n->interface = strdup(name)) ? 0 : -ENOMEM;
        }
        return -ENOSPC;
}

static int check_conflicts(const Network *n, Network **all, size_t n_all)
{
        char a[IPV4_CIDR_STRLEN], b[IPV4_CIDR_STRLEN];

        for (size_t k = 0; k < n_all; k++) {
                if (streq(all[k]->name, n->name))
                        continue;
                if (ipv4_subnet_overlaps(&n->subnet, &all[k]->subnet))
                        return log_error_errno(SYNTHETIC_ERRNO(EEXIST),
                                               "Invalid Subnet=%s: overlaps network %s (%s)",
                                               ipv4_subnet_format(&n->subnet, a), all[k]->name,
                                               ipv4_subnet_format(&all[k]->subnet, b));
                if (streq(n->interface, all[k]->interface))
                        return log_error_errno(SYNTHETIC_ERRNO(EEXIST),
                                               "Invalid InterfaceName=%s: network %s uses it",
                                               n->interface, all[k]->name);
        }
        return 0;
}

static int network_from_config(const NetworkConfig *cfg, Network **all, size_t n_all, Network **ret)
{
        _cleanup_(network_freep) Network *n = calloc(1, sizeof(Network));
        int r;

        if (!n)
                return -ENOMEM;
        if (!network_name_is_valid(cfg->name))
                return log_error_errno(
                    SYNTHETIC_ERRNO(EINVAL),
                    "Invalid NetworkName=%s: expected [A-Za-z0-9][A-Za-z0-9_.-]*, "
                    "at most 64 characters, not bridge/host/none/default",
                    strempty(cfg->name));
        if (cfg->driver && !streq(cfg->driver, "bridge"))
                return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                       "Invalid Driver=%s: berth supports only bridge",
                                       cfg->driver);
        if (cfg->ipv6)
                return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                       "Invalid IPv6=yes: berth networks are IPv4 only");
        if (!(n->name = strdup(cfg->name)))
                return -ENOMEM;
        n->internal = cfg->internal;
        r = apply_options(n, cfg->options);
        if (r < 0)
                return r;

        if (cfg->subnet) {
                if (ipv4_subnet_parse(cfg->subnet, &n->subnet) < 0)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid Subnet=%s: expected an IPv4 network "
                                               "A.B.C.D/N without host bits",
                                               cfg->subnet);
                if (n->subnet.prefixlen > 30 || n->subnet.prefixlen < 8)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid Subnet=%s: the prefix must be /8 to /30",
                                               cfg->subnet);
        } else if ((r = pick_subnet(n, all, n_all)) < 0)
                return r;

        if (cfg->gateway) {
                if (ipv4_parse(cfg->gateway, &n->gateway) < 0 ||
                    !ipv4_subnet_contains(&n->subnet, n->gateway) || n->gateway == n->subnet.addr ||
                    n->gateway == ipv4_subnet_broadcast(&n->subnet))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid Gateway=%s: not a host address of the "
                                               "subnet",
                                               cfg->gateway);
        } else
                n->gateway = n->subnet.addr + 1;

        n->range_start = n->subnet.addr + 1;
        n->range_end = ipv4_subnet_broadcast(&n->subnet) - 1;
        if (cfg->ip_range && parse_ip_range(cfg->ip_range, n, &n->range_start, &n->range_end) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid IPRange=%s: expected A.B.C.D/N or A.B.C.D-E.F.G.H "
                                       "inside the subnet",
                                       cfg->ip_range);

        if (cfg->interface_name) {
                if (!interface_name_is_valid(cfg->interface_name))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid InterfaceName=%s: expected 1-15 "
                                               "characters of [A-Za-z0-9_.-]",
                                               cfg->interface_name);
                if (!(n->interface = strdup(cfg->interface_name)))
                        return -ENOMEM;
        } else {
                /* Keep the bridge a network already had, so a re-run of
                 * its unit does not rename it. */
                for (size_t k = 0; k < n_all && !n->interface; k++)
                        if (streq(all[k]->name, n->name) &&
                            !(n->interface = strdup(all[k]->interface)))
                                return -ENOMEM;
                if (!n->interface && (r = pick_interface(n, all, n_all)) < 0)
                        return r;
        }

        STRV_FOREACH (s, cfg->dns) {
                struct in6_addr a6;
                uint32_t a;

                if (ipv4_parse(*s, &a) < 0 && inet_pton(AF_INET6, *s, &a6) != 1)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid DNS=%s: not an IP address", *s);
                if (strv_extend(&n->dns, *s) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH (s, cfg->labels) {
                if (!strchr(*s, '='))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid Label=%s: expected KEY=VALUE", *s);
                if (strv_extend(&n->labels, *s) < 0)
                        return -ENOMEM;
        }

        r = check_conflicts(n, all, n_all);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(n);
        return 0;
}

/* Whether any container holds an address on the network. */
static int network_in_use(NetworkContext *ctx, const char *name)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (asprintf(&dir, "%s/networks/%s", ctx->run_dir, name) < 0)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        return 1;
        return 0;
}

int network_create(NetworkContext *ctx, const NetworkConfig *cfg)
{
        _cleanup_close_ int run_fd = -EBADF, lock_fd = -EBADF;
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_free_ char *text = NULL, *old = NULL, *path = NULL;
        Network **all = NULL;
        size_t n_all = 0;
        int r;

        r = run_dir_lock(ctx, &run_fd, &lock_fd);
        if (r < 0)
                return r;
        r = load_all(ctx, &all, &n_all);
        if (r < 0)
                return log_error_errno(r, "Failed to read network configurations");
        r = network_from_config(cfg, all, n_all, &n);
        networks_free(all, n_all);
        if (r < 0)
                return r;
        r = network_to_text(n, &text);
        if (r < 0)
                return log_oom();
        r = config_path(ctx, n->name, &path);
        if (r < 0)
                return log_oom();
        if (read_full_file(path, 1 << 20, &old, NULL) >= 0 && streq(old, text))
                return 0;
        r = network_in_use(ctx, n->name);
        if (r > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
                                       "Network %s: its configuration changed while containers "
                                       "are attached; stop them first",
                                       n->name);
        r = mkdir_p(ctx->state_dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s", ctx->state_dir);
        r = write_file_atomic(path, text, strlen(text), 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s", path);
        return 0;
}

int network_remove(NetworkContext *ctx, const char *name)
{
        _cleanup_close_ int run_fd = -EBADF, lock_fd = -EBADF;
        _cleanup_free_ char *path = NULL;
        int r;

        if (!network_name_is_valid(name))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid network name \"%s\"",
                                       strempty(name));
        r = run_dir_lock(ctx, &run_fd, &lock_fd);
        if (r < 0)
                return r;
        r = network_in_use(ctx, name);
        if (r < 0)
                return log_error_errno(r, "Network %s: cannot read its allocations", name);
        if (r > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
                                       "Network %s: containers are still attached", name);
        r = config_path(ctx, name, &path);
        if (r < 0)
                return log_oom();
        if (unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s", path);
        return 0;
}
