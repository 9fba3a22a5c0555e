/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pulling images from OCI / Docker v2 registries into the store.
 *
 * A Registry is per process: configuration, shared connections, and the
 * table of layers being downloaded right now, so that two pulls needing the
 * same layer share one download. A PullContext is one pull: registry_pull()
 * blocks until the image is committed or the pull failed, so berthd runs it
 * in a worker thread; pull_context_cancel() may be called from any thread
 * (e.g. the sd-event loop on Transfer.Cancel). Progress callbacks come from
 * the thread that called registry_pull(), at most every 100 ms and on every
 * layer state change. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry-config.h"
#include "store.h"

typedef struct Registry Registry;
typedef struct PullContext PullContext;

int registry_new(const RegistryPaths *paths, Registry **ret);
void registry_free(Registry *r);
static inline void registry_freep(Registry **r)
{
        registry_free(*r);
}
/* Marks host[:port] insecure (plain HTTP), as a registries.d Insecure=yes. */
int registry_add_insecure(Registry *r, const char *host);

typedef struct PullOptions {
        const char *platform;         /* "os/arch[/variant]"; NULL: this host */
        unsigned max_parallel;        /* layers downloading at once; 0: 3 */
        unsigned connect_timeout_sec; /* 0: 30 */
        unsigned stall_timeout_sec;   /* a transfer without progress this long fails; 0: 60 */
        unsigned attempts;            /* per request, with back-off; 0: 4 */
        unsigned request_timeout_sec; /* whole manifest, config or token request; 0: 300 */
} PullOptions;

typedef enum LayerState {
        LAYER_WAITING,     /* queued, or waiting for another pull's download */
        LAYER_DOWNLOADING, /* streaming into the store */
        LAYER_DONE,        /* extracted and verified */
        LAYER_PRESENT,     /* was already in the store */
} LayerState;

typedef struct LayerProgress {
        const char *digest; /* blob digest */
        LayerState state;
        uint64_t done, total; /* compressed bytes */
} LayerProgress;

typedef enum PullPhase {
        PULL_RESOLVING, /* manifests and config */
        PULL_LAYERS,
        PULL_COMMITTING,
        PULL_DONE,
} PullPhase;

typedef struct PullProgress {
        const char *reference; /* normalised */
        PullPhase phase;
        const LayerProgress *layers;
        size_t n_layers;
        uint64_t done, total; /* sums over layers */
} PullProgress;

typedef void (*PullProgressFn)(const PullProgress *progress, void *userdata);

int pull_context_new(Registry *r, PullContext **ret);
void pull_context_free(PullContext *p);
static inline void pull_context_freep(PullContext **p)
{
        pull_context_free(*p);
}
/* Thread-safe and async-signal-safe. The pull fails with -ECANCELED. */
void pull_context_cancel(PullContext *p);
/* After a failed pull: "pull REF: STEP: WHY", e.g.
 * "pull 127.0.0.1:5000/busybox:latest: manifest: HTTP 404 (MANIFEST_UNKNOWN)". */
const char *pull_context_error(PullContext *p);

/* Pulls ref (normalised as Docker does) into the store and names the image
 * after the normalised reference. *ret_image_id is the config digest. On
 * failure nothing is committed and the error is in pull_context_error(); it
 * is not logged. */
int registry_pull(PullContext *p, Store *s, const char *ref, const PullOptions *options,
                  PullProgressFn cb, void *userdata, char **ret_image_id);
