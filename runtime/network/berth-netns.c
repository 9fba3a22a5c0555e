/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-netns: the command-line face of libberth_network, for the generated
 * NAME-network.service units, for `berth-runtime cleanup`-style callers that
 * prefer a process to a library, and for tests. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipv4.h"
#include "log.h"
#include "macro.h"
#include "network.h"
#include "parse-util.h"
#include "strv.h"

static void help(void)
{
        printf("Usage: berth-netns [OPTIONS] COMMAND ...\n"
               "\n"
               "Commands:\n"
               "  create NAME [--subnet CIDR] [--gateway IP] [--ip-range RANGE]\n"
               "         [--interface-name DEV] [--internal] [--option mtu=N] [--label K=V]\n"
               "         [--dns IP] [--driver bridge] [--ipv6]\n"
               "                        write the configuration of a named network\n"
               "  remove NAME           remove a named network (no containers attached)\n"
               "  attach --container NAME --pid PID [--network NET] [--hostname H] [--ip IP]\n"
               "         [--publish SPEC] [--dns IP] [--dns-search D] [--dns-option O]\n"
               "         [--add-host NAME:IP]\n"
               "                        connect the network namespace of PID, print JSON\n"
               "  detach NAME           undo attach (idempotent)\n"
               "  gc                    detach containers whose init is gone\n"
               "\n"
               "Options:\n"
               "  --config FILE         berth.conf to read [Network] from\n"
               "  --state-dir DIR       network configurations (default %s/networks)\n"
               "  --run-dir DIR         allocations and container files (default %s/network)\n"
               "  --table NAME          nftables table, family ip (default berth)\n"
               "  --default-interface DEV  bridge of the default network\n"
               "  --default-subnet CIDR subnet of the default network\n"
               "  --resolv-conf FILE    the host's resolv.conf\n"
               "  --resolved-conf FILE  systemd-resolved's upstream resolv.conf\n"
               "  -h --help             show this help\n"
               "  --version             show the version\n",
               BERTH_STATEDIR, BERTH_RUNDIR);
}

enum {
        ARG_VERSION = 0x100,
        ARG_CONFIG,
        ARG_STATE_DIR,
        ARG_RUN_DIR,
        ARG_TABLE,
        ARG_DEFAULT_INTERFACE,
        ARG_DEFAULT_SUBNET,
        ARG_RESOLV_CONF,
        ARG_RESOLVED_CONF,
        ARG_SUBNET,
        ARG_GATEWAY,
        ARG_IP_RANGE,
        ARG_INTERFACE_NAME,
        ARG_INTERNAL,
        ARG_OPTION,
        ARG_LABEL,
        ARG_DNS,
        ARG_DRIVER,
        ARG_IPV6,
        ARG_CONTAINER,
        ARG_PID,
        ARG_NETWORK,
        ARG_HOSTNAME,
        ARG_IP,
        ARG_PUBLISH,
        ARG_DNS_SEARCH,
        ARG_DNS_OPTION,
        ARG_ADD_HOST,
};

typedef struct Args {
        const char *config;
        char *overrides[8]; /* by NetworkContext field, see apply_overrides() */
        NetworkConfig cfg;
        NetworkSpec spec;
        char **options, **labels, **dns, **publish, **dns_search, **dns_option, **add_host;
        pid_t pid;
} Args;

static void args_done(Args *a)
{
        strv_free(a->options);
        strv_free(a->labels);
        strv_free(a->dns);
        strv_free(a->publish);
        strv_free(a->dns_search);
        strv_free(a->dns_option);
        strv_free(a->add_host);
}

static const struct option global_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, ARG_VERSION},
    {"config", required_argument, NULL, ARG_CONFIG},
    {"state-dir", required_argument, NULL, ARG_STATE_DIR},
    {"run-dir", required_argument, NULL, ARG_RUN_DIR},
    {"table", required_argument, NULL, ARG_TABLE},
    {"default-interface", required_argument, NULL, ARG_DEFAULT_INTERFACE},
    {"default-subnet", required_argument, NULL, ARG_DEFAULT_SUBNET},
    {"resolv-conf", required_argument, NULL, ARG_RESOLV_CONF},
    {"resolved-conf", required_argument, NULL, ARG_RESOLVED_CONF},
    {},
};

