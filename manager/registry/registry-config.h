/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Registry configuration: which registries are insecure or mirrored, their
 * CAs, and the credentials to use. Read once per Registry; every path can be
 * overridden (tests, or a second berthd instance). */

#include <stdbool.h>
#include <stddef.h>

typedef struct RegistryPaths {
        const char *config_dir; /* *.conf files; default BERTH_CONFDIR "/registries.d" */
        const char *auth_file;  /* default BERTH_CONFDIR "/auth.json" */
        const char *certs_dir;  /* default BERTH_CONFDIR "/certs.d" */
} RegistryPaths;

typedef struct RegistryHostConfig {
        char *host; /* "host" or "host:port", as in references */
        bool insecure;
        char *ca_file;
        char **mirrors;
} RegistryHostConfig;

typedef struct RegistryConfig {
        RegistryHostConfig *hosts;
        size_t n_hosts;
        char *auth_file;
        char *certs_dir;
} RegistryConfig;

int registry_config_load(const RegistryPaths *paths, RegistryConfig **ret);
void registry_config_free(RegistryConfig *c);
static inline void registry_config_freep(RegistryConfig **c)
{
        registry_config_free(*c);
}

/* Parses one .conf file's text and appends its [Registry] sections. A
 * malformed line is an error naming the file and line. */
int registry_config_parse(RegistryConfig *c, const char *text, const char *filename);

/* NULL when the host has no section. */
const RegistryHostConfig *registry_config_host(const RegistryConfig *c, const char *host);
/* Adds (or updates) a host entry marked insecure: the --insecure switch. */
int registry_config_add_insecure(RegistryConfig *c, const char *host);

/* The hosts that serve a reference's domain, in the order to try them: the
 * configured mirrors, then the registry itself (docker.io's API is served by
 * registry-1.docker.io). */
int registry_config_endpoints(const RegistryConfig *c, const char *domain, char ***ret);

/* Credentials for host from an auth.json text (containers-auth.json format).
 * Returns 0 with NULLs when there are none, -EBADMSG on a malformed file;
 * then *ret_why (when not NULL) says where: "line 3, column 1: ..." or the
 * key ("auths.\"HOST\".auth: ..."), never a credential. */
int auth_json_lookup(const char *json, size_t len, const char *host, char **ret_user,
                     char **ret_password, char **ret_why);
/* The same, reading c->auth_file; a missing file means no credentials. */
int registry_config_credentials(const RegistryConfig *c, const char *host, char **ret_user,
                                char **ret_password);

/* PEM text of every CA for host: the section's CAFile= plus
 * certs.d/HOST/ *.crt. *ret is NULL when there is none (system CAs apply). */
int registry_config_ca_bundle(const RegistryConfig *c, const char *host, char **ret,
                              size_t *ret_len);
