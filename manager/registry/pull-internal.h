/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdatomic.h>

#include "manifest.h"

#include "registry-client.h"
#include "registry.h"

struct Registry {
        RegistryConfig *config;
        RegistryShare *share;
        /* Guards the in-flight table and every call into the Store, whose
         * lock is per process and not meant for threads. */
        pthread_mutex_t lock;
        pthread_cond_t inflight_changed;
        char **inflight; /* diff_ids being downloaded by some pull */
};

struct PullContext {
        Registry *registry;
        atomic_bool cancelled;
        pthread_mutex_t lock; /* guards error */
        char *error;
};

/* Records the first failure of a pull; later ones (often consequences of
 * the first) are dropped. Returns r. */
int pull_fail(PullContext *p, int r, const char *fmt, ...) _printf_(3, 4);

/* Downloads and extracts the layers not yet in the store, in parallel. */
int pull_layers(PullContext *p, Store *s, RegistryClient *client, const char *reference,
                const Descriptor *layers, char **diff_ids, size_t n, unsigned max_parallel,
                PullProgressFn cb, void *userdata);
