/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* nf_tables over raw netlink: the pieces nft-elements.c and nft-rules.c
 * share. A transaction is nft_batch_mark(begin), messages, then
 * nft_batch_commit(), which returns the first error of the batch. */

#include <stdbool.h>
#include <stdint.h>

#include "netlink.h"
#include "network-internal.h"

/* A message of the nf_tables subsystem (family ip) asking for an ack. */
struct nfgenmsg *nft_msg_begin(Netlink *nl, uint16_t msg, uint16_t flags);
/* A nested NFTA_DATA_VALUE attribute (keys, set element data, cmp data). */
int nft_put_data(Netlink *nl, uint16_t type, const void *data, size_t len);
int nft_batch_mark(Netlink *nl, bool begin_batch);
int nft_batch_commit(Netlink *nl);
/* The container's published-port elements of ports_any and ports_ip. */
int nft_queue_ports(Netlink *nl, const char *table, uint16_t msg, uint16_t flags,
                    const Record *rec);
