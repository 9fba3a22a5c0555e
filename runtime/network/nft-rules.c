/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth's whole nftables table (sets, chains, rules: see nft.c for what they
 * do) as one nf_tables netlink batch. The first container of a network used
 * to load libnftables for this, whose parser and cache dump cost tens of
 * milliseconds in every such start; libnftables stays as the fallback for a
 * table too large for one netlink buffer. The bytecode is what nft(8) makes
 * of the script in nft.c (nft --debug=netlink list table). */
/* glibc's <netinet/in.h> must come before the kernel's netfilter headers. */
#include "network-internal.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "macro.h"
#include "netlink.h"
#include "nft-netlink.h"

/* nft's datatype numbers, which nft(8) uses to print the sets back: a
 * concatenation packs them 6 bits apart. */
enum {
        TYPE_IPADDR = 7,
        TYPE_INET_PROTOCOL = 12,
        TYPE_INET_SERVICE = 13,
        TYPE_IFNAME = 41,
};
#define CONCAT2(a, b)    (((a) << 6) | (b))
#define CONCAT3(a, b, c) ((((a) << 6 | (b)) << 6) | (c))

/* nft's byte orders, which it keeps in a set's user data: without it, nft(8)
 * prints an interface name backwards. */
enum {
        BYTEORDER_NONE = 0,
        BYTEORDER_HOST = 1,
        BYTEORDER_BIG = 2,
};

typedef struct SetDef {
        const char *name;
        uint32_t flags, key_type, key_len, data_type, data_len, key_byteorder;
} SetDef;

static const SetDef sets[] = {
    {"bridges", 0, TYPE_IFNAME, IFNAMSIZ, 0, 0, BYTEORDER_HOST},
    {"internal_bridges", 0, TYPE_IFNAME, IFNAMSIZ, 0, 0, BYTEORDER_HOST},
    {"subnets", NFT_SET_INTERVAL, TYPE_IPADDR, 4, 0, 0, BYTEORDER_BIG},
    {"nat_subnets", NFT_SET_INTERVAL, TYPE_IPADDR, 4, 0, 0, BYTEORDER_BIG},
    {"ports_any", NFT_SET_MAP, CONCAT2(TYPE_INET_PROTOCOL, TYPE_INET_SERVICE), 8,
     CONCAT2(TYPE_IPADDR, TYPE_INET_SERVICE), 8, BYTEORDER_NONE},
    {"ports_ip", NFT_SET_MAP, CONCAT3(TYPE_IPADDR, TYPE_INET_PROTOCOL, TYPE_INET_SERVICE), 12,
     CONCAT2(TYPE_IPADDR, TYPE_INET_SERVICE), 8, BYTEORDER_NONE},
};

static int put_be32(Netlink *nl, uint16_t type, uint32_t v)
{
        return nl_put_u32(nl, type, htonl(v));
}

/* Declares the table and its sets ("add": fine if they exist). */
static int queue_table(Netlink *nl, const char *table)
{
        int r;

        if (!nft_msg_begin(nl, NFT_MSG_NEWTABLE, NLM_F_CREATE))
                return -ENOBUFS;
        if ((r = nl_put_str(nl, NFTA_TABLE_NAME, table)) < 0 ||
            (r = put_be32(nl, NFTA_TABLE_FLAGS, 0)) < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                const SetDef *s = &sets[i];

                if (!nft_msg_begin(nl, NFT_MSG_NEWSET, NLM_F_CREATE))
                        return -ENOBUFS;
                if ((r = nl_put_str(nl, NFTA_SET_TABLE, table)) < 0 ||
                    (r = nl_put_str(nl, NFTA_SET_NAME, s->name)) < 0 ||
                    (r = put_be32(nl, NFTA_SET_FLAGS, s->flags)) < 0 ||
                    (r = put_be32(nl, NFTA_SET_KEY_TYPE, s->key_type)) < 0 ||
                    (r = put_be32(nl, NFTA_SET_KEY_LEN, s->key_len)) < 0 ||
                    (r = put_be32(nl, NFTA_SET_ID, (uint32_t)i + 1)) < 0)
                        return r;
                if (s->key_byteorder != BYTEORDER_NONE) {
                        /* One libnftnl user data record: type 0 (key byte
                         * order), length 4, a host-order u32. */
                        uint8_t udata[6] = {0, 4};
                        uint32_t order = s->key_byteorder;

                        memcpy(udata + 2, &order, sizeof(order));
                        if ((r = nl_put(nl, NFTA_SET_USERDATA, udata, sizeof(udata))) < 0)
                                return r;
                }
                if (s->flags & NFT_SET_MAP) {
                        if ((r = put_be32(nl, NFTA_SET_DATA_TYPE, s->data_type)) < 0 ||
                            (r = put_be32(nl, NFTA_SET_DATA_LEN, s->data_len)) < 0)
                                return r;
                }
        }
        return 0;
}

