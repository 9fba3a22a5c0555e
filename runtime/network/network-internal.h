/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipv4.h"
#include "network.h"
#include "publish.h"

/* Layout of NetworkContext.run_dir (a tmpfs: a reboot forgets everything,
 * exactly like the links and rules it describes):
 *   lock                        flock()ed by every change
 *   containers/NAME.json        attachment record
 *   containers/NAME/            hosts, resolv.conf, hostname (bound into NAME)
 *   networks/NET/A.B.C.D        IPAM: one O_EXCL file per address, holds NAME
 *   ports/tcp-8080              one O_EXCL file per published host port, NAME */

typedef struct Network {
        char *name;
        char *interface;
        Ipv4Subnet subnet;
        uint32_t gateway;
        uint32_t range_start, range_end; /* inclusive, within subnet */
        bool internal;
        uint32_t mtu; /* 0: kernel default */
        char **dns;
        char **labels;
} Network;

void network_free(Network *n);
static inline void network_freep(Network **p)
{
        if (*p)
                network_free(*p);
}
/* "bridge" (or NULL) is the default network from the context; others are
 * read from STATE_DIR/NAME.json. -ENOENT is logged naming Network=. */
int network_load(NetworkContext *ctx, const char *name, Network **ret);
bool interface_name_is_valid(const char *name);

typedef struct Record {
        char *container;
        char *network;
        char *interface; /* host end of the veth */
        char *hostname;
        uint32_t address;
        /* The network as it was at attach time, so a detach tears down
         * exactly what was set up even if the config changed meanwhile. */
        char *bridge;
        Ipv4Subnet subnet;
        bool internal;
        pid_t pid;
        uint64_t start_time;
        char **add_host; /* validated NAME:IP */
        PortMapping *ports;
        size_t n_ports;
} Record;

void record_free(Record *r);
static inline void record_freep(Record **p)
{
        if (*p)
                record_free(*p);
}
/* -ENOENT when the container has no record. */
int record_load(int run_fd, const char *container, Record **ret);
int record_save(int run_fd, const Record *rec);
int record_remove(int run_fd, const char *container);

/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat): together with the pid it names one process for good. */
int process_start_time(pid_t pid, uint64_t *ret);
/* Whether the process that owned a record still runs. */
bool record_is_alive(const Record *rec);

/* IPAM. All callers hold the lock; O_EXCL keeps a file-per-address valid even
 * across a crash in the middle. */
int ipam_allocate(int run_fd, const Network *n, const char *container, uint32_t wanted,
                  uint32_t *ret);
/* Only releases the address if container still holds it. */
int ipam_release(int run_fd, const char *network, uint32_t address, const char *container);
/* Lists (address, container) pairs of a network; returns the count. */
typedef struct IpamEntry {
        uint32_t address;
        char *container;
} IpamEntry;
int ipam_list(int run_fd, const char *network, IpamEntry **ret);
void ipam_entries_free(IpamEntry *e, int n);

int port_reserve(int run_fd, const PortMapping *m, const char *container);
/* Reads who holds a reservation: -ENOENT when nobody. */
int port_owner(int run_fd, const PortMapping *m, char **ret);
int port_release(int run_fd, const PortMapping *m, const char *container);

/* The container's /etc files. */
int etc_write_hostname(int run_fd, const Record *rec);
int etc_write_resolv_conf(int run_fd, NetworkContext *ctx, const Network *n,
                          const NetworkSpec *spec);
/* Rewrites the container's hosts file in place from its record and the
 * network's current members. */
int etc_write_hosts(int run_fd, const Record *rec, Record *const *peers, size_t n_peers);
int etc_validate_spec(const NetworkSpec *spec);

/* nftables through libnftables, one transaction each: declares the table and
 * its rules, the network's elements and the container's ports (failing with
 * -EEXIST if one is taken), and restores the elements of the others. */
int nft_attach(const NetworkContext *ctx, const Network *n, const Record *rec, Record **others,
               size_t n_others);
/* Removes the container's elements; with last_on_network the network's own
 * elements too; with last_network the whole table. */
int nft_detach(const NetworkContext *ctx, const Record *rec, bool last_on_network,
               bool last_network);

int sysctl_write(const char *path, const char *value);

/* Creates and opens run_dir, and takes its lock (released on close). */
int run_dir_lock(const NetworkContext *ctx, int *ret_run_fd, int *ret_lock_fd);

/* The same as nft_attach() and nft_detach() in one raw nf_tables netlink
 * batch, without libnftables: -ENOBUFS when it does not fit one netlink
 * buffer (many networks and ports), then use those. */
int nft_attach_fast(const NetworkContext *ctx, const Network *n, const Record *rec, Record **others,
                    size_t n_others);
int nft_detach_fast(const NetworkContext *ctx, const Record *rec, bool last_on_network,
                    bool last_network);

/* Adds (with add, failing with -EEXIST on a taken port) or removes (idempotent)
 * the container's published-port elements through raw nf_tables netlink.
 * -E2BIG: too many for this path, use nft_attach()/nft_detach(). */
int nft_ports_fast(const NetworkContext *ctx, const Record *rec, bool add);
/* A container joining a network that is up: checks that berth's table is
 * there and adds the container's published-port elements, on one socket.
 * 1: done; 0: no table (rebuild it with nft_attach()); -E2BIG: too many
 * ports for this path; -EEXIST: a port is taken. */
int nft_join_fast(const NetworkContext *ctx, const Record *rec);
