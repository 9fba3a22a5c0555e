/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipv4.h"
#include "macro.h"
#include "parse-util.h"

int ipv4_parse(const char *s, uint32_t *ret)
{
        struct in_addr a;

        /* inet_pton(AF_INET) accepts exactly four decimal parts. */
        if (isempty(s) || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = ntohl(a.s_addr);
        return 0;
}

struct in_addr ipv4_to_in_addr(uint32_t a)
{
        return (struct in_addr){.s_addr = htonl(a)};
}

const char *ipv4_format(uint32_t a, char buf[static IPV4_STRLEN])
{
        struct in_addr in = ipv4_to_in_addr(a);

        return inet_ntop(AF_INET, &in, buf, IPV4_STRLEN);
}

uint32_t ipv4_subnet_mask(const Ipv4Subnet *s)
{
        return s->prefixlen == 0 ? 0 : UINT32_MAX << (32 - s->prefixlen);
}

uint32_t ipv4_subnet_broadcast(const Ipv4Subnet *s)
{
        return s->addr | ~ipv4_subnet_mask(s);
}

int ipv4_subnet_parse(const char *s, Ipv4Subnet *ret)
{
        char addr[IPV4_STRLEN];
        const char *slash;
        uint32_t a, len;
        Ipv4Subnet sub;

        if (isempty(s))
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash || (size_t)(slash - s) >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, slash - s);
        addr[slash - s] = 0;
        if (ipv4_parse(addr, &a) < 0 || parse_uint32(slash + 1, &len) < 0 || len > 32)
                return -EINVAL;
        sub = (Ipv4Subnet){.addr = a, .prefixlen = len};
        if ((a & ~ipv4_subnet_mask(&sub)) != 0)
                return -EINVAL;
        *ret = sub;
        return 0;
}

const char *ipv4_subnet_format(const Ipv4Subnet *s, char buf[static IPV4_CIDR_STRLEN])
{
        char a[IPV4_STRLEN];

        snprintf(buf, IPV4_CIDR_STRLEN, "%s/%u", ipv4_format(s->addr, a), s->prefixlen);
        return buf;
}

bool ipv4_subnet_contains(const Ipv4Subnet *s, uint32_t a)
{
        return (a & ipv4_subnet_mask(s)) == s->addr;
}

bool ipv4_subnet_overlaps(const Ipv4Subnet *a, const Ipv4Subnet *b)
{
        return ipv4_subnet_contains(a, b->addr) || ipv4_subnet_contains(b, a->addr);
}