static int queue_chain(Netlink *nl, const char *table, const char *name, const char *type, int hook,
                       int priority)
{
        size_t h;
        int r;

        if (!nft_msg_begin(nl, NFT_MSG_NEWCHAIN, NLM_F_CREATE))
                return -ENOBUFS;
        if ((r = nl_put_str(nl, NFTA_CHAIN_TABLE, table)) < 0 ||
            (r = nl_put_str(nl, NFTA_CHAIN_NAME, name)) < 0)
                return r;
        if (type) {
                if ((r = nl_nest_begin(nl, NFTA_CHAIN_HOOK | NLA_F_NESTED, &h)) < 0 ||
                    (r = put_be32(nl, NFTA_HOOK_HOOKNUM, (uint32_t)hook)) < 0 ||
                    (r = put_be32(nl, NFTA_HOOK_PRIORITY, (uint32_t)priority)) < 0)
                        return r;
                nl_nest_end(nl, h);
                if ((r = put_be32(nl, NFTA_CHAIN_POLICY, NF_ACCEPT)) < 0 ||
                    (r = nl_put_str(nl, NFTA_CHAIN_TYPE, type)) < 0)
                        return r;
        }
        /* A DELRULE without a handle flushes the chain: its rules are
         * rewritten below, whatever was left in it. */
        if (!nft_msg_begin(nl, NFT_MSG_DELRULE, 0))
                return -ENOBUFS;
        if ((r = nl_put_str(nl, NFTA_RULE_TABLE, table)) < 0 ||
            (r = nl_put_str(nl, NFTA_RULE_CHAIN, name)) < 0)
                return r;
        return 0;
}

/* A rule under construction: expressions are appended between rule_begin()
 * and rule_end(); the first error sticks, so callers check once. */
typedef struct Rule {
        Netlink *nl;
        size_t exprs, elem, data;
        int r;
} Rule;

static void rule_begin(Rule *q, Netlink *nl, const char *table, const char *chain)
{
        *q = (Rule){.nl = nl};
        if (!nft_msg_begin(nl, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND))
                q->r = -ENOBUFS;
        if (q->r >= 0)
                q->r = nl_put_str(nl, NFTA_RULE_TABLE, table);
        if (q->r >= 0)
                q->r = nl_put_str(nl, NFTA_RULE_CHAIN, chain);
        if (q->r >= 0)
                q->r = nl_nest_begin(nl, NFTA_RULE_EXPRESSIONS | NLA_F_NESTED, &q->exprs);
}

static int rule_end(Rule *q)
{
        if (q->r >= 0)
                nl_nest_end(q->nl, q->exprs);
        return q->r;
}

static bool expr_begin(Rule *q, const char *name)
{
        if (q->r >= 0)
                q->r = nl_nest_begin(q->nl, NFTA_LIST_ELEM | NLA_F_NESTED, &q->elem);
        if (q->r >= 0)
                q->r = nl_put_str(q->nl, NFTA_EXPR_NAME, name);
        if (q->r >= 0)
                q->r = nl_nest_begin(q->nl, NFTA_EXPR_DATA | NLA_F_NESTED, &q->data);
        return q->r >= 0;
}

static void expr_u32(Rule *q, uint16_t type, uint32_t v)
{
        if (q->r >= 0)
                q->r = put_be32(q->nl, type, v);
}

static void expr_end(Rule *q)
{
        if (q->r < 0)
                return;
        nl_nest_end(q->nl, q->data);
        nl_nest_end(q->nl, q->elem);
}

static void e_meta(Rule *q, uint32_t key, uint32_t dreg)
{
        if (!expr_begin(q, "meta"))
                return;
        expr_u32(q, NFTA_META_DREG, dreg);
        expr_u32(q, NFTA_META_KEY, key);
        expr_end(q);
}

static void e_payload(Rule *q, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg)
{
        if (!expr_begin(q, "payload"))
                return;
        expr_u32(q, NFTA_PAYLOAD_DREG, dreg);
        expr_u32(q, NFTA_PAYLOAD_BASE, base);
        expr_u32(q, NFTA_PAYLOAD_OFFSET, offset);
        expr_u32(q, NFTA_PAYLOAD_LEN, len);
        expr_end(q);
}

