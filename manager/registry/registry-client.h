/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* HTTP to one repository of one registry: TLS and insecure handling, the
 * token and basic auth flows, retries with back-off, size caps and
 * timeouts. Safe to use from several threads at once (one request per
 * thread); the bearer token is shared. */

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry-config.h"
#include "www-authenticate.h"

/* Connections, DNS answers and TLS sessions shared by the threads of a
 * process, with the locking libcurl needs for that. */
typedef struct RegistryShare {
        CURLSH *handle;
        pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
} RegistryShare;
RegistryShare *registry_share_new(void);
void registry_share_free(RegistryShare *s);

typedef struct ClientOptions {
        unsigned connect_timeout_sec; /* 0: 30 */
        unsigned stall_timeout_sec;   /* no progress for this long aborts; 0: 60 */
        unsigned attempts;            /* per request, 0: 4 */
        unsigned backoff_ms;          /* first retry delay, doubled each time; 0: 500 */
        unsigned request_timeout_sec; /* whole manifest/config/token request; 0: 300 */
} ClientOptions;

typedef struct RegistryClient {
        const RegistryConfig *config;
        ClientOptions options;
        RegistryShare *share;
        atomic_bool *cancelled;

        char *host;       /* as in the reference: "docker.io", "127.0.0.1:5000" */
        char *endpoint;   /* host actually contacted */
        char *repository; /* "library/busybox" */
        bool insecure;
        char *ca_pem;
        size_t ca_len;
        char *user, *password;

        pthread_mutex_t lock; /* guards the fields below */
        AuthScheme scheme;
        char *token;
        unsigned auth_generation;
} RegistryClient;

int registry_client_new(const RegistryConfig *config, const ClientOptions *options,
                        RegistryShare *share, atomic_bool *cancelled, const char *host,
                        const char *endpoint, const char *repository, RegistryClient **ret);
void registry_client_free(RegistryClient *c);
static inline void registry_client_freep(RegistryClient **c)
{
        registry_client_free(*c);
}

/* Receives a body as it arrives. Returning < 0 aborts the request with that
 * error; in a TransferSet, write may also return BODY_SINK_FULL: nothing was
 * taken, the transfer pauses until transfer_set_wakeup(), then the same
 * bytes come again. open (optional, TransferSet only) runs when the
 * transfer first starts. reset is called before a retry re-sends the body
 * from its start. When open or reset return > 0 the body is not wanted (a
 * layer that another pull committed meanwhile) and the request ends there,
 * as a success without a body; in a TransferSet they may return -EAGAIN
 * (not yet: the layer is being written by another process), and are called
 * again a little later. */
#define BODY_SINK_FULL 1
typedef struct BodySink {
        int (*write)(const void *data, size_t len, void *userdata);
        int (*open)(void *userdata);
        int (*reset)(void *userdata);
        void *userdata;
        uint64_t max;      /* more bytes than this is -E2BIG */
        bool time_limited; /* small replies: ClientOptions.request_timeout_sec applies */
} BodySink;

typedef struct Response {
        long status;
        char *content_type;
        char *docker_digest; /* Docker-Content-Digest */
} Response;
void response_done(Response *r);

/* GET <endpoint>/v2/<repository>/<what>/<ref>. On failure *ret_error is an
 * allocated message such as "HTTP 404 (MANIFEST_UNKNOWN)". > 0 when the
 * sink's reset gave up on the body. */
int registry_client_get(RegistryClient *c, const char *what, const char *ref, const char *accept,
                        BodySink *sink, Response *ret, char **ret_error);

/* The same into memory, capped at max bytes. */
int registry_client_get_buffer(RegistryClient *c, const char *what, const char *ref,
                               const char *accept, size_t max, char **ret_data, size_t *ret_len,
                               Response *ret, char **ret_error);
