/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "network-internal.h"

/* berth's whole rule set lives in one table of family ip. Every other table is
 * left alone. Per-network and per-container state are set and map elements,
 * never rules, so they are added and removed by value without rule handles:
 *
 *   bridges, subnets         every berth bridge and subnet
 *   nat_subnets              subnets masqueraded on the way out (not Internal=)
 *   internal_bridges         bridges whose traffic must not be routed anywhere
 *   ports_any, ports_ip      published ports: [host ip .] proto . port -> addr . port
 *
 * The base chains are re-declared by every attach (add is idempotent, the
 * chains are flushed and refilled in the same transaction), so a `nft flush
 * ruleset` by someone else heals with the next container start. */

static const char *const sets =
    "add table ip %1$s\n"
    "add set ip %1$s bridges { type ifname; }\n"
    "add set ip %1$s internal_bridges { type ifname; }\n"
    "add set ip %1$s subnets { type ipv4_addr; flags interval; }\n"
    "add set ip %1$s nat_subnets { type ipv4_addr; flags interval; }\n"
    "add map ip %1$s ports_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "add map ip %1$s ports_ip { type ipv4_addr . inet_proto . inet_service : "
    "ipv4_addr . inet_service; }\n";

static const char *const chains =
    "add chain ip %1$s prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
    "add chain ip %1$s output { type nat hook output priority -100; policy accept; }\n"
    "add chain ip %1$s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
    "add chain ip %1$s forward { type filter hook forward priority filter; policy accept; }\n"
    "add chain ip %1$s publish\n"
    "flush chain ip %1$s prerouting\n"
    "flush chain ip %1$s output\n"
    "flush chain ip %1$s postrouting\n"
    "flush chain ip %1$s forward\n"
    "flush chain ip %1$s publish\n"
    /* Only traffic addressed to this host is a published port: the same
     * port number towards anywhere else passes untouched. */
    "add rule ip %1$s prerouting fib daddr type local jump publish\n"
    "add rule ip %1$s output fib daddr type local jump publish\n"
    "add rule ip %1$s publish dnat ip to ip daddr . meta l4proto . th dport map @ports_ip\n"
    "add rule ip %1$s publish dnat ip to meta l4proto . th dport map @ports_any\n"
    /* 127.0.0.1:PORT from the host: the bridge has route_localnet=1 so the
     * kernel routes the loopback source out, and the container must
     * answer the gateway, not 127.0.0.1. */
    "add rule ip %1$s postrouting oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
    /* Hairpin: a container reaching a published port (its own or a
     * neighbour's) through a host address must get the answer back
     * through the host too. */
    "add rule ip %1$s postrouting oifname @bridges ct status dnat ip saddr @subnets "
    "masquerade\n"
    "add rule ip %1$s postrouting ip saddr @nat_subnets oifname != @bridges masquerade\n"
    "add rule ip %1$s forward iifname @internal_bridges oifname != @internal_bridges drop\n"
    "add rule ip %1$s forward oifname @internal_bridges iifname != @internal_bridges drop\n";

/* libnftables is loaded only when a network comes up or goes down: linked
 * in, it and its dependencies (libnftnl, libmnl, libxtables, libgmp,
 * libjansson) would be mapped and relocated by every berth-runtime start,
 * Network=none included, which costs more than a whole attach. */
typedef struct NftLib {
        void *handle;
        struct nft_ctx *(*ctx_new)(uint32_t flags);
        void (*ctx_free)(struct nft_ctx *ctx);
        int (*buffer_output)(struct nft_ctx *ctx);
        int (*buffer_error)(struct nft_ctx *ctx);
        const char *(*get_error_buffer)(struct nft_ctx *ctx);
        int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
} NftLib;

static void nftlib_close(NftLib *l)
{
        if (l->handle)
                dlclose(l->handle);
}

static int nftlib_open(NftLib *l)
{
        static const char *const names[] = {"nft_ctx_new",
                                            "nft_ctx_free",
                                            "nft_ctx_buffer_output",
                                            "nft_ctx_buffer_error",
                                            "nft_ctx_get_error_buffer",
                                            "nft_run_cmd_from_buffer"};
        void **slots[] = {(void **)&l->ctx_new,          (void **)&l->ctx_free,
                          (void **)&l->buffer_output,    (void **)&l->buffer_error,
                          (void **)&l->get_error_buffer, (void **)&l->run_cmd_from_buffer};

        l->handle = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!l->handle)
                return log_error_errno(SYNTHETIC_ERRNO(ENOPKG), "Cannot load libnftables.so.1: %s",
                                       dlerror());
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                *slots[i] = dlsym(l->handle, names[i]);
                if (!*slots[i])
                        return log_error_errno(SYNTHETIC_ERRNO(ENOPKG), "libnftables.so.1 lacks %s",
                                               names[i]);
        }
        return 0;
}

