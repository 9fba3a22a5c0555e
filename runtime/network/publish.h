/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One PublishPort= value as written: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp],
 * where both ports may be ranges "A-B". host_lo == 0 means "pick a free
 * port". A host range with a single container port means "the first free
 * port of the range". */
typedef struct PublishSpec {
        uint32_t host_ip; /* 0: every local address */
        uint16_t host_lo, host_hi;
        uint16_t container_lo, container_hi;
        uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
} PublishSpec;

/* A concrete forwarding: one host port to one container port. */
typedef struct PortMapping {
        uint32_t host_ip;
        uint16_t host_port;
        uint16_t container_port;
        uint8_t proto;
} PortMapping;

/* A container may publish at most this many ports in all: every one is an
 * nftables map element and a reservation file. */
#define PUBLISH_PORTS_MAX 4096

/* Parses one value; errors are logged naming PublishPort= and the value. */
int publish_parse(const char *s, PublishSpec *ret);
const char *proto_name(uint8_t proto);
int proto_from_name(const char *s, uint8_t *ret);
