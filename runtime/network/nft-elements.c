/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-container part of berth's nftables state, the published ports, is
 * a handful of map elements. Writing them as one nf_tables netlink batch
 * costs a fraction of a millisecond, where a libnftables context (parser,
 * cache dump of the table) costs several: this path keeps container starts
 * within budget. The rules themselves are always written by libnftables
 * (nft.c). */
/* glibc's <netinet/in.h> must come before the kernel's netfilter headers. */
#include "network-internal.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>

#include "macro.h"
#include "netlink.h"
#include "nft-netlink.h"

static struct nfgenmsg *begin(Netlink *nl, uint16_t type, uint16_t flags, bool ack)
{
        struct nfgenmsg *g;

        if (ack)
                g = nl_msg_begin(nl, type, flags, sizeof(*g));
        else
                g = nl_msg_begin_flags(nl, type, flags, sizeof(*g));
        if (!g)
                return NULL;
        g->nfgen_family = NFPROTO_IPV4;
        g->version = NFNETLINK_V0;
        return g;
}

struct nfgenmsg *nft_msg_begin(Netlink *nl, uint16_t msg, uint16_t flags)
{
        return begin(nl, (NFNL_SUBSYS_NFTABLES << 8) | msg, flags, true);
}

int nft_put_data(Netlink *nl, uint16_t type, const void *data, size_t len)
{
        size_t off;
        int r = nl_nest_begin(nl, type | NLA_F_NESTED, &off);

        if (r < 0)
                return r;
        r = nl_put(nl, NFTA_DATA_VALUE, data, len);
        if (r < 0)
                return r;
        nl_nest_end(nl, off);
        return 0;
}

/* nftables stores each part of a concatenation in its own 32-bit register:
 * a protocol byte and a port are zero-padded to four bytes, big endian. */
static size_t put_reg_u8(uint8_t *p, uint8_t v)
{
        memset(p, 0, 4);
        p[0] = v;
        return 4;
}

static size_t put_reg_port(uint8_t *p, uint16_t port)
{
        memset(p, 0, 4);
        p[0] = port >> 8;
        p[1] = port & 0xff;
        return 4;
}

static size_t put_reg_ip(uint8_t *p, uint32_t ip)
{
        p[0] = ip >> 24;
        p[1] = (ip >> 16) & 0xff;
        p[2] = (ip >> 8) & 0xff;
        p[3] = ip & 0xff;
        return 4;
}

static int queue_elements(Netlink *nl, const char *table, uint16_t type, uint16_t flags,
                          const Record *rec, bool with_host_ip)
{
        const char *set = with_host_ip ? "ports_ip" : "ports_any";
        size_t list, elem;
        unsigned count = 0;
        int r;

        for (size_t i = 0; i < rec->n_ports; i++)
                count += (rec->ports[i].host_ip != 0) == with_host_ip;
        if (count == 0)
                return 0;

        if (!begin(nl, (NFNL_SUBSYS_NFTABLES << 8) | type, flags, true))
                return -ENOBUFS;
        if ((r = nl_put_str(nl, NFTA_SET_ELEM_LIST_TABLE, table)) < 0 ||
            (r = nl_put_str(nl, NFTA_SET_ELEM_LIST_SET, set)) < 0 ||
            (r = nl_nest_begin(nl, NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED, &list)) < 0)
                return r;
        for (size_t i = 0; i < rec->n_ports; i++) {
                const PortMapping *m = &rec->ports[i];
                uint8_t key[12], data[8];
                size_t klen = 0, dlen = 0;

                if ((m->host_ip != 0) != with_host_ip)
                        continue;
                if (with_host_ip)
                        klen += put_reg_ip(key + klen, m->host_ip);
                klen += put_reg_u8(key + klen, m->proto);
                klen += put_reg_port(key + klen, m->host_port);
                dlen += put_reg_ip(data + dlen, rec->address);
                dlen += put_reg_port(data + dlen, m->container_port);

                if ((r = nl_nest_begin(nl, NFTA_LIST_ELEM | NLA_F_NESTED, &elem)) < 0 ||
                    (r = nft_put_data(nl, NFTA_SET_ELEM_KEY, key, klen)) < 0 ||
                    (r = nft_put_data(nl, NFTA_SET_ELEM_DATA, data, dlen)) < 0)
                        return r;
                nl_nest_end(nl, elem);
        }
        nl_nest_end(nl, list);
        return 0;
}

