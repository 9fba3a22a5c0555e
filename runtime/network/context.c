/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ipv4.h"
#include "log.h"
#include "macro.h"
#include "network-internal.h"
#include "network.h"

/* Podman's default network is 10.88.0.0/16 and its named networks count up
 * from 10.89.0.0/24, so berth starts at 10.90. */
#define DEFAULT_SUBNET    "10.90.0.0/24"
#define DEFAULT_INTERFACE "berth0"

static int set_str(char **field, const char *value)
{
        char *c = strdup(value);

        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

static char *strip(char *s)
{
        char *e;

        s += strspn(s, " \t");
        e = s + strlen(s);
        while (e > s && strchr(" \t\r", e[-1]))
                *--e = 0;
        return s;
}

/* berth.conf is an INI file shared by all parts; only [Network] is read here
 * and unknown keys belong to others, so they are ignored. */
static int parse_config(NetworkContext *ctx, const char *path, const char *text)
{
        _cleanup_free_ char *copy = strdup(text);
        bool in_network = false;
        char *next;
        unsigned line = 0;
        int r;

        if (!copy)
                return -ENOMEM;
        /* line by line, blank ones included, so errors can name the line */
        for (char *l = copy; l; l = next) {
                char *eq, *key, *value;

                next = strchr(l, '\n');
                if (next)
                        *next++ = 0;
                line++;
                l = strip(l);
                if (l[0] == 0 || l[0] == '#' || l[0] == ';')
                        continue;
                if (l[0] == '[') {
                        in_network = streq(l, "[Network]");
                        continue;
                }
                if (!in_network)
                        continue;
                eq = strchr(l, '=');
                if (!eq)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%s:%u: [Network] line \"%s\" is not KEY=VALUE",
                                               path, line, l);
                *eq = 0;
                key = strip(l);
                value = strip(eq + 1);
                if (streq(key, "DefaultSubnet")) {
                        Ipv4Subnet s;

                        if (ipv4_subnet_parse(value, &s) < 0 || s.prefixlen > 30)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "%s:%u: invalid DefaultSubnet=%s: expected "
                                                       "an IPv4 network A.B.C.D/N with N <= 30",
                                                       path, line, value);
                        r = set_str(&ctx->default_subnet, value);
                } else if (streq(key, "DefaultInterface")) {
                        if (!interface_name_is_valid(value))
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "%s:%u: invalid DefaultInterface=%s: "
                                                       "expected 1-15 characters of "
                                                       "[A-Za-z0-9_.-]",
                                                       path, line, value);
                        r = set_str(&ctx->default_interface, value);
                } else
                        r = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

int network_context_new(const char *config_path, NetworkContext **ret)
{
        _cleanup_(network_context_freep) NetworkContext *ctx = NULL;
        _cleanup_free_ char *text = NULL;
        const char *path = config_path ?: BERTH_CONFDIR "/berth.conf";
        int r;

        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        if (set_str(&ctx->state_dir, BERTH_STATEDIR "/networks") < 0 ||
            set_str(&ctx->run_dir, BERTH_RUNDIR "/network") < 0 ||
            set_str(&ctx->table, "berth") < 0 ||
            set_str(&ctx->default_interface, DEFAULT_INTERFACE) < 0 ||
            set_str(&ctx->default_subnet, DEFAULT_SUBNET) < 0 ||
            set_str(&ctx->host_resolv_conf, "/etc/resolv.conf") < 0 ||
            set_str(&ctx->resolved_resolv_conf, "/run/systemd/resolve/resolv.conf") < 0)
                return -ENOMEM;

        r = read_full_file(path, 1 << 20, &text, NULL);
        if (r == -ENOENT && !config_path)
                r = 0;
        else if (r < 0)
                return log_error_errno(r, "Failed to read %s", path);
        else {
                r = parse_config(ctx, path, text);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(ctx);
        return 0;
}

void network_context_free(NetworkContext *ctx)
{
        free(ctx->state_dir);
        free(ctx->run_dir);
        free(ctx->table);
        free(ctx->default_interface);
        free(ctx->default_subnet);
        free(ctx->host_resolv_conf);
        free(ctx->resolved_resolv_conf);
        free(ctx);
}