static const struct option command_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"subnet", required_argument, NULL, ARG_SUBNET},
    {"gateway", required_argument, NULL, ARG_GATEWAY},
    {"ip-range", required_argument, NULL, ARG_IP_RANGE},
    {"interface-name", required_argument, NULL, ARG_INTERFACE_NAME},
    {"internal", no_argument, NULL, ARG_INTERNAL},
    {"option", required_argument, NULL, ARG_OPTION},
    {"label", required_argument, NULL, ARG_LABEL},
    {"dns", required_argument, NULL, ARG_DNS},
    {"driver", required_argument, NULL, ARG_DRIVER},
    {"ipv6", no_argument, NULL, ARG_IPV6},
    {"container", required_argument, NULL, ARG_CONTAINER},
    {"pid", required_argument, NULL, ARG_PID},
    {"network", required_argument, NULL, ARG_NETWORK},
    {"hostname", required_argument, NULL, ARG_HOSTNAME},
    {"ip", required_argument, NULL, ARG_IP},
    {"publish", required_argument, NULL, ARG_PUBLISH},
    {"dns-search", required_argument, NULL, ARG_DNS_SEARCH},
    {"dns-option", required_argument, NULL, ARG_DNS_OPTION},
    {"add-host", required_argument, NULL, ARG_ADD_HOST},
    {},
};

