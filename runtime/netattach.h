/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --network bridge|NAME: the runtime's side of libberth_network. The parent
 * attaches the cloned child's network namespace while the child waits, then
 * hands it the three /etc files to bind-mount before pivot_root. Nothing
 * here runs (or initialises the library) for --network none or host. */

#include <stdbool.h>
#include <sys/types.h>

typedef struct ContainerNet {
        char *network; /* "bridge" or a network created by berth-netns */
        char *ip;
        char **publish;
        char **dns;
        char **dns_search;
        char **dns_option;
        char **add_host;
        char *state_dir; /* NULL: the library's default */
        char *run_dir;   /* NULL: the library's default */
        bool attached;
} ContainerNet;

void container_net_done(ContainerNet *n);
void container_net_free(ContainerNet *n);

/* The network names --network takes besides none and host. */
bool container_net_name_is_valid(const char *name);

/* Parent, between clone and the child's mounts. Fills files[] (hosts,
 * resolv.conf, hostname; freed by the caller). On error nothing stays
 * attached; the error is logged. */
int container_net_attach(ContainerNet *n, const char *container, const char *hostname, pid_t pid,
                         char *files[3]);
/* Idempotent; logs its own errors. */
int container_net_detach(const char *state_dir, const char *run_dir, const char *container);

/* Where the files of container_net_attach() go inside the container. */
extern const char *const container_net_etc_files[3];