int nft_queue_ports(Netlink *nl, const char *table, uint16_t msg, uint16_t flags, const Record *rec)
{
        int r = queue_elements(nl, table, msg, flags, rec, false);

        return r < 0 ? r : queue_elements(nl, table, msg, flags, rec, true);
}

int nft_batch_mark(Netlink *nl, bool begin_batch)
{
        struct nfgenmsg *g;

        g = nl_msg_begin_flags(nl, begin_batch ? NFNL_MSG_BATCH_BEGIN : NFNL_MSG_BATCH_END, 0,
                               sizeof(*g));
        if (!g)
                return -ENOBUFS;
        g->nfgen_family = AF_UNSPEC;
        g->version = NFNETLINK_V0;
        g->res_id = htons(NFNL_SUBSYS_NFTABLES);
        return 0;
}

/* Sends the element batch on an open socket and waits for its outcome. */
static int ports_batch(Netlink *nl, const NetworkContext *ctx, const Record *rec, bool add)
{
        int r;

        r = nft_batch_mark(nl, true);
        if (r >= 0 && add)
                /* NLM_F_EXCL: a port another container maps fails the batch. */
                r = nft_queue_ports(nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL,
                                    rec);
        else if (r >= 0) {
                /* Add (without EXCL) then delete: succeeds whether or not the
                 * elements were still there. */
                r = nft_queue_ports(nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE, rec);
                if (r >= 0)
                        r = nft_queue_ports(nl, ctx->table, NFT_MSG_DELSETELEM, 0, rec);
        }
        return r < 0 ? r : nft_batch_commit(nl);
}

int nft_batch_commit(Netlink *nl)
{
        int r;

        r = nft_batch_mark(nl, false);
        if (r >= 0)
                r = nl_flush(nl);
        /* A plain request after the batch: its ack is the end of the
         * exchange, every error of the batch comes before it. */
        if (r >= 0 && !nft_msg_begin(nl, NFT_MSG_GETGEN, 0))
                r = -ENOBUFS;
        if (r >= 0)
                r = nl_transact(nl, NULL, NULL, NULL);
        return r;
}

/* Each element is ~60 bytes of netlink: large sets of ports take the
 * libnftables path, which has no message size limit. */
#define FAST_PORTS_MAX 64

int nft_ports_fast(const NetworkContext *ctx, const Record *rec, bool add)
{
        Netlink nl;
        int r;

        if (rec->n_ports == 0)
                return 0;
        if (rec->n_ports > FAST_PORTS_MAX)
                return -E2BIG;
        r = nl_open_protocol(&nl, NETLINK_NETFILTER);
        if (r < 0)
                return r;
        r = ports_batch(&nl, ctx, rec, add);
        nl_close(&nl);
        return r;
}

static int table_exists(Netlink *nl, const NetworkContext *ctx)
{
        int r;

        if (!begin(nl, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, 0, true))
                return -ENOBUFS;
        r = nl_put_str(nl, NFTA_TABLE_NAME, ctx->table);
        if (r >= 0)
                r = nl_transact(nl, NULL, NULL, NULL);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

int nft_join_fast(const NetworkContext *ctx, const Record *rec)
{
        Netlink nl;
        int r;

        if (rec->n_ports > FAST_PORTS_MAX)
                return -E2BIG;
        /* One socket for both steps: closing a netfilter socket may wait for
         * the kernel to finish releasing an earlier transaction. */
        r = nl_open_protocol(&nl, NETLINK_NETFILTER);
        if (r < 0)
                return r;
        r = table_exists(&nl, ctx);
        if (r > 0 && rec->n_ports > 0) {
                r = ports_batch(&nl, ctx, rec, true);
                if (r >= 0)
                        r = 1;
        }
        nl_close(&nl);
        return r;
}
