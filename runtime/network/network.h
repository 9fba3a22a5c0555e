/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth container networking: bridges, veths, IPAM, nftables NAT and
 * published ports, and the resolv.conf/hosts/hostname files of a container.
 *
 * Every call that changes state takes one lock (RUN_DIR/lock), so the
 * runtime, the cleanup and the network units may run concurrently. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "names.h"
#include "publish.h"

/* The network that "--network bridge" (and a .container without Network=)
 * joins. Its bridge and subnet come from berth.conf [Network]. */
#define NETWORK_DEFAULT_NAME "bridge"

typedef struct NetworkContext {
        char *state_dir;            /* NAME.json configs: BERTH_STATEDIR/networks */
        char *run_dir;              /* allocations and per-container files: /run/berth/network */
        char *table;                /* nftables table (family ip): "berth" */
        char *default_interface;    /* bridge of the default network: "berth0" */
        char *default_subnet;       /* "10.90.0.0/24" */
        char *host_resolv_conf;     /* "/etc/resolv.conf" */
        char *resolved_resolv_conf; /* "/run/systemd/resolve/resolv.conf" */
} NetworkContext;

/* Reads [Network] DefaultSubnet= and DefaultInterface= from config_path
 * (NULL: BERTH_CONFDIR/berth.conf; a missing file means defaults). Callers
 * may replace any field afterwards (tests point the directories elsewhere). */
int network_context_new(const char *config_path, NetworkContext **ret);
void network_context_free(NetworkContext *ctx);
static inline void network_context_freep(NetworkContext **p)
{
        if (*p)
                network_context_free(*p);
}

/* The keys of a .network file, as written (strings are validated by
 * network_create, errors name the key and value). */
typedef struct NetworkConfig {
        const char *name;           /* NetworkName=, else the file's base name */
        const char *driver;         /* Driver=: NULL or "bridge" */
        const char *subnet;         /* Subnet=: NULL picks a free 10.90.N.0/24 */
        const char *gateway;        /* Gateway=: NULL is the first address */
        const char *ip_range;       /* IPRange=: "A.B.C.D/N" or "A.B.C.D-E.F.G.H" */
        const char *interface_name; /* InterfaceName=: bridge device, NULL: berthN */
        bool internal;              /* Internal=: no NAT, no route out */
        bool ipv6;                  /* IPv6=: refused, berth networks are IPv4 */
        char **options;             /* Options=: "mtu=N" */
        char **labels;              /* Label=: "K=V", kept for inspection */
        char **dns;                 /* DNS=: servers for containers on the network */
} NetworkConfig;

/* Writes STATE_DIR/NAME.json. Idempotent for an identical config; a changed
 * config is refused (-EBUSY) while containers are attached. The bridge
 * itself comes up with the first container and goes with the last. */
int network_create(NetworkContext *ctx, const NetworkConfig *cfg);
/* -EBUSY while containers are attached; a missing network is not an error. */
int network_remove(NetworkContext *ctx, const char *name);

typedef struct NetworkSpec {
        const char *network;   /* NULL or "bridge": the default network */
        const char *container; /* [A-Za-z0-9][A-Za-z0-9_.-]*, unique on the host */
        const char *hostname;  /* NULL: the container name */
        const char *ip;        /* IP=: a fixed address, NULL: allocate */
        char **publish;        /* PublishPort= values */
        char **dns;            /* DNS= (overrides the host's servers) */
        char **dns_search;     /* DNSSearch= */
        char **dns_option;     /* DNSOption= */
        char **add_host;       /* AddHost=NAME:IP */
} NetworkSpec;

typedef struct NetworkAttachment {
        char *network;
        char *interface; /* host end of the veth; "eth0" inside */
        char address[16];
        char gateway[16];
        unsigned prefixlen;
        /* Files the runtime bind-mounts onto /etc/hosts, /etc/resolv.conf and
         * /etc/hostname. They are rewritten in place (same inode) when peers
         * come and go, so a file bind mount sees the change. */
        char *hosts_path;
        char *resolv_conf_path;
        char *hostname_path;
        PortMapping *ports;
        size_t n_ports;
} NetworkAttachment;

void network_attachment_free(NetworkAttachment *a);
static inline void network_attachment_freep(NetworkAttachment **p)
{
        if (*p)
                network_attachment_free(*p);
}

/* Connects the network namespace of container_pid (already unshared) to the
 * network: a veth with "eth0" inside, an address, a default route, nftables
 * elements for published ports and the three /etc files. On error nothing
 * stays behind. Errors are logged, naming the offending key and value. */
int network_attach(NetworkContext *ctx, const NetworkSpec *spec, pid_t container_pid,
                   NetworkAttachment **ret);
/* Removes what network_attach set up. Idempotent: a container that is not
 * attached is success. Safe after the container died (ExecStopPost=). */
int network_detach(NetworkContext *ctx, const char *container);
/* Detaches containers whose init is gone without a detach (a crash, a lost
 * ExecStopPost=). Attach does this itself when addresses or ports run out. */
int network_gc(NetworkContext *ctx);
