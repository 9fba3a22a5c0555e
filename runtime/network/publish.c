/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "ipv4.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "publish.h"

const char *proto_name(uint8_t proto)
{
        return proto == IPPROTO_UDP ? "udp" : "tcp";
}

int proto_from_name(const char *s, uint8_t *ret)
{
        if (streq(s, "tcp"))
                *ret = IPPROTO_TCP;
        else if (streq(s, "udp"))
                *ret = IPPROTO_UDP;
        else
                return -EINVAL;
        return 0;
}

static int parse_port(const char *s, size_t n, uint16_t *ret)
{
        char buf[8];
        uint32_t v;

        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = 0;
        if (parse_uint32(buf, &v) < 0 || v == 0 || v > 65535)
                return -EINVAL;
        *ret = (uint16_t)v;
        return 0;
}

static int parse_range(const char *s, size_t n, uint16_t *lo, uint16_t *hi)
{
        const char *dash = memchr(s, '-', n);

        if (!dash) {
                if (parse_port(s, n, lo) < 0)
                        return -EINVAL;
                *hi = *lo;
                return 0;
        }
        if (parse_port(s, dash - s, lo) < 0 || parse_port(dash + 1, n - (dash + 1 - s), hi) < 0)
                return -EINVAL;
        return *lo <= *hi ? 0 : -EINVAL;
}

int publish_parse(const char *s, PublishSpec *ret)
{
        PublishSpec p = {.proto = IPPROTO_TCP};
        const char *fields[3], *end, *slash;
        size_t lens[3], n = 0;

        if (isempty(s))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: empty value", strempty(s));
        if (s[0] == '[')
                return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                       "Invalid PublishPort=%s: IPv6 host addresses are not "
                                       "supported",
                                       s);

        slash = strchr(s, '/');
        end = slash ?: s + strlen(s);
        if (slash && proto_from_name(slash + 1, &p.proto) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: protocol must be tcp or udp, not "
                                       "\"%s\"",
                                       s, slash + 1);

        for (const char *f = s;; n++) {
                const char *colon = memchr(f, ':', end - f);

                if (n == ELEMENTSOF(fields))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid PublishPort=%s: expected "
                                               "[IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]",
                                               s);
                fields[n] = f;
                lens[n] = (colon ?: end) - f;
                if (!colon) {
                        n++;
                        break;
                }
                f = colon + 1;
        }

        if (parse_range(fields[n - 1], lens[n - 1], &p.container_lo, &p.container_hi) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: container port \"%.*s\" is not a "
                                       "port or range in 1-65535",
                                       s, (int)lens[n - 1], fields[n - 1]);

        if (n >= 2 && lens[n - 2] > 0 &&
            parse_range(fields[n - 2], lens[n - 2], &p.host_lo, &p.host_hi) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: host port \"%.*s\" is not a port "
                                       "or range in 1-65535",
                                       s, (int)lens[n - 2], fields[n - 2]);
        if (n == 2 && lens[0] == 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: empty host port", s);

        if (n == 3) {
                char ip[IPV4_STRLEN];

                if (lens[0] == 0 || lens[0] >= sizeof(ip))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid PublishPort=%s: \"%.*s\" is not an IPv4 "
                                               "address",
                                               s, (int)lens[0], fields[0]);
                memcpy(ip, fields[0], lens[0]);
                ip[lens[0]] = 0;
                if (ipv4_parse(ip, &p.host_ip) < 0)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid PublishPort=%s: \"%s\" is not an IPv4 "
                                               "address",
                                               s, ip);
        }

        if (p.host_lo != 0 && p.host_hi - p.host_lo != p.container_hi - p.container_lo &&
            p.container_lo != p.container_hi)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid PublishPort=%s: host and container port ranges "
                                       "differ in length",
                                       s);
        if ((unsigned)(p.container_hi - p.container_lo) + 1 > PUBLISH_PORTS_MAX)
                return log_error_errno(E2BIG, "Invalid PublishPort=%s: more than %u ports", s,
                                       PUBLISH_PORTS_MAX);
        *ret = p;
        return 0;
}
