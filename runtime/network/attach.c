/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "network-internal.h"
#include "strv.h"

static void veth_name(const char *container, char buf[static 16])
{
        uint64_t h = 0xcbf29ce484222325ULL;

        /* FNV-1a: stable across runs, so a detach after a crash finds the
         * same name; 48 bits make a clash between two names unlikely, and a
         * clash fails cleanly with EEXIST. */
        for (const char *p = container; *p; p++)
                h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
        snprintf(buf, 16, "vb%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

static void records_free(Record **l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                record_free(l[i]);
        free(l);
}

/* Rewrites the hosts file of every member of the network, each listing all
 * the others by container name and host name. self (may be NULL), a member
 * whose record is at hand, is not read back from its file. */
static int update_hosts(int run_fd, const char *network, Record *self)
{
        IpamEntry *members = NULL;
        Record **recs;
        size_t n_recs = 0;
        int n, r = 0;

        n = ipam_list(run_fd, network, &members);
        if (n <= 0)
                return n;
        recs = calloc(n, sizeof(Record *));
        if (!recs) {
                ipam_entries_free(members, n);
                return -ENOMEM;
        }
        for (int i = 0; i < n; i++)
                if (self && streq(members[i].container, self->container))
                        recs[n_recs++] = self;
                else if (record_load(run_fd, members[i].container, &recs[n_recs]) >= 0)
                        n_recs++;
        ipam_entries_free(members, n);
        for (size_t i = 0; i < n_recs; i++) {
                int k = etc_write_hosts(run_fd, recs[i], recs, n_recs);
                if (k < 0 && r == 0)
                        r = k;
        }
        for (size_t i = 0; i < n_recs; i++)
                if (recs[i] != self)
                        record_free(recs[i]);
        free(recs);
        return r;
}

static bool networks_active(int run_fd)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(run_fd, "networks", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return true;
        }
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        return true;
        return false;
}

/* Undoes an attachment step by step; each step tolerates having been done
 * already, so a crash in here is repaired by running it again. */
static int detach_locked(const NetworkContext *ctx, int run_fd, const Record *rec)
{
        IpamEntry *left = NULL;
        char dir[256];
        Netlink nl;
        int n_left, r = 0, k;

        k = nl_open(&nl);
        if (k < 0)
                return log_error_errno(k, "Failed to open a netlink socket");
        k = link_delete(&nl, rec->interface);
        if (k < 0 && k != -ENODEV)
                r = log_error_errno(k, "Failed to delete %s of container %s", rec->interface,
                                    rec->container);

        for (size_t i = 0; i < rec->n_ports; i++)
                (void)port_release(run_fd, &rec->ports[i], rec->container);
        k = ipam_release(run_fd, rec->network, rec->address, rec->container);
        if (k < 0 && r == 0)
                r = log_error_errno(k, "Failed to release the address of %s", rec->container);

        n_left = ipam_list(run_fd, rec->network, &left);
        if (n_left == 0) {
                /* The last member is gone: the bridge goes too, so that an
                 * idle host carries no berth links or rules at all. */
                k = link_delete(&nl, rec->bridge);
                if (k < 0 && k != -ENODEV && r == 0)
                        r = log_error_errno(k, "Failed to delete bridge %s", rec->bridge);
        }
        nl_close(&nl);
        ipam_entries_free(left, n_left);

        if (n_left == 0) {
                bool last_network = !networks_active(run_fd);

                k = nft_detach_fast(ctx, rec, true, last_network);
                if (k == -ENOBUFS)
                        k = nft_detach(ctx, rec, true, last_network);
                else if (k < 0)
                        k = log_error_errno(k, "nftables transaction on table ip %s failed",
                                            ctx->table);
        } else {
                k = nft_ports_fast(ctx, rec, false);
                if (k == -ENOENT) /* no table: nothing to remove */
                        k = 0;
                else if (k == -E2BIG) {
                        k = nft_detach_fast(ctx, rec, false, false);
                        if (k == -ENOBUFS)
                                k = nft_detach(ctx, rec, false, false);
                } else if (k < 0)
                        k = log_error_errno(k, "Failed to remove the published ports of %s",
                                            rec->container);
        }
        if (k < 0 && r == 0)
                r = k;
        if (r < 0)
                return r; /* keep the record so that the next detach retries */

        if (n_left > 0)
                (void)update_hosts(run_fd, rec->network, NULL);
        snprintf(dir, sizeof(dir), "containers/%s", rec->container);
        (void)rm_rf_at(run_fd, dir);
        return record_remove(run_fd, rec->container);
}

static int gc_locked(const NetworkContext *ctx, int run_fd, unsigned *ret_reclaimed)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        unsigned reclaimed = 0;
        int fd, r = 0;

        fd = openat(run_fd, "containers", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                goto done;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                _cleanup_(record_freep) Record *rec = NULL;
                _cleanup_free_ char *name = NULL;
                size_t len = strlen(de->d_name);

                if (len <= 5 || !streq(de->d_name + len - 5, ".json"))
                        continue;
                name = strndup(de->d_name, len - 5);
                if (!name)
                        return -ENOMEM;
                if (record_load(run_fd, name, &rec) < 0 || record_is_alive(rec))
                        continue;
                log_info("Reclaiming the network attachment of %s: its init (pid %d) is gone", name,
                         (int)rec->pid);
                if (detach_locked(ctx, run_fd, rec) >= 0)
                        reclaimed++;
                else
                        r = -EIO;
        }
done:
        if (ret_reclaimed)
                *ret_reclaimed = reclaimed;
        return r;
}

