/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

/* A minimal rtnetlink client: messages are appended to one buffer and sent
 * together, so a whole configuration step costs one sendmsg() and one pass
 * over the acknowledgements. */
typedef struct Netlink {
        int fd;
        uint32_t seq;
        uint32_t first_seq;
        unsigned pending;
        size_t len;
        size_t msg_start;
        /* Requests, then the answers to them. */
        char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
} Netlink;

int nl_open_protocol(Netlink *nl, int protocol);
/* Opens a NETLINK_ROUTE socket in the caller's network namespace. */
int nl_open(Netlink *nl);
/* Opens the socket inside the network namespace netns_fd: the calling thread
 * enters it only for socket(2), which binds the socket to that namespace. */
int nl_open_in_netns(Netlink *nl, int netns_fd);
void nl_close(Netlink *nl);

/* Starts a message (asking for an acknowledgement) with a fixed header of hdr_len bytes (ifinfomsg,
 * ...); returns a pointer to that header inside the buffer, or NULL when full. */
void *nl_msg_begin(Netlink *nl, uint16_t type, uint16_t flags, size_t hdr_len);
/* The same without NLM_F_ACK (nfnetlink batch markers). */
void *nl_msg_begin_flags(Netlink *nl, uint16_t type, uint16_t flags, size_t hdr_len);
int nl_put(Netlink *nl, uint16_t type, const void *data, size_t len);
/* Appends payload without an attribute header (a nested ifinfomsg). */
int nl_put_raw(Netlink *nl, const void *data, size_t len);
int nl_put_u32(Netlink *nl, uint16_t type, uint32_t v);
int nl_put_str(Netlink *nl, uint16_t type, const char *s);
/* Returns the offset of the nested attribute, to pass to nl_nest_end(). */
int nl_nest_begin(Netlink *nl, uint16_t type, size_t *ret_off);
void nl_nest_end(Netlink *nl, size_t off);
void nl_msg_end(Netlink *nl);

typedef int (*nl_reply_fn)(const struct nlmsghdr *h, void *userdata);

/* Sends the queued messages now, in their own sendmsg() (the kernel reads an
 * nfnetlink batch up to the end of its datagram), leaving their answers to
 * the next nl_transact(). */
int nl_flush(Netlink *nl);
/* Sends every queued message and waits for the acknowledgement of the last
 * one, which must ask for it. Replies
 * other than acks go to fn (may be NULL). Returns the first error the kernel
 * reported, or 0. *ret_failed (optional) gets the index of the failing
 * message in the batch. */
int nl_transact(Netlink *nl, nl_reply_fn fn, void *userdata, int *ret_failed);

/* Fills tb[0..max] with the attributes that follow a fixed header of hdr_len
 * bytes (later duplicates win); absent ones are NULL. */
struct rtattr;
void nl_parse_attrs(const struct nlmsghdr *h, size_t hdr_len, const struct rtattr **tb,
                    unsigned max);
