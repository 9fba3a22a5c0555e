/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "netlink.h"

/* rtnetlink operations berth needs. Functions named queue_* only append to
 * the batch; the caller sends it with nl_transact(). */

/* Returns the ifindex (> 0) or -ENODEV. */
int link_get_index(Netlink *nl, const char *name);
int link_delete(Netlink *nl, const char *name);

int queue_bridge_create(Netlink *nl, const char *name, uint32_t mtu);
/* Creates a veth pair: host_name in the caller's namespace, enslaved to
 * master_index and up; peer_name directly inside the namespace peer_netns_fd,
 * with the hardware address peer_mac (NULL: a random one). */
int queue_veth_create(Netlink *nl, const char *host_name, int master_index, const char *peer_name,
                      int peer_netns_fd, const uint8_t peer_mac[6], uint32_t mtu);
/* Lets the bridge send a frame back out of the port it came in on: a
 * container reaching its own published port through a host address. */
int queue_bridge_port_hairpin(Netlink *nl, const char *name);
int queue_link_up(Netlink *nl, int ifindex);
int queue_addr_add(Netlink *nl, int ifindex, struct in_addr addr, unsigned prefixlen,
                   struct in_addr broadcast);
int queue_default_route(Netlink *nl, struct in_addr gateway);