static void e_cmp(Rule *q, uint32_t op, const void *data, size_t len)
{
        if (!expr_begin(q, "cmp"))
                return;
        expr_u32(q, NFTA_CMP_SREG, NFT_REG_1);
        expr_u32(q, NFTA_CMP_OP, op);
        if (q->r >= 0)
                q->r = nft_put_data(q->nl, NFTA_CMP_DATA, data, len);
        expr_end(q);
}

/* dreg 0: a set; otherwise the map's value goes there. */
static void e_lookup(Rule *q, const char *set, uint32_t dreg, bool invert)
{
        if (!expr_begin(q, "lookup"))
                return;
        if (q->r >= 0)
                q->r = nl_put_str(q->nl, NFTA_LOOKUP_SET, set);
        expr_u32(q, NFTA_LOOKUP_SREG, NFT_REG_1);
        if (dreg)
                expr_u32(q, NFTA_LOOKUP_DREG, dreg);
        if (invert)
                expr_u32(q, NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        expr_end(q);
}

static void e_verdict(Rule *q, int code, const char *chain)
{
        size_t data, verdict;

        if (!expr_begin(q, "immediate"))
                return;
        expr_u32(q, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
        if (q->r >= 0)
                q->r = nl_nest_begin(q->nl, NFTA_IMMEDIATE_DATA | NLA_F_NESTED, &data);
        if (q->r >= 0)
                q->r = nl_nest_begin(q->nl, NFTA_DATA_VERDICT | NLA_F_NESTED, &verdict);
        expr_u32(q, NFTA_VERDICT_CODE, (uint32_t)code);
        if (chain && q->r >= 0)
                q->r = nl_put_str(q->nl, NFTA_VERDICT_CHAIN, chain);
        if (q->r >= 0) {
                nl_nest_end(q->nl, verdict);
                nl_nest_end(q->nl, data);
        }
        expr_end(q);
}

static void e_masq(Rule *q)
{
        if (expr_begin(q, "masq"))
                expr_end(q);
}

/* fib daddr type local jump publish */
static int rule_publish_jump(Netlink *nl, const char *table, const char *chain)
{
        uint32_t local = RTN_LOCAL; /* fib writes a host-order u32 */
        Rule q;

        rule_begin(&q, nl, table, chain);
        if (expr_begin(&q, "fib")) {
                expr_u32(&q, NFTA_FIB_DREG, NFT_REG_1);
                expr_u32(&q, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
                expr_u32(&q, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
                expr_end(&q);
        }
        e_cmp(&q, NFT_CMP_EQ, &local, sizeof(local));
        e_verdict(&q, NFT_JUMP, "publish");
        return rule_end(&q);
}

/* dnat ip to [ip daddr .] meta l4proto . th dport map @ports_{ip,any}: the
 * key is built in consecutive 32-bit registers from reg 1 on, the value
 * (address . port) comes back in reg 1 and the one after. */
static int rule_dnat(Netlink *nl, const char *table, bool with_ip)
{
        uint32_t reg = NFT_REG32_00;
        Rule q;

        rule_begin(&q, nl, table, "publish");
        if (with_ip) {
                e_payload(&q, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
                reg++;
        }
        e_meta(&q, NFT_META_L4PROTO, reg == NFT_REG32_00 ? NFT_REG_1 : reg);
        reg++;
        e_payload(&q, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg);
        e_lookup(&q, with_ip ? "ports_ip" : "ports_any", NFT_REG_1, false);
        if (expr_begin(&q, "nat")) {
                expr_u32(&q, NFTA_NAT_TYPE, NFT_NAT_DNAT);
                expr_u32(&q, NFTA_NAT_FAMILY, NFPROTO_IPV4);
                expr_u32(&q, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
                expr_u32(&q, NFTA_NAT_REG_ADDR_MAX, NFT_REG_1);
                expr_u32(&q, NFTA_NAT_REG_PROTO_MIN, NFT_REG32_01);
                expr_u32(&q, NFTA_NAT_REG_PROTO_MAX, NFT_REG32_01);
                expr_u32(&q, NFTA_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
                expr_end(&q);
        }
        return rule_end(&q);
}

static int queue_rules(Netlink *nl, const char *table)
{
        static const uint8_t loopback_net = 127;
        uint32_t dnat_status = IPS_DST_NAT, zero = 0; /* ct status: host order */
        Rule q;
        int r;

        if ((r = queue_chain(nl, table, "prerouting", "nat", NF_INET_PRE_ROUTING, -100)) < 0 ||
            (r = queue_chain(nl, table, "output", "nat", NF_INET_LOCAL_OUT, -100)) < 0 ||
            (r = queue_chain(nl, table, "postrouting", "nat", NF_INET_POST_ROUTING, 100)) < 0 ||
            (r = queue_chain(nl, table, "forward", "filter", NF_INET_FORWARD, 0)) < 0 ||
            (r = queue_chain(nl, table, "publish", NULL, 0, 0)) < 0)
                return r;

        if ((r = rule_publish_jump(nl, table, "prerouting")) < 0 ||
            (r = rule_publish_jump(nl, table, "output")) < 0 ||
            (r = rule_dnat(nl, table, true)) < 0 || (r = rule_dnat(nl, table, false)) < 0)
                return r;

        /* oifname @bridges ip saddr 127.0.0.0/8 masquerade */
        rule_begin(&q, nl, table, "postrouting");
        e_meta(&q, NFT_META_OIFNAME, NFT_REG_1);
        e_lookup(&q, "bridges", 0, false);
        e_payload(&q, NFT_PAYLOAD_NETWORK_HEADER, 12, 1, NFT_REG_1);
        e_cmp(&q, NFT_CMP_EQ, &loopback_net, sizeof(loopback_net));
        e_masq(&q);
        if ((r = rule_end(&q)) < 0)
                return r;

        /* oifname @bridges ct status dnat ip saddr @subnets masquerade */
        rule_begin(&q, nl, table, "postrouting");
        e_meta(&q, NFT_META_OIFNAME, NFT_REG_1);
        e_lookup(&q, "bridges", 0, false);
        if (expr_begin(&q, "ct")) {
                expr_u32(&q, NFTA_CT_DREG, NFT_REG_1);
                expr_u32(&q, NFTA_CT_KEY, NFT_CT_STATUS);
                expr_end(&q);
        }
        if (expr_begin(&q, "bitwise")) {
                expr_u32(&q, NFTA_BITWISE_SREG, NFT_REG_1);
                expr_u32(&q, NFTA_BITWISE_DREG, NFT_REG_1);
                expr_u32(&q, NFTA_BITWISE_LEN, sizeof(uint32_t));
                if (q.r >= 0)
                        q.r =
                            nft_put_data(nl, NFTA_BITWISE_MASK, &dnat_status, sizeof(dnat_status));
                if (q.r >= 0)
                        q.r = nft_put_data(nl, NFTA_BITWISE_XOR, &zero, sizeof(zero));
                expr_end(&q);
        }
        e_cmp(&q, NFT_CMP_NEQ, &zero, sizeof(zero));
        e_payload(&q, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
        e_lookup(&q, "subnets", 0, false);
        e_masq(&q);
        if ((r = rule_end(&q)) < 0)
                return r;

        /* ip saddr @nat_subnets oifname != @bridges masquerade */
        rule_begin(&q, nl, table, "postrouting");
        e_payload(&q, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
        e_lookup(&q, "nat_subnets", 0, false);
        e_meta(&q, NFT_META_OIFNAME, NFT_REG_1);
        e_lookup(&q, "bridges", 0, true);
        e_masq(&q);
        if ((r = rule_end(&q)) < 0)
                return r;

        /* {i,o}ifname @internal_bridges {o,i}ifname != @internal_bridges drop */
        for (int dir = 0; dir < 2; dir++) {
                rule_begin(&q, nl, table, "forward");
                e_meta(&q, dir == 0 ? NFT_META_IIFNAME : NFT_META_OIFNAME, NFT_REG_1);
                e_lookup(&q, "internal_bridges", 0, false);
                e_meta(&q, dir == 0 ? NFT_META_OIFNAME : NFT_META_IIFNAME, NFT_REG_1);
                e_lookup(&q, "internal_bridges", 0, true);
                e_verdict(&q, NF_DROP, NULL);
                if ((r = rule_end(&q)) < 0)
                        return r;
        }
        return 0;
}

/* One element (key, optional interval-end flag) of a set. */
static int queue_element(Netlink *nl, const char *table, const char *set, uint16_t msg,
                         uint16_t flags, const void *key, size_t len, bool interval_end)
{
        size_t list, elem;
        int r;

        if (!nft_msg_begin(nl, msg, flags))
                return -ENOBUFS;
        if ((r = nl_put_str(nl, NFTA_SET_ELEM_LIST_TABLE, table)) < 0 ||
            (r = nl_put_str(nl, NFTA_SET_ELEM_LIST_SET, set)) < 0 ||
            (r = nl_nest_begin(nl, NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED, &list)) < 0 ||
            (r = nl_nest_begin(nl, NFTA_LIST_ELEM | NLA_F_NESTED, &elem)) < 0)
                return r;
        if (interval_end && (r = put_be32(nl, NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END)) < 0)
                return r;
        if ((r = nft_put_data(nl, NFTA_SET_ELEM_KEY, key, len)) < 0)
                return r;
        nl_nest_end(nl, elem);
        nl_nest_end(nl, list);
        return 0;
}

/* A subnet in an interval set: its first address, and an end marker at the
 * address after its broadcast. nft(8) also marks 0.0.0.0 as an end, so
 * that what lies below the first interval reads as outside every one. */
static int queue_subnet(Netlink *nl, const char *table, const char *set, uint16_t msg,
                        uint16_t flags, const Ipv4Subnet *s)
{
        uint32_t start = htonl(s->addr), end = htonl(ipv4_subnet_broadcast(s) + 1), zero = 0;
        int r = 0;

        if (msg == NFT_MSG_NEWSETELEM)
                r = queue_element(nl, table, set, msg, flags, &zero, sizeof(zero), true);
        if (r >= 0)
                r = queue_element(nl, table, set, msg, flags, &start, sizeof(start), false);
        if (r >= 0 && end != 0)
                r = queue_element(nl, table, set, msg, flags, &end, sizeof(end), true);
        return r;
}

static int queue_network(Netlink *nl, const char *table, uint16_t msg, uint16_t flags,
                         const char *bridge, const Ipv4Subnet *subnet, bool internal)
{
        char name[IFNAMSIZ] = {};
        int r;

        strncpy(name, bridge, sizeof(name) - 1);
        r = queue_element(nl, table, "bridges", msg, flags, name, sizeof(name), false);
        if (r >= 0)
                r = queue_subnet(nl, table, "subnets", msg, flags, subnet);
        if (r >= 0 && internal)
                r = queue_element(nl, table, "internal_bridges", msg, flags, name, sizeof(name),
                                  false);
        else if (r >= 0)
                r = queue_subnet(nl, table, "nat_subnets", msg, flags, subnet);
        return r;
}

/* Opens a netfilter socket and starts a batch that declares the table and
 * its sets. On error nothing is left open. */
static int open_table_batch(Netlink *nl, const char *table)
{
        int r;

        r = nl_open_protocol(nl, NETLINK_NETFILTER);
        if (r < 0)
                return r;
        r = nft_batch_mark(nl, true);
        if (r >= 0)
                r = queue_table(nl, table);
        if (r < 0)
                nl_close(nl);
        return r;
}

int nft_attach_fast(const NetworkContext *ctx, const Network *n, const Record *rec, Record **others,
                    size_t n_others)
{
        Netlink nl;
        int r;

        r = open_table_batch(&nl, ctx->table);
        if (r < 0)
                return r;
        r = queue_rules(&nl, ctx->table);
        for (size_t i = 0; i < n_others && r >= 0; i++) {
                r = queue_network(&nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
                                  others[i]->bridge, &others[i]->subnet, others[i]->internal);
                if (r >= 0)
                        r = nft_queue_ports(&nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
                                            others[i]);
        }
        if (r >= 0)
                r = queue_network(&nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE, n->interface,
                                  &n->subnet, n->internal);
        /* EXCL: a port some other container already maps fails the whole
         * transaction instead of silently taking it over. */
        if (r >= 0)
                r = nft_queue_ports(&nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL,
                                    rec);
        if (r >= 0)
                r = nft_batch_commit(&nl);
        nl_close(&nl);
        return r;
}

int nft_detach_fast(const NetworkContext *ctx, const Record *rec, bool last_on_network,
                    bool last_network)
{
        Netlink nl;
        int r;

        /* Declaring the table and sets first, then adding each element right
         * before deleting it, makes the removal succeed whatever is left of
         * the table: gone, flushed or intact. */
        r = open_table_batch(&nl, ctx->table);
        if (r < 0)
                return r;
        if (last_network) {
                if (!nft_msg_begin(&nl, NFT_MSG_DELTABLE, 0))
                        r = -ENOBUFS;
                else
                        r = nl_put_str(&nl, NFTA_TABLE_NAME, ctx->table);
        } else {
                r = nft_queue_ports(&nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE, rec);
                if (r >= 0)
                        r = nft_queue_ports(&nl, ctx->table, NFT_MSG_DELSETELEM, 0, rec);
                if (r >= 0 && last_on_network)
                        r = queue_network(&nl, ctx->table, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
                                          rec->bridge, &rec->subnet, rec->internal);
                if (r >= 0 && last_on_network)
                        r = queue_network(&nl, ctx->table, NFT_MSG_DELSETELEM, 0, rec->bridge,
                                          &rec->subnet, rec->internal);
        }
        if (r >= 0)
                r = nft_batch_commit(&nl);
        nl_close(&nl);
        return r;
}
