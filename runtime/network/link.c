/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "link.h"
#include "macro.h"

static int get_index_reply(const struct nlmsghdr *h, void *userdata)
{
        const struct ifinfomsg *ifi = NLMSG_DATA(h);

        if (h->nlmsg_type == RTM_NEWLINK)
                *(int *)userdata = ifi->ifi_index;
        return 0;
}

int link_get_index(Netlink *nl, const char *name)
{
        int index = 0, r;

        if (!nl_msg_begin(nl, RTM_GETLINK, 0, sizeof(struct ifinfomsg)))
                return -ENOBUFS;
        r = nl_put_str(nl, IFLA_IFNAME, name);
        if (r < 0)
                return r;
        /* Skipping the statistics keeps the reply small. */
        r = nl_put_u32(nl, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        if (r < 0)
                return r;
        r = nl_transact(nl, get_index_reply, &index, NULL);
        if (r < 0)
                return r;
        return index > 0 ? index : -ENODEV;
}

int link_delete(Netlink *nl, const char *name)
{
        int r;

        if (!nl_msg_begin(nl, RTM_DELLINK, 0, sizeof(struct ifinfomsg)))
                return -ENOBUFS;
        r = nl_put_str(nl, IFLA_IFNAME, name);
        if (r < 0)
                return r;
        return nl_transact(nl, NULL, NULL, NULL);
}

static int put_kind(Netlink *nl, const char *kind, size_t *ret_info)
{
        int r = nl_nest_begin(nl, IFLA_LINKINFO, ret_info);
        if (r < 0)
                return r;
        return nl_put_str(nl, IFLA_INFO_KIND, kind);
}

int queue_bridge_create(Netlink *nl, const char *name, uint32_t mtu)
{
        struct ifinfomsg *ifi;
        size_t info, data;
        int r;

        ifi = nl_msg_begin(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
        if (!ifi)
                return -ENOBUFS;
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        if ((r = nl_put_str(nl, IFLA_IFNAME, name)) < 0)
                return r;
        if (mtu > 0 && (r = nl_put_u32(nl, IFLA_MTU, mtu)) < 0)
                return r;
        if ((r = put_kind(nl, "bridge", &info)) < 0)
                return r;
        if ((r = nl_nest_begin(nl, IFLA_INFO_DATA, &data)) < 0)
                return r;
        /* No STP and no forward delay: ports forward as soon as they are up,
         * which is what a host-local bridge of veths wants. */
        if ((r = nl_put_u32(nl, IFLA_BR_STP_STATE, 0)) < 0)
                return r;
        if ((r = nl_put_u32(nl, IFLA_BR_FORWARD_DELAY, 0)) < 0)
                return r;
        nl_nest_end(nl, data);
        nl_nest_end(nl, info);
        return 0;
}

/* A veth created without queue counts gets one queue per possible CPU, and
 * the driver then cuts the real count down to one on the registered device,
 * which waits for an RCU grace period under the rtnl lock: the bulk of a
 * veth creation on a busy host. Asking for the single queue up front (on
 * both ends: the peer is sized from its own attributes) skips that. */
static int put_one_queue(Netlink *nl)
{
        int r = nl_put_u32(nl, IFLA_NUM_TX_QUEUES, 1);

        return r < 0 ? r : nl_put_u32(nl, IFLA_NUM_RX_QUEUES, 1);
}

int queue_veth_create(Netlink *nl, const char *host_name, int master_index, const char *peer_name,
                      int peer_netns_fd, const uint8_t peer_mac[6], uint32_t mtu)
{
        struct ifinfomsg *ifi, peer = {.ifi_family = AF_UNSPEC};
        size_t info, data, peer_off;
        int r;

        ifi = nl_msg_begin(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
        if (!ifi)
                return -ENOBUFS;
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        if ((r = nl_put_str(nl, IFLA_IFNAME, host_name)) < 0)
                return r;
        if ((r = nl_put_u32(nl, IFLA_MASTER, master_index)) < 0)
                return r;
        if (mtu > 0 && (r = nl_put_u32(nl, IFLA_MTU, mtu)) < 0)
                return r;
        if ((r = put_one_queue(nl)) < 0)
                return r;
        if ((r = put_kind(nl, "veth", &info)) < 0)
                return r;
        if ((r = nl_nest_begin(nl, IFLA_INFO_DATA, &data)) < 0)
                return r;
        /* VETH_INFO_PEER carries a whole ifinfomsg followed by its attributes. */
        if ((r = nl_nest_begin(nl, VETH_INFO_PEER, &peer_off)) < 0)
                return r;
        if ((r = nl_put_raw(nl, &peer, sizeof(peer))) < 0)
                return r;
        if ((r = nl_put_str(nl, IFLA_IFNAME, peer_name)) < 0)
                return r;
        if ((r = nl_put_u32(nl, IFLA_NET_NS_FD, peer_netns_fd)) < 0)
                return r;
        if (peer_mac && (r = nl_put(nl, IFLA_ADDRESS, peer_mac, 6)) < 0)
                return r;
        if (mtu > 0 && (r = nl_put_u32(nl, IFLA_MTU, mtu)) < 0)
                return r;
        if ((r = put_one_queue(nl)) < 0)
                return r;
        nl_nest_end(nl, peer_off);
        nl_nest_end(nl, data);
        nl_nest_end(nl, info);
        return 0;
}

int queue_bridge_port_hairpin(Netlink *nl, const char *name)
{
        struct ifinfomsg *ifi;
        size_t info, data;
        uint8_t on = 1;
        int r;

        /* A change of an existing link, found by name; the bridge applies
         * IFLA_INFO_SLAVE_DATA to its port. */
        ifi = nl_msg_begin(nl, RTM_NEWLINK, 0, sizeof(*ifi));
        if (!ifi)
                return -ENOBUFS;
        ifi->ifi_family = AF_UNSPEC;
        if ((r = nl_put_str(nl, IFLA_IFNAME, name)) < 0)
                return r;
        if ((r = nl_nest_begin(nl, IFLA_LINKINFO, &info)) < 0)
                return r;
        if ((r = nl_put_str(nl, IFLA_INFO_SLAVE_KIND, "bridge")) < 0)
                return r;
        if ((r = nl_nest_begin(nl, IFLA_INFO_SLAVE_DATA, &data)) < 0)
                return r;
        if ((r = nl_put(nl, IFLA_BRPORT_MODE, &on, sizeof(on))) < 0)
                return r;
        nl_nest_end(nl, data);
        nl_nest_end(nl, info);
        return 0;
}

int queue_link_up(Netlink *nl, int ifindex)
{
        struct ifinfomsg *ifi = nl_msg_begin(nl, RTM_NEWLINK, 0, sizeof(*ifi));

        if (!ifi)
                return -ENOBUFS;
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        return 0;
}

int queue_addr_add(Netlink *nl, int ifindex, struct in_addr addr, unsigned prefixlen,
                   struct in_addr broadcast)
{
        struct ifaddrmsg *ifa;
        int r;

        ifa = nl_msg_begin(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
        if (!ifa)
                return -ENOBUFS;
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = prefixlen;
        ifa->ifa_index = ifindex;
        if ((r = nl_put(nl, IFA_LOCAL, &addr, sizeof(addr))) < 0)
                return r;
        if ((r = nl_put(nl, IFA_ADDRESS, &addr, sizeof(addr))) < 0)
                return r;
        return nl_put(nl, IFA_BROADCAST, &broadcast, sizeof(broadcast));
}

int queue_default_route(Netlink *nl, struct in_addr gateway)
{
        struct rtmsg *rt;

        rt = nl_msg_begin(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
        if (!rt)
                return -ENOBUFS;
        rt->rtm_family = AF_INET;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_BOOT;
        rt->rtm_scope = RT_SCOPE_UNIVERSE;
        rt->rtm_type = RTN_UNICAST;
        return nl_put(nl, RTA_GATEWAY, &gateway, sizeof(gateway));
}
