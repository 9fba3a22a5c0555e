/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A container record: what berthd keeps in BERTH_STATEDIR/containers/NAME/
 * config.json so that a container can be started again after berthd exited
 * or the host rebooted. Shared by berthd and berthctl (which builds the same
 * runtime command line for a foreground run). */

#include <stdbool.h>
#include <stdint.h>

#include "names.h"

#define CONTAINER_ID_LEN 64

/* Restart policies as Docker names them; each maps to one systemd Restart=. */
typedef enum RestartPolicy {
        RESTART_NO,
        RESTART_ON_FAILURE,
        RESTART_ALWAYS,
        RESTART_UNLESS_STOPPED,
        _RESTART_MAX,
        _RESTART_INVALID = -1,
} RestartPolicy;

typedef struct ContainerRecord {
        char *name;
        char *id;       /* 64 lowercase hex digits */
        char *image;    /* the reference the user gave, normalised */
        char *image_id; /* "sha256:..." of the image config */
        char **command; /* overrides the image's Cmd when set */
        char *entrypoint;
        char **env;     /* "KEY=VALUE" */
        char **volumes; /* "SRC:DST[:ro]" */
        char *user;
        char *workdir;
        RestartPolicy restart;
        uint64_t memory_max; /* bytes, 0: no limit */
        uint64_t cpu_quota;  /* CPU time per second in µs (CPUQuotaPerSecUSec), 0: none */
        uint64_t tasks_max;  /* 0: no limit */
        bool auto_remove;    /* --rm: the record goes when the container stops */
        uint64_t created;    /* µs since the epoch */
        /* Networking (berth.network(5)); NULL network: the default bridge. */
        char *network;     /* none, host, bridge or a network name */
        char *ip;          /* a fixed IPv4 address on the network */
        char **publish;    /* [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp] */
        char **dns;        /* IP addresses */
        char **dns_search; /* domains */
        char **dns_option; /* resolver options (ndots:2) */
        char **add_host;   /* HOSTNAME:IP */
} ContainerRecord;

void container_record_free(ContainerRecord *c);
static inline void container_record_freep(ContainerRecord **c)
{
        if (*c)
                container_record_free(*c);
}

bool container_id_is_valid(const char *id);
/* Every string of a record: at most 64 KiB, no control characters but tab
 * (values end up on ExecStart= lines and in the journal). */
bool record_string_is_safe(const char *s);
/* An environment entry must be KEY=VALUE with a non-empty KEY without '='. */
bool env_assignment_is_valid(const char *s);
/* SRC:DST[:ro|rw], both absolute (or SRC a volume name), no NUL or newlines. */
bool volume_spec_is_valid(const char *s);

/* The forms berth-runtime accepts, checked before they reach its command
 * line (the runtime checks them again, with the other networks in view). */
bool network_mode_is_valid(const char *s); /* none, host, bridge or a network name */
bool publish_spec_is_valid(const char *s);
bool ip_address_is_valid(const char *s); /* IPv4 or IPv6 */
bool ipv4_address_is_valid(const char *s);
bool dns_search_is_valid(const char *s);
bool dns_option_is_valid(const char *s);
bool add_host_is_valid(const char *s);
/* The network settings together: NULL if they fit, else why not. */
const char *container_record_network_error(const ContainerRecord *c);

const char *restart_policy_to_string(RestartPolicy p);
RestartPolicy restart_policy_from_string(const char *s);
/* systemd's Restart= value for a policy. */
const char *restart_policy_to_systemd(RestartPolicy p);

/* Fills name (generated when NULL), id, created. */
int container_record_new(const char *name, ContainerRecord **ret);
int container_generate_name(char **ret);

int container_record_to_json(const ContainerRecord *c, char **ret);
/* Untrusted input: every field is validated as if it came from a client. */
int container_record_from_json(const char *text, ContainerRecord **ret);

/* Record files live at <containers_dir>/<name>/config.json. */
int container_record_save(const char *containers_dir, const ContainerRecord *c);
int container_record_load(const char *containers_dir, const char *name, ContainerRecord **ret);
int container_record_remove(const char *containers_dir, const char *name);
/* Names of all records, sorted. */
int container_record_list(const char *containers_dir, char ***ret);

/* The unit a container runs as: "berth-NAME.service" (or ".scope"). */
int container_unit_name(const char *name, const char *suffix, char **ret);

/* The runtime command lines for this container (see docs/ARCHITECTURE.md).
 * argv[0] is runtime_path; store_root NULL means BERTH_STATEDIR. */
int container_runtime_argv(const ContainerRecord *c, const char *runtime_path,
                           const char *store_root, char ***ret);
int container_cleanup_argv(const ContainerRecord *c, const char *runtime_path,
                           const char *store_root, char ***ret);