static int run(const NetworkContext *ctx, const char *script)
{
        _cleanup_(nftlib_close) NftLib lib = {};
        struct nft_ctx *nft;
        int r;

        r = nftlib_open(&lib);
        if (r < 0)
                return r;
        nft = lib.ctx_new(NFT_CTX_DEFAULT);
        if (!nft)
                return log_oom();
        lib.buffer_output(nft);
        lib.buffer_error(nft);
        r = lib.run_cmd_from_buffer(nft, script);
        if (r != 0) {
                const char *err = lib.get_error_buffer(nft);
                /* libnftables reports errno only as text. */
                r = strstr(err, "File exists") ? -EEXIST : -EIO;
                log_error("nftables transaction on table ip %s failed: %s", ctx->table,
                          strempty(err));
                log_debug("The script was:\n%s", script);
        }
        lib.ctx_free(nft);
        return r;
}

static void network_elements(FILE *f, const char *table, const char *verb, const char *bridge,
                             const Ipv4Subnet *subnet, bool internal)
{
        char sub[IPV4_CIDR_STRLEN];

        ipv4_subnet_format(subnet, sub);
        fprintf(f, "%s element ip %s bridges { \"%s\" }\n", verb, table, bridge);
        fprintf(f, "%s element ip %s subnets { %s }\n", verb, table, sub);
        if (internal)
                fprintf(f, "%s element ip %s internal_bridges { \"%s\" }\n", verb, table, bridge);
        else
                fprintf(f, "%s element ip %s nat_subnets { %s }\n", verb, table, sub);
}

static void port_elements(FILE *f, const char *table, const char *verb, const Record *rec)
{
        char addr[IPV4_STRLEN], host[IPV4_STRLEN];

        ipv4_format(rec->address, addr);
        for (size_t i = 0; i < rec->n_ports; i++) {
                const PortMapping *m = &rec->ports[i];

                if (m->host_ip == 0)
                        fprintf(f, "%s element ip %s ports_any { %s . %u : %s . %u }\n", verb,
                                table, proto_name(m->proto), m->host_port, addr, m->container_port);
                else
                        fprintf(f, "%s element ip %s ports_ip { %s . %s . %u : %s . %u }\n", verb,
                                table, ipv4_format(m->host_ip, host), proto_name(m->proto),
                                m->host_port, addr, m->container_port);
        }
}

static int finish(FILE *f)
{
        if (fflush(f) != 0 || ferror(f)) {
                fclose(f);
                return -ENOMEM;
        }
        fclose(f);
        return 0;
}

int nft_attach(const NetworkContext *ctx, const Network *n, const Record *rec, Record **others,
               size_t n_others)
{
        _cleanup_free_ char *script = NULL;
        size_t size;
        FILE *f;
        int r;

        f = open_memstream(&script, &size);
        if (!f)
                return log_oom();
        fprintf(f, sets, ctx->table);
        fprintf(f, chains, ctx->table);
        for (size_t i = 0; i < n_others; i++) {
                network_elements(f, ctx->table, "add", others[i]->bridge, &others[i]->subnet,
                                 others[i]->internal);
                port_elements(f, ctx->table, "add", others[i]);
        }
        network_elements(f, ctx->table, "add", n->interface, &n->subnet, n->internal);
        /* create, not add: a port some other container already maps fails
         * the whole transaction instead of silently taking it over. */
        port_elements(f, ctx->table, "create", rec);
        r = finish(f);
        if (r < 0)
                return log_oom();
        return run(ctx, script);
}

int nft_detach(const NetworkContext *ctx, const Record *rec, bool last_on_network,
               bool last_network)
{
        _cleanup_free_ char *script = NULL;
        size_t size;
        FILE *f;
        int r;

        f = open_memstream(&script, &size);
        if (!f)
                return log_oom();
        /* Declaring the table and sets first, then adding each element right
         * before deleting it, makes the removal succeed whatever is left of
         * the table: gone, flushed or intact. */
        fprintf(f, sets, ctx->table);
        if (last_network)
                fprintf(f, "delete table ip %s\n", ctx->table);
        else {
                port_elements(f, ctx->table, "add", rec);
                port_elements(f, ctx->table, "delete", rec);
                if (last_on_network) {
                        network_elements(f, ctx->table, "add", rec->bridge, &rec->subnet,
                                         rec->internal);
                        network_elements(f, ctx->table, "delete", rec->bridge, &rec->subnet,
                                         rec->internal);
                }
        }
        r = finish(f);
        if (r < 0)
                return log_oom();
        return run(ctx, script);
}
