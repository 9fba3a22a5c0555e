/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "network-internal.h"
#include "strbuf.h"
#include "strv.h"

void record_free(Record *r)
{
        free(r->container);
        free(r->network);
        free(r->interface);
        free(r->hostname);
        free(r->bridge);
        strv_free(r->add_host);
        free(r->ports);
        free(r);
}

int process_start_time(pid_t pid, uint64_t *ret)
{
        /* 52 numeric fields and a comm of at most 64 bytes: far below this.
         * On the stack, as the heap pages it would take are copied first
         * while a freshly forked container shares them. */
        char text[2048], path[64];
        _cleanup_close_ int fd = -EBADF;
        const char *p;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = read(fd, text, sizeof(text) - 1);
        if (n < 0)
                return negative_errno();
        if (n == sizeof(text) - 1)
                return -EBADMSG;
        text[n] = 0;
        /* comm may contain spaces and parentheses: fields restart after the
         * last ')'. Field 3 (state) follows, start time is field 22. */
        p = strrchr(text, ')');
        if (!p)
                return -EBADMSG;
        p++;
        for (int field = 3; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EBADMSG;
        }
        if (sscanf(p, " %" SCNu64, ret) != 1)
                return -EBADMSG;
        return 0;
}

bool record_is_alive(const Record *rec)
{
        uint64_t t;

        return rec->pid > 0 && process_start_time(rec->pid, &t) == 0 && t == rec->start_time;
}

static int record_path(const char *container, char *buf, size_t size)
{
        if (!container_name_is_valid(container))
                return -EINVAL;
        snprintf(buf, size, "containers/%s.json", container);
        return 0;
}

static int ports_from_json(json_t *a, Record *rec)
{
        size_t i;
        json_t *v;

        if (!json_is_array(a) || json_array_size(a) > PUBLISH_PORTS_MAX)
                return -EBADMSG;
        rec->ports = calloc(json_array_size(a) + 1, sizeof(PortMapping));
        if (!rec->ports)
                return -ENOMEM;
        json_array_foreach(a, i, v)
        {
                PortMapping *m = &rec->ports[i];
                const char *proto, *ip;
                json_int_t hp, cp;

                if (json_unpack(v, "{s:s, s:s, s:I, s:I}", "proto", &proto, "host_ip", &ip,
                                "host_port", &hp, "container_port", &cp) < 0 ||
                    proto_from_name(proto, &m->proto) < 0 || ipv4_parse(ip, &m->host_ip) < 0 ||
                    hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
                        return -EBADMSG;
                m->host_port = (uint16_t)hp;
                m->container_port = (uint16_t)cp;
        }
        rec->n_ports = json_array_size(a);
        return 0;
}

int record_load(int run_fd, const char *container, Record **ret)
{
        _cleanup_(record_freep) Record *rec = NULL;
        _cleanup_free_ char *text = NULL;
        const char *net, *iface, *host, *addr, *bridge, *subnet;
        json_int_t pid, start;
        json_t *j, *ports = NULL, *hosts = NULL;
        char path[256];
        int internal = 0, r;

        r = record_path(container, path, sizeof(path));
        if (r < 0)
                return r;
        r = read_full_file_at(run_fd, path, 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        j = json_loads(text, 0, NULL);
        if (!j)
                return -EBADMSG;
        rec = calloc(1, sizeof(Record));
        if (!rec) {
                json_decref(j);
                return -ENOMEM;
        }
        if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:o, s:o}", "network",
                        &net, "interface", &iface, "hostname", &host, "address", &addr, "bridge",
                        &bridge, "subnet", &subnet, "internal", &internal, "pid", &pid,
                        "start_time", &start, "ports", &ports, "add_host", &hosts) < 0) {
                json_decref(j);
                return -EBADMSG;
        }
        rec->container = strdup(container);
        rec->network = strdup(net);
        rec->interface = strdup(iface);
        rec->hostname = strdup(host);
        rec->bridge = strdup(bridge);
        rec->pid = (pid_t)pid;
        rec->start_time = (uint64_t)start;
        rec->internal = internal;
        r = 0;
        if (!rec->container || !rec->network || !rec->interface || !rec->hostname || !rec->bridge)
                r = -ENOMEM;
        else if (ipv4_parse(addr, &rec->address) < 0 || ipv4_subnet_parse(subnet, &rec->subnet) < 0)
                r = -EBADMSG;
        else if ((r = ports_from_json(ports, rec)) >= 0) {
                size_t i;
                json_t *v;

                json_array_foreach(hosts, i, v)
                {
                        if (!json_is_string(v))
                                r = -EBADMSG;
                        else if (strv_extend(&rec->add_host, json_string_value(v)) < 0)
                                r = -ENOMEM;
                }
        }
        json_decref(j);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rec);
        return 0;
}

