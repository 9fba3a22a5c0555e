/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

/* IPv4 addresses in host byte order, so that allocation is arithmetic. */
#define IPV4_STRLEN      INET_ADDRSTRLEN
#define IPV4_CIDR_STRLEN (INET_ADDRSTRLEN + 3)

typedef struct Ipv4Subnet {
        uint32_t addr; /* network address: host bits are zero */
        unsigned prefixlen;
} Ipv4Subnet;

/* Dotted quad only: no shorthand like "10.1" that inet_aton would take. */
int ipv4_parse(const char *s, uint32_t *ret);
const char *ipv4_format(uint32_t a, char buf[static IPV4_STRLEN]);
struct in_addr ipv4_to_in_addr(uint32_t a);

/* "A.B.C.D/N"; -EINVAL if host bits are set, so a typo cannot silently
 * become a different network. */
int ipv4_subnet_parse(const char *s, Ipv4Subnet *ret);
const char *ipv4_subnet_format(const Ipv4Subnet *s, char buf[static IPV4_CIDR_STRLEN]);
uint32_t ipv4_subnet_mask(const Ipv4Subnet *s);
uint32_t ipv4_subnet_broadcast(const Ipv4Subnet *s);
bool ipv4_subnet_contains(const Ipv4Subnet *s, uint32_t a);
bool ipv4_subnet_overlaps(const Ipv4Subnet *a, const Ipv4Subnet *b);
