/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "network-internal.h"
#include "strbuf.h"
#include "strv.h"

static bool is_ip(const char *s)
{
        struct in6_addr a;

        return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

static bool is_loopback(const char *s)
{
        struct in_addr a4;
        struct in6_addr a6;

        if (inet_pton(AF_INET, s, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        return inet_pton(AF_INET6, s, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static bool is_hostname(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("-._", *p))
                        return false;
        return true;
}

static bool is_word(const char *s)
{
        if (isempty(s) || strlen(s) > 255)
                return false;
        for (const char *p = s; *p; p++)
                if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
                        return false;
        return true;
}

int etc_validate_spec(const NetworkSpec *spec)
{
        if (spec->hostname && !is_hostname(spec->hostname))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "Invalid HostName=%s: not a host name", spec->hostname);
        STRV_FOREACH (s, spec->dns)
                if (!is_ip(*s))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid DNS=%s: not an IP address", *s);
        STRV_FOREACH (s, spec->dns_search)
                if (!is_hostname(*s))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid DNSSearch=%s: not a domain name", *s);
        STRV_FOREACH (s, spec->dns_option)
                if (!is_word(*s))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid DNSOption=%s: not a resolver option", *s);
        STRV_FOREACH (s, spec->add_host) {
                const char *colon = strchr(*s, ':');
                _cleanup_free_ char *name = colon ? strndup(*s, colon - *s) : NULL;

                if (!colon || !name || !is_hostname(name) || !is_ip(colon + 1))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Invalid AddHost=%s: expected HOSTNAME:IP", *s);
        }
        return 0;
}

/* Writes in place: the file is bind-mounted into the container, and a bind
 * mount keeps pointing at the old inode if the file is replaced by rename. One
 * write of the whole text then a truncate, so a reader sees old or new lines,
 * never an empty file. */
static int write_in_place(int run_fd, const char *path, const char *text)
{
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);

        fd = openat(run_fd, path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return negative_errno();
        if (pwrite(fd, text, len, 0) != (ssize_t)len)
                return errno > 0 ? -errno : -EIO;
        if (ftruncate(fd, len) < 0)
                return negative_errno();
        return 0;
}

static int container_file(int run_fd, const char *container, const char *name, char *buf,
                          size_t size)
{
        snprintf(buf, size, "containers/%s", container);
        if (mkdirat(run_fd, buf, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        snprintf(buf, size, "containers/%s/%s", container, name);
        return 0;
}

int etc_write_hostname(int run_fd, const Record *rec)
{
        _cleanup_free_ char *text = NULL;
        char path[256];
        int r;

        r = container_file(run_fd, rec->container, "hostname", path, sizeof(path));
        if (r < 0)
                return r;
        if (asprintf(&text, "%s\n", rec->hostname) < 0)
                return -ENOMEM;
        return write_in_place(run_fd, path, text);
}

typedef struct Resolv {
        char **servers, **search, **options;
} Resolv;

static void resolv_done(Resolv *r)
{
        strv_free(r->servers);
        strv_free(r->search);
        strv_free(r->options);
}

static int resolv_parse(const char *path, Resolv *ret)
{
        _cleanup_free_ char *text = NULL;
        char *save = NULL;
        int r;

        r = read_full_file(path, 1 << 16, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *save2 = NULL, *key = strtok_r(l, " \t\r", &save2);
                char ***list;

                if (!key || key[0] == '#' || key[0] == ';')
                        continue;
                if (streq(key, "nameserver"))
                        list = &ret->servers;
                else if (streq(key, "search") || streq(key, "domain")) {
                        /* The last search/domain line wins, as in glibc. */
                        strv_free(ret->search);
                        ret->search = NULL;
                        list = &ret->search;
                } else if (streq(key, "options"))
                        list = &ret->options;
                else
                        continue;
                for (char *w = strtok_r(NULL, " \t\r", &save2); w;
                     w = strtok_r(NULL, " \t\r", &save2))
                        if (strv_extend(list, w) < 0)
                                return -ENOMEM;
        }
        return 0;
}

static bool any_loopback(char **servers)
{
        STRV_FOREACH (s, servers)
                if (is_loopback(*s))
                        return true;
        return false;
}

static void append_list(StrBuf *b, const char *key, char **l)
{
        if (!l)
                return;
        strbuf_append(b, key);
        STRV_FOREACH (s, l)
                strbuf_printf(b, " %s", *s);
        strbuf_putc(b, '\n');
}

int etc_write_resolv_conf(int run_fd, NetworkContext *ctx, const Network *n,
                          const NetworkSpec *spec)
{
        _cleanup_(resolv_done) Resolv host = {}, resolved = {};
        _cleanup_strbuf_ StrBuf text = STRBUF_INIT;
        char **servers, path[256];
        int r;

        (void)resolv_parse(ctx->host_resolv_conf, &host);
        servers = host.servers;
        /* A loopback server (systemd-resolved's 127.0.0.53 stub, a local
         * dnsmasq) is unreachable from the container's own namespace: use
         * the upstream servers resolved knows instead. */
        if (any_loopback(servers) && resolv_parse(ctx->resolved_resolv_conf, &resolved) >= 0)
                servers = resolved.servers;
        if (spec->dns)
                servers = spec->dns;
        else if (n->dns)
                servers = n->dns;

        /* One growing buffer, not a string per line: this runs right after
         * the container's fork, when each new heap page is a copy. */
        strbuf_append(&text, "# Generated by berth\n");
        STRV_FOREACH (s, servers)
                if (!is_loopback(*s) || spec->dns)
                        strbuf_printf(&text, "nameserver %s\n", *s);
        append_list(&text, "search", spec->dns_search ?: host.search);
        append_list(&text, "options", spec->dns_option ?: host.options);
        if (strbuf_failed(&text))
                return -ENOMEM;
        r = container_file(run_fd, spec->container, "resolv.conf", path, sizeof(path));
        if (r < 0)
                return r;
        return write_in_place(run_fd, path, text.s);
}

int etc_write_hosts(int run_fd, const Record *rec, Record *const *peers, size_t n_peers)
{
        _cleanup_strbuf_ StrBuf text = STRBUF_INIT;
        char path[256], ip[IPV4_STRLEN];
        int r;

        strbuf_append(&text, "# Generated by berth\n"
                             "127.0.0.1\tlocalhost\n"
                             "::1\tlocalhost ip6-localhost ip6-loopback\n");
        strbuf_printf(&text, "%s\t%s%s%s\n", ipv4_format(rec->address, ip), rec->hostname,
                      streq(rec->hostname, rec->container) ? "" : " ",
                      streq(rec->hostname, rec->container) ? "" : rec->container);
        STRV_FOREACH (h, rec->add_host) {
                const char *colon = strchr(*h, ':');

                strbuf_printf(&text, "%s\t%.*s\n", colon + 1, (int)(colon - *h), *h);
        }
        for (size_t i = 0; i < n_peers; i++) {
                const Record *p = peers[i];

                if (streq(p->container, rec->container))
                        continue;
                strbuf_printf(&text, "%s\t%s%s%s\n", ipv4_format(p->address, ip), p->container,
                              streq(p->hostname, p->container) ? "" : " ",
                              streq(p->hostname, p->container) ? "" : p->hostname);
        }
        if (strbuf_failed(&text))
                return -ENOMEM;
        r = container_file(run_fd, rec->container, "hosts", path, sizeof(path));
        if (r < 0)
                return r;
        return write_in_place(run_fd, path, text.s);
}