static int port_free_on_host(const PortMapping *m)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(m->host_port)};
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        sa.sin_addr = ipv4_to_in_addr(m->host_ip);
        fd =
            socket(AF_INET, (m->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        /* A connection in TIME_WAIT is no owner; a listener is. */
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        return 0;
}

static int ephemeral_port(const PortMapping *m, uint16_t *ret)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof(sa);
        _cleanup_close_ int fd = -EBADF;

        sa.sin_addr = ipv4_to_in_addr(m->host_ip);
        fd =
            socket(AF_INET, (m->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
                return negative_errno();
        *ret = ntohs(sa.sin_port);
        return 0;
}

/* Takes one host port for the container: free on the host and not published
 * by another (live) container. */
static int take_port(const NetworkContext *ctx, int run_fd, const char *container,
                     const PortMapping *m, char **ret_owner)
{
        int r;

        r = port_free_on_host(m);
        if (r < 0)
                return r;
        for (int attempt = 0; attempt < 2; attempt++) {
                _cleanup_(record_freep) Record *owner_rec = NULL;
                _cleanup_free_ char *owner = NULL;

                r = port_reserve(run_fd, m, container);
                if (r != -EEXIST)
                        return r;
                if (port_owner(run_fd, m, &owner) < 0)
                        continue;
                if (!streq(owner, container) && record_load(run_fd, owner, &owner_rec) >= 0 &&
                    !record_is_alive(owner_rec) && detach_locked(ctx, run_fd, owner_rec) >= 0)
                        continue;
                *ret_owner = TAKE_PTR(owner);
                return -EEXIST;
        }
        return -EEXIST;
}

static int add_mapping(Record *rec, const PortMapping *m)
{
        size_t n = rec->n_ports;

        if (n >= PUBLISH_PORTS_MAX)
                return -E2BIG;
        /* Grown by doubling: the runtime attaches right after forking the
         * container, when every page it writes is copied first, so room for
         * PUBLISH_PORTS_MAX up front would cost a dozen page faults. */
        if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
                size_t cap = n == 0 ? 4 : n * 2;
                PortMapping *l = reallocarray(rec->ports, cap, sizeof(PortMapping));

                if (!l)
                        return -ENOMEM;
                rec->ports = l;
        }
        rec->ports[rec->n_ports++] = *m;
        return 0;
}

static int publish_error(const char *value, const PortMapping *m, int r, const char *owner,
                         const char *container)
{
        if (r == -EEXIST && owner && streq(owner, container))
                return log_error_errno(SYNTHETIC_ERRNO(EADDRINUSE),
                                       "Invalid PublishPort=%s: host port %u/%s is published twice",
                                       value, m->host_port, proto_name(m->proto));
        if (r == -EEXIST && owner)
                return log_error_errno(SYNTHETIC_ERRNO(EADDRINUSE),
                                       "Invalid PublishPort=%s: host port %u/%s is already "
                                       "published by container %s",
                                       value, m->host_port, proto_name(m->proto), owner);
        if (r == -EADDRINUSE)
                return log_error_errno(SYNTHETIC_ERRNO(EADDRINUSE),
                                       "Invalid PublishPort=%s: host port %u/%s is already in use "
                                       "on this host",
                                       value, m->host_port, proto_name(m->proto));
        if (r == -EADDRNOTAVAIL)
                return log_error_errno(SYNTHETIC_ERRNO(EADDRNOTAVAIL),
                                       "Invalid PublishPort=%s: the host has no such address",
                                       value);
        return log_error_errno(r, "PublishPort=%s: cannot reserve host port %u/%s", value,
                               m->host_port, proto_name(m->proto));
}

static int resolve_ports(const NetworkContext *ctx, int run_fd, const NetworkSpec *spec,
                         const PublishSpec *specs, size_t n_specs, Record *rec)
{
        for (size_t i = 0; i < n_specs; i++) {
                const PublishSpec *p = &specs[i];
                const char *value = spec->publish[i];
                unsigned count = p->container_hi - p->container_lo + 1;
                bool pick_one = p->host_lo != 0 && p->host_hi > p->host_lo && count == 1;
                int r;

                for (unsigned k = 0; k < count; k++) {
                        PortMapping m = {.host_ip = p->host_ip,
                                         .proto = p->proto,
                                         .container_port = p->container_lo + k};
                        _cleanup_free_ char *owner = NULL;

                        if (pick_one) {
                                r = -EADDRINUSE;
                                for (unsigned h = p->host_lo; h <= p->host_hi && r < 0; h++) {
                                        m.host_port = h;
                                        r = take_port(ctx, run_fd, rec->container, &m, &owner);
                                        if (r < 0 && r != -EEXIST && r != -EADDRINUSE)
                                                break;
                                }
                                if (r == -EEXIST || r == -EADDRINUSE)
                                        return log_error_errno(SYNTHETIC_ERRNO(EADDRINUSE),
                                                               "Invalid PublishPort=%s: no free "
                                                               "host port in %u-%u",
                                                               value, p->host_lo, p->host_hi);
                        } else if (p->host_lo == 0) {
                                r = ephemeral_port(&m, &m.host_port);
                                if (r >= 0)
                                        r = take_port(ctx, run_fd, rec->container, &m, &owner);
                        } else {
                                m.host_port = p->host_lo + k;
                                r = take_port(ctx, run_fd, rec->container, &m, &owner);
                        }
                        if (r < 0)
                                return publish_error(value, &m, r, owner, rec->container);
                        r = add_mapping(rec, &m);
                        if (r < 0) {
                                (void)port_release(run_fd, &m, rec->container);
                                return log_error_errno(r, "Too many published ports (%s)", value);
                        }
                }
        }
        return 0;
}

static int ensure_bridge(Netlink *nl, const Network *n, bool *created)
{
        char path[128];
        int index, r;

        index = link_get_index(nl, n->interface);
        if (index > 0)
                return index;
        if (index != -ENODEV)
                return log_error_errno(index, "Failed to look up bridge %s", n->interface);

        r = queue_bridge_create(nl, n->interface, n->mtu);
        if (r >= 0)
                r = nl_transact(nl, NULL, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to create bridge %s", n->interface);
        *created = true;
        index = link_get_index(nl, n->interface);
        if (index < 0)
                return log_error_errno(index, "Failed to look up bridge %s", n->interface);
        r = queue_addr_add(nl, index, ipv4_to_in_addr(n->gateway), n->subnet.prefixlen,
                           ipv4_to_in_addr(ipv4_subnet_broadcast(&n->subnet)));
        if (r >= 0)
                r = nl_transact(nl, NULL, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to add the gateway address to %s", n->interface);

        /* Lets the output-chain DNAT send 127.0.0.1-sourced packets (the host
         * connecting to 127.0.0.1:PORT) out of this bridge and no other. */
        snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", n->interface);
        r = sysctl_write(path, "1");
        if (r < 0)
                return log_error_errno(r, "Failed to enable route_localnet on %s", n->interface);
        if (!n->internal) {
                r = sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
                if (r < 0)
                        return log_error_errno(r, "Failed to enable IPv4 forwarding");
        }
        return index;
}

static int plumb(const Network *n, const Record *rec, int netns_fd, bool *created)
{
        /* One buffer for both namespaces, one after the other: fewer stack
         * pages to copy in a process that has just forked. */
        Netlink nl;
        /* The hardware address follows from the IP address (locally
         * administered, 02:be:A:B:C:D): a container that gets the address of
         * an earlier one is reachable at once, where a new random address
         * would leave peers and the host sending to the old one for as long
         * as their neighbour entries stay "reachable" (up to ~45 s). */
        const uint8_t mac[6] = {
            0x02, 0xbe, rec->address >> 24, rec->address >> 16, rec->address >> 8, rec->address};
        int bridge, eth0, r;

        r = nl_open(&nl);
        if (r < 0)
                return log_error_errno(r, "Failed to open a netlink socket");
        bridge = ensure_bridge(&nl, n, created);
        if (bridge < 0) {
                nl_close(&nl);
                return bridge;
        }
        r = queue_veth_create(&nl, rec->interface, bridge, "eth0", netns_fd, mac, n->mtu);
        if (r >= 0)
                r = queue_bridge_port_hairpin(&nl, rec->interface);
        if (r >= 0)
                r = nl_transact(&nl, NULL, NULL, NULL);
        nl_close(&nl);
        if (r < 0)
                return log_error_errno(r, "Failed to create veth %s for container %s",
                                       rec->interface, rec->container);

        r = nl_open_in_netns(&nl, netns_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open netlink in the container's namespace");
        eth0 = link_get_index(&nl, "eth0");
        if (eth0 < 0) {
                nl_close(&nl);
                return log_error_errno(eth0, "eth0 did not appear in container %s", rec->container);
        }
        /* lo is ifindex 1 in every network namespace. */
        r = queue_link_up(&nl, 1);
        if (r >= 0)
                r = queue_addr_add(&nl, eth0, ipv4_to_in_addr(rec->address), n->subnet.prefixlen,
                                   ipv4_to_in_addr(ipv4_subnet_broadcast(&n->subnet)));
        if (r >= 0)
                r = queue_link_up(&nl, eth0);
        /* An internal network has no way out, so no default route either. */
        if (r >= 0 && !n->internal)
                r = queue_default_route(&nl, ipv4_to_in_addr(n->gateway));
        if (r >= 0)
                r = nl_transact(&nl, NULL, NULL, NULL);
        nl_close(&nl);
        if (r < 0)
                return log_error_errno(r, "Failed to configure eth0 of container %s",
                                       rec->container);
        return 0;
}

/* All other attachment records, to rebuild the table from. */
static int load_others(int run_fd, const char *self, Record ***ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = NULL;
        Record **l = NULL;
        size_t n = 0;
        struct dirent *de;
        int fd;

        *ret = NULL;
        *ret_n = 0;
        fd = openat(run_fd, "containers", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *name = NULL;
                size_t len = strlen(de->d_name);
                Record *rec, **nl;

                if (len <= 5 || !streq(de->d_name + len - 5, ".json"))
                        continue;
                name = strndup(de->d_name, len - 5);
                if (!name) {
                        records_free(l, n);
                        return -ENOMEM;
                }
                if (streq(name, self) || record_load(run_fd, name, &rec) < 0)
                        continue;
                nl = realloc(l, (n + 1) * sizeof(*l));
                if (!nl) {
                        record_free(rec);
                        records_free(l, n);
                        return -ENOMEM;
                }
                l = nl;
                l[n++] = rec;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* The common case, a container joining a network that is up, only adds its
 * port elements. The whole table is (re)written when the network just came
 * up or the table is gone (someone ran `nft flush ruleset`): then the
 * elements of every attached container are restored along with it. */
static int nft_update(const NetworkContext *ctx, int run_fd, const Network *n, const Record *rec,
                      bool created)
{
        Record **others = NULL;
        size_t n_others = 0;
        int r;

        if (!created) {
                r = nft_join_fast(ctx, rec);
                if (r > 0)
                        return 0;
                if (r == -EEXIST)
                        return r;
                if (r < 0 && r != -E2BIG)
                        return log_error_errno(r, "Failed to update table ip %s", ctx->table);
        }
        r = load_others(run_fd, rec->container, &others, &n_others);
        if (r < 0)
                return log_error_errno(r, "Failed to read the network records");
        r = nft_attach_fast(ctx, n, rec, others, n_others);
        if (r == -ENOBUFS)
                r = nft_attach(ctx, n, rec, others, n_others);
        else if (r < 0 && r != -EEXIST)
                log_error_errno(r, "nftables transaction on table ip %s failed", ctx->table);
        records_free(others, n_others);
        return r;
}

static int make_attachment(const NetworkContext *ctx, const Network *n, const Record *rec,
                           NetworkAttachment **ret)
{
        _cleanup_(network_attachment_freep) NetworkAttachment *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        a->network = strdup(n->name);
        a->interface = strdup(rec->interface);
        ipv4_format(rec->address, a->address);
        ipv4_format(n->gateway, a->gateway);
        a->prefixlen = n->subnet.prefixlen;
        if (!a->network || !a->interface ||
            asprintf(&a->hosts_path, "%s/containers/%s/hosts", ctx->run_dir, rec->container) < 0 ||
            asprintf(&a->resolv_conf_path, "%s/containers/%s/resolv.conf", ctx->run_dir,
                     rec->container) < 0 ||
            asprintf(&a->hostname_path, "%s/containers/%s/hostname", ctx->run_dir, rec->container) <
                0)
                return -ENOMEM;
        if (rec->n_ports > 0) {
                a->ports = calloc(rec->n_ports, sizeof(PortMapping));
                if (!a->ports)
                        return -ENOMEM;
                memcpy(a->ports, rec->ports, rec->n_ports * sizeof(PortMapping));
                a->n_ports = rec->n_ports;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

void network_attachment_free(NetworkAttachment *a)
{
        free(a->network);
        free(a->interface);
        free(a->hosts_path);
        free(a->resolv_conf_path);
        free(a->hostname_path);
        free(a->ports);
        free(a);
}

static int parse_specs(const NetworkSpec *spec, PublishSpec **ret)
{
        size_t n = strv_length(spec->publish);
        _cleanup_free_ PublishSpec *l = calloc(n + 1, sizeof(PublishSpec));
        int r;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = publish_parse(spec->publish[i], &l[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return (int)n;
}

static int init_record(const Network *n, const NetworkSpec *spec, pid_t pid, Record *rec)
{
        char veth[16];
        int r;

        veth_name(spec->container, veth);
        rec->container = strdup(spec->container);
        rec->network = strdup(n->name);
        rec->interface = strdup(veth);
        rec->hostname = strdup(spec->hostname ?: spec->container);
        rec->bridge = strdup(n->interface);
        if (!rec->container || !rec->network || !rec->interface || !rec->hostname || !rec->bridge)
                return -ENOMEM;
        rec->subnet = n->subnet;
        rec->internal = n->internal;
        rec->pid = pid;
        r = process_start_time(pid, &rec->start_time);
        if (r < 0)
                return log_error_errno(r, "Container %s: process %d is not running",
                                       spec->container, (int)pid);
        STRV_FOREACH (h, spec->add_host)
                if (strv_extend(&rec->add_host, *h) < 0)
                        return -ENOMEM;
        return 0;
}

static int allocate_address(const NetworkContext *ctx, int run_fd, const Network *n,
                            const NetworkSpec *spec, Record *rec)
{
        char sub[IPV4_CIDR_STRLEN];
        uint32_t wanted = 0;
        int r;

        if (spec->ip && (ipv4_parse(spec->ip, &wanted) < 0 || wanted < n->range_start ||
                         wanted > n->range_end || wanted == n->gateway))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid IP=%s: not an assignable address of %s", spec->ip,
                                       ipv4_subnet_format(&n->subnet, sub));

        r = ipam_allocate(run_fd, n, rec->container, wanted, &rec->address);
        if (r == -ENOSPC || r == -EEXIST) {
                unsigned reclaimed = 0;

                /* Dead containers that never got their ExecStopPost= hold
                 * addresses: take them back before declaring the net full. */
                (void)gc_locked(ctx, run_fd, &reclaimed);
                if (reclaimed > 0)
                        r = ipam_allocate(run_fd, n, rec->container, wanted, &rec->address);
        }
        if (r == -EEXIST)
                return log_error_errno(SYNTHETIC_ERRNO(EADDRINUSE),
                                       "Invalid IP=%s: the address is taken", spec->ip);
        if (r == -ENOSPC)
                return log_error_errno(SYNTHETIC_ERRNO(ENOSPC),
                                       "Network=%s: no free address left in subnet %s for "
                                       "container %s",
                                       n->name, ipv4_subnet_format(&n->subnet, sub),
                                       rec->container);
        if (r < 0)
                return log_error_errno(r, "Network=%s: address allocation failed", n->name);
        return 0;
}

static int attach_locked(NetworkContext *ctx, int run_fd, const NetworkSpec *spec,
                         const PublishSpec *specs, size_t n_specs, pid_t pid,
                         NetworkAttachment **ret)
{
        _cleanup_(record_freep) Record *rec = calloc(1, sizeof(Record)), *old = NULL;
        _cleanup_(network_freep) Network *n = NULL;
        _cleanup_close_ int netns_fd = -EBADF;
        bool created = false;
        char path[64];
        int r;

        if (!rec)
                return log_oom();
        r = network_load(ctx, spec->network, &n);
        if (r < 0)
                return r;
        if (n->internal && n_specs > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: network %s is Internal=, nothing "
                                       "from outside may reach it",
                                       spec->publish[0], n->name);

        if (record_load(run_fd, spec->container, &old) >= 0) {
                if (record_is_alive(old))
                        return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
                                               "Container %s is already attached to network %s",
                                               spec->container, old->network);
                r = detach_locked(ctx, run_fd, old);
                if (r < 0)
                        return r;
        }

        r = init_record(n, spec, pid, rec);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : r;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        netns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (netns_fd < 0)
                return log_error_errno(errno, "Failed to open %s", path);

        if (mkdirat(run_fd, "containers", 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s/containers", ctx->run_dir);

        r = resolve_ports(ctx, run_fd, spec, specs, n_specs, rec);
        if (r >= 0)
                r = allocate_address(ctx, run_fd, n, spec, rec);
        if (r < 0) {
                for (size_t i = 0; i < rec->n_ports; i++)
                        (void)port_release(run_fd, &rec->ports[i], rec->container);
                return r;
        }

        /* From here on the record describes everything there may be to undo. */
        r = record_save(run_fd, rec);
        if (r < 0) {
                log_error_errno(r, "Failed to save the network record of %s", rec->container);
                goto fail;
        }
        r = plumb(n, rec, netns_fd, &created);
        if (r >= 0)
                r = nft_update(ctx, run_fd, n, rec, created);
        if (r == -EEXIST)
                r = log_error_errno(SYNTHETIC_ERRNO(EADDRINUSE),
                                    "PublishPort=: a host port of container %s is already "
                                    "forwarded in table ip %s",
                                    rec->container, ctx->table);
        if (r >= 0)
                r = etc_write_hostname(run_fd, rec);
        if (r >= 0)
                r = etc_write_resolv_conf(run_fd, ctx, n, spec);
        if (r >= 0)
                r = update_hosts(run_fd, n->name, rec);
        if (r >= 0)
                r = make_attachment(ctx, n, rec, ret);
        if (r >= 0)
                return 0;
        log_error_errno(r, "Failed to attach container %s to network %s", rec->container, n->name);
fail:
        (void)detach_locked(ctx, run_fd, rec);
        return r;
}

int network_attach(NetworkContext *ctx, const NetworkSpec *spec, pid_t container_pid,
                   NetworkAttachment **ret)
{
        _cleanup_free_ PublishSpec *specs = NULL;
        _cleanup_close_ int run_fd = -EBADF, lock_fd = -EBADF;
        int n_specs, r;

        if (!container_name_is_valid(spec->container))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid container name \"%s\": expected "
                                       "[A-Za-z0-9][A-Za-z0-9_.-]*",
                                       strempty(spec->container));
        r = etc_validate_spec(spec);
        if (r < 0)
                return r;
        n_specs = parse_specs(spec, &specs);
        if (n_specs < 0)
                return n_specs;

        r = run_dir_lock(ctx, &run_fd, &lock_fd);
        if (r < 0)
                return r;
        return attach_locked(ctx, run_fd, spec, specs, n_specs, container_pid, ret);
}

int network_detach(NetworkContext *ctx, const char *container)
{
        _cleanup_(record_freep) Record *rec = NULL;
        _cleanup_close_ int run_fd = -EBADF, lock_fd = -EBADF;
        int r;

        if (!container_name_is_valid(container))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid container name \"%s\"",
                                       strempty(container));
        r = run_dir_lock(ctx, &run_fd, &lock_fd);
        if (r < 0)
                return r;
        r = record_load(run_fd, container, &rec);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read the network record of %s", container);
        return detach_locked(ctx, run_fd, rec);
}

int network_gc(NetworkContext *ctx)
{
        _cleanup_close_ int run_fd = -EBADF, lock_fd = -EBADF;
        int r;

        r = run_dir_lock(ctx, &run_fd, &lock_fd);
        if (r < 0)
                return r;
        return gc_locked(ctx, run_fd, NULL);
}