static int parse_global(int argc, char *argv[], Args *a)
{
        int c;

        /* "+": stop at the command, its options are parsed separately. */
        while ((c = getopt_long(argc, argv, "+h", global_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berth-netns %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_CONFIG:
                        a->config = optarg;
                        break;
                case ARG_STATE_DIR ... ARG_RESOLVED_CONF:
                        a->overrides[c - ARG_STATE_DIR] = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        return 1;
}

static int parse_command(int argc, char *argv[], Args *a)
{
        int c, r = 0;

        optind = 0; /* 0, not 1: makes glibc reset its state, the first pass stopped early */
        while ((c = getopt_long(argc, argv, "h", command_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_SUBNET:
                        a->cfg.subnet = optarg;
                        break;
                case ARG_GATEWAY:
                        a->cfg.gateway = optarg;
                        break;
                case ARG_IP_RANGE:
                        a->cfg.ip_range = optarg;
                        break;
                case ARG_INTERFACE_NAME:
                        a->cfg.interface_name = optarg;
                        break;
                case ARG_INTERNAL:
                        a->cfg.internal = true;
                        break;
                case ARG_OPTION:
                        r = strv_extend(&a->options, optarg);
                        break;
                case ARG_LABEL:
                        r = strv_extend(&a->labels, optarg);
                        break;
                case ARG_DNS:
                        r = strv_extend(&a->dns, optarg);
                        break;
                case ARG_DRIVER:
                        a->cfg.driver = optarg;
                        break;
                case ARG_IPV6:
                        a->cfg.ipv6 = true;
                        break;
                case ARG_CONTAINER:
                        a->spec.container = optarg;
                        break;
                case ARG_PID: {
                        uint32_t pid;

                        if (parse_uint32(optarg, &pid) < 0 || pid == 0 || pid > INT32_MAX) {
                                log_error("Invalid --pid %s", optarg);
                                return -EINVAL;
                        }
                        a->pid = (pid_t)pid;
                        break;
                }
                case ARG_NETWORK:
                        a->spec.network = optarg;
                        break;
                case ARG_HOSTNAME:
                        a->spec.hostname = optarg;
                        break;
                case ARG_IP:
                        a->spec.ip = optarg;
                        break;
                case ARG_PUBLISH:
                        r = strv_extend(&a->publish, optarg);
                        break;
                case ARG_DNS_SEARCH:
                        r = strv_extend(&a->dns_search, optarg);
                        break;
                case ARG_DNS_OPTION:
                        r = strv_extend(&a->dns_option, optarg);
                        break;
                case ARG_ADD_HOST:
                        r = strv_extend(&a->add_host, optarg);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return log_oom();
        }
        a->cfg.options = a->options;
        a->cfg.labels = a->labels;
        a->cfg.dns = a->dns;
        a->spec.publish = a->publish;
        a->spec.dns = a->dns;
        a->spec.dns_search = a->dns_search;
        a->spec.dns_option = a->dns_option;
        a->spec.add_host = a->add_host;
        return 1;
}

static int apply_overrides(NetworkContext *ctx, const Args *a)
{
        char **fields[] = {&ctx->state_dir,           &ctx->run_dir,        &ctx->table,
                           &ctx->default_interface,   &ctx->default_subnet, &ctx->host_resolv_conf,
                           &ctx->resolved_resolv_conf};

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                char *c;

                if (!a->overrides[i])
                        continue;
                c = strdup(a->overrides[i]);
                if (!c)
                        return -ENOMEM;
                free(*fields[i]);
                *fields[i] = c;
        }
        if (!network_name_is_valid(ctx->table) || strchr(ctx->table, '.') ||
            strchr(ctx->table, '-')) {
                log_error("Invalid --table %s: expected [A-Za-z0-9_]", ctx->table);
                return -EINVAL;
        }
        return 0;
}

static int print_attachment(const NetworkAttachment *att)
{
        json_t *ports = json_array(), *j;
        char *text;

        for (size_t i = 0; i < att->n_ports; i++) {
                char ip[IPV4_STRLEN];
                const PortMapping *m = &att->ports[i];

                json_array_append_new(
                    ports, json_pack("{s:s, s:s, s:i, s:i}", "proto", proto_name(m->proto),
                                     "host_ip", ipv4_format(m->host_ip, ip), "host_port",
                                     m->host_port, "container_port", m->container_port));
        }
        j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:o}", "network", att->network,
                      "interface", att->interface, "address", att->address, "gateway", att->gateway,
                      "prefixlen", att->prefixlen, "hosts", att->hosts_path, "resolv_conf",
                      att->resolv_conf_path, "hostname", att->hostname_path, "ports", ports);
        if (!j)
                return -ENOMEM;
        text = json_dumps(j, JSON_INDENT(2));
        json_decref(j);
        if (!text)
                return -ENOMEM;
        puts(text);
        free(text);
        return 0;
}

static int usage_error(const char *msg)
{
        log_error("%s", msg);
        return -EINVAL;
}

static int run(NetworkContext *ctx, const char *cmd, int argc, char *argv[], Args *a)
{
        const char *name = optind < argc ? argv[optind] : NULL;
        int r;

        if (optind + (name ? 1 : 0) < argc) {
                log_error("%s: unexpected argument %s", cmd, argv[optind + 1]);
                return -EINVAL;
        }
        if (streq(cmd, "create")) {
                if (!name)
                        return usage_error("create: missing NAME");
                a->cfg.name = name;
                return network_create(ctx, &a->cfg);
        }
        if (streq(cmd, "remove")) {
                if (!name)
                        return usage_error("remove: missing NAME");
                return network_remove(ctx, name);
        }
        if (streq(cmd, "detach")) {
                if (!name)
                        return usage_error("detach: missing NAME");
                return network_detach(ctx, name);
        }
        if (streq(cmd, "gc"))
                return network_gc(ctx);
        if (streq(cmd, "attach")) {
                _cleanup_(network_attachment_freep) NetworkAttachment *att = NULL;

                if (!a->spec.container || a->pid == 0 || name)
                        return usage_error("attach: needs --container NAME and --pid PID");
                r = network_attach(ctx, &a->spec, a->pid, &att);
                if (r < 0)
                        return r;
                return print_attachment(att) < 0 ? log_oom() : 0;
        }
        log_error("Unknown command \"%s\"", cmd);
        return -EINVAL;
}

int main(int argc, char *argv[])
{
        _cleanup_(network_context_freep) NetworkContext *ctx = NULL;
        _cleanup_(args_done) Args a = {};
        const char *cmd;
        int r;

        log_setup("berth-netns", LOG_TARGET_STDERR);
        r = parse_global(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (optind >= argc) {
                log_error("Missing command, see --help");
                return 2;
        }
        cmd = argv[optind];
        argc -= optind;
        argv += optind;
        r = parse_command(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        r = network_context_new(a.config, &ctx);
        if (r < 0)
                return 1;
        r = apply_overrides(ctx, &a);
        if (r < 0)
                return r == -EINVAL ? 2 : 1;
        r = run(ctx, cmd, argc, argv, &a);
        if (r == -EINVAL)
                return 2;
        return r < 0 ? 1 : 0;
}
