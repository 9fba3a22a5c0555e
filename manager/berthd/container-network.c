/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network settings of a container record, as clients send them over
 * D-Bus: checked for form here so that a hostile or mistyped value gets a
 * clear error at CreateContainer, not a failed start later. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "container-record.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

static bool chars_in(const char *s, const char *extra)
{
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
                        return false;
        return true;
}

bool network_mode_is_valid(const char *s)
{
        return s && (streq(s, "none") || streq(s, "host") || streq(s, "bridge") ||
                     network_name_is_valid(s));
}

bool ipv4_address_is_valid(const char *s)
{
        struct in_addr a;

        return s && inet_pton(AF_INET, s, &a) == 1;
}

bool ip_address_is_valid(const char *s)
{
        struct in6_addr a;

        return ipv4_address_is_valid(s) || (s && inet_pton(AF_INET6, s, &a) == 1);
}

/* "N" or "N-M", ports 1-65535; an empty host port means "pick one". */
static bool port_range_valid(const char *s, size_t n, bool may_be_empty)
{
        char buf[16];
        const char *dash;
        uint32_t lo, hi;

        if (n == 0)
                return may_be_empty;
        if (n >= sizeof(buf))
                return false;
        memcpy(buf, s, n);
        buf[n] = 0;
        dash = strchr(buf, '-');
        if (!dash)
                return parse_uint32(buf, &lo) >= 0 && lo >= 1 && lo <= 65535;
        buf[dash - buf] = 0;
        return parse_uint32(buf, &lo) >= 0 && parse_uint32(dash + 1, &hi) >= 0 && lo >= 1 &&
               hi <= 65535 && lo <= hi;
}

bool publish_spec_is_valid(const char *s)
{
        const char *slash, *c1, *c2, *end;
        char ip[INET_ADDRSTRLEN];

        if (isempty(s) || strlen(s) > 64 || !chars_in(s, ".:-/"))
                return false;
        slash = strchr(s, '/');
        if (slash && !streq(slash, "/tcp") && !streq(slash, "/udp"))
                return false;
        end = slash ?: s + strlen(s);
        c1 = memchr(s, ':', end - s);
        c2 = c1 ? memchr(c1 + 1, ':', end - c1 - 1) : NULL;
        if (c2 && memchr(c2 + 1, ':', end - c2 - 1))
                return false;
        if (!c1) /* CONTAINERPORT */
                return port_range_valid(s, end - s, false);
        if (!c2) /* HOSTPORT:CONTAINERPORT */
                return port_range_valid(s, c1 - s, false) &&
                       port_range_valid(c1 + 1, end - c1 - 1, false);
        /* IP:[HOSTPORT]:CONTAINERPORT, IPv4 only as the runtime takes it */
        if ((size_t)(c1 - s) >= sizeof(ip))
                return false;
        memcpy(ip, s, c1 - s);
        ip[c1 - s] = 0;
        return ipv4_address_is_valid(ip) && port_range_valid(c1 + 1, c2 - c1 - 1, true) &&
               port_range_valid(c2 + 1, end - c2 - 1, false);
}

bool dns_search_is_valid(const char *s)
{
        return !isempty(s) && strlen(s) <= 253 && isalnum((unsigned char)s[0]) &&
               chars_in(s, "-._");
}

bool dns_option_is_valid(const char *s)
{
        return !isempty(s) && strlen(s) <= 64 && isalnum((unsigned char)s[0]) &&
               chars_in(s, ":-._");
}

bool add_host_is_valid(const char *s)
{
        const char *colon = s ? strchr(s, ':') : NULL;
        char name[254];

        if (!colon || colon == s || (size_t)(colon - s) >= sizeof(name))
                return false;
        memcpy(name, s, colon - s);
        name[colon - s] = 0;
        return dns_search_is_valid(name) && ip_address_is_valid(colon + 1);
}

const char *container_record_network_error(const ContainerRecord *c)
{
        const char *n = c->network ?: "bridge";

        if (!network_mode_is_valid(n))
                return "Network must be none, host, bridge or the name of a network";
        if ((streq(n, "none") || streq(n, "host")) &&
            (c->ip || strv_length(c->publish) || strv_length(c->dns) ||
             strv_length(c->dns_search) || strv_length(c->dns_option) || strv_length(c->add_host)))
                return "Publish, DNS, DNSSearch, DNSOption, AddHost and IP need a network, not "
                       "Network none or host";
        return NULL;
}