/* JSON string with the escapes RFC 8259 requires. The values are validated
 * names and addresses, but the record must stay parseable whatever comes. */
static void json_put_string(StrBuf *b, const char *s)
{
        strbuf_putc(b, '"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\') {
                        strbuf_putc(b, '\\');
                        strbuf_putc(b, (char)c);
                } else if (c < 0x20)
                        strbuf_printf(b, "\\u%04x", c);
                else
                        strbuf_putc(b, (char)c);
        }
        strbuf_putc(b, '"');
}

static void json_put_key(StrBuf *b, const char *key, const char *value)
{
        strbuf_printf(b, ",\"%s\":", key);
        json_put_string(b, value);
}

/* Written by hand rather than through jansson: this runs in every container
 * start right after the clone, where each heap page a builder's many small
 * allocations touch is a copy-on-write fault. record_load() reads it back
 * with jansson. */
int record_save(int run_fd, const Record *rec)
{
        char path[256], addr[IPV4_STRLEN], subnet[IPV4_CIDR_STRLEN], ip[IPV4_STRLEN];
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        bool first = true;
        int r;

        r = record_path(rec->container, path, sizeof(path));
        if (r < 0)
                return r;
        strbuf_append(&b, "{\"network\":");
        json_put_string(&b, rec->network);
        json_put_key(&b, "interface", rec->interface);
        json_put_key(&b, "hostname", rec->hostname);
        json_put_key(&b, "address", ipv4_format(rec->address, addr));
        json_put_key(&b, "bridge", rec->bridge);
        json_put_key(&b, "subnet", ipv4_subnet_format(&rec->subnet, subnet));
        strbuf_printf(&b, ",\"internal\":%s,\"pid\":%d,\"start_time\":%" PRIu64 ",\"ports\":[",
                      rec->internal ? "true" : "false", (int)rec->pid, rec->start_time);
        for (size_t i = 0; i < rec->n_ports; i++) {
                const PortMapping *m = &rec->ports[i];

                strbuf_printf(&b,
                              "%s{\"proto\":\"%s\",\"host_ip\":\"%s\",\"host_port\":%u,"
                              "\"container_port\":%u}",
                              i > 0 ? "," : "", proto_name(m->proto), ipv4_format(m->host_ip, ip),
                              m->host_port, m->container_port);
        }
        strbuf_append(&b, "],\"add_host\":[");
        STRV_FOREACH (h, rec->add_host) {
                if (!first)
                        strbuf_putc(&b, ',');
                json_put_string(&b, *h);
                first = false;
        }
        strbuf_append(&b, "]}");
        if (strbuf_failed(&b))
                return -ENOMEM;
        /* /run is tmpfs: fsync buys nothing there, the rename alone is atomic,
         * and a reboot forgets the links the record describes anyway. */
        return write_file_atomic_at_flags(run_fd, path, b.s, b.len, 0644, 0);
}

int record_remove(int run_fd, const char *container)
{
        char path[256];
        int r = record_path(container, path, sizeof(path));

        if (r < 0)
                return r;
        if (unlinkat(run_fd, path, 0) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}
