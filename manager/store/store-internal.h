/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the files of the store; not part of the contract. */

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "json-util.h"
#include "store.h"

typedef struct PendingRemoval {
        char *name; /* below the root */
        int fd;     /* holds its flock */
} PendingRemoval;

struct Store {
        char *root;
        int root_fd;
        int lock_fd; /* root/lock: flock'ed around every metadata change */
        /* flock() doesn't exclude threads sharing the fd: a recursive mutex
         * does that, and counts the nesting. */
        pthread_mutex_t mutex;
        int lock_depth;
        PendingRemoval *pending;
        size_t n_pending;
};

/* Largest manifest, config, image record or refs.json the store reads. */
#define STORE_JSON_MAX (4U * 1024 * 1024)

/* The store lock excludes other processes and other threads; it is
 * re-entrant so that helpers can take it under functions that hold it. */
int store_lock(Store *s);
void store_unlock(Store *s);
static inline void store_unlockp(Store **s)
{
        if (*s)
                store_unlock(*s);
}
#define _cleanup_store_unlock_ __attribute__((cleanup(store_unlockp)))

/* Makes a staging directory tmp/<prefix>-XXXXXX, flock'ed (the returned fd
 * holds the lock) so that store_open() of another process leaves it alone. */
int store_make_staging(Store *s, const char *prefix, char **ret_name, int *ret_fd);

unsigned long store_random(void);

/* "sha256:<hex>" -> "<hex>" once validated. */
const char *digest_hex(const char *digest);

/* layers/<hex>/diff */
char *store_layer_path(Store *s, const char *diff_id);
/* -EAGAIN when !wait and another writer holds it */
int store_layer_lock(Store *s, const char *diff_id, bool wait, int *ret_fd);
int store_defer_removal(Store *s, const char *name);
/* Removes layers/<hex> (under the store lock; the data goes after it). */
int store_layer_remove(Store *s, const char *diff_id);
/* Removes a layer unless an image record uses it (takes the lock). */
int store_layer_remove_if_unused(Store *s, const char *diff_id);

int store_blob_path(Store *s, const char *digest, char **ret);
bool store_has_blob(Store *s, const char *digest);
int store_remove_blob(Store *s, const char *digest);

/* Image records (images/<hex>.json) and refs.json. */
int image_record_load(Store *s, const char *id, Image **ret);
/* Without names (those live in refs.json only). */
int image_record_load_bare(Store *s, const char *id, Image **ret);
/* A name, an id or an id prefix -> id; ret_name gets the normalised name
 * when a name matched. -ENOENT, -ENOTUNIQ. */
int store_resolve_id(Store *s, const char *ref_or_id, char **ret_id, char **ret_name);
int store_layer_size(Store *s, const char *diff_id, uint64_t *ret);
/* layers/<hex>/meta.json: diff_id, blob_digest, size (tar bytes),
 * compressed_size, entries and bytes (as layer_index_build() counts them),
 * index (digest of layers/<hex>/index, the content index). */
int store_layer_meta(Store *s, const char *diff_id, json_t **ret);
int image_record_save(Store *s, const Image *image);
int refs_load(Store *s, json_t **ret);
int refs_save(Store *s, json_t *refs);
int store_image_gc(Store *s, const char *id);
int store_image_find_user(Store *s, const char *id, char **ret_container);

/* Names in dir that are hex digests, as "sha256:<hex>"; other names are
 * added to *problems when problems != NULL. */
int store_list_digests(Store *s, const char *dir, char ***ret, char ***problems);
/* Layers and blobs that image records other than `except` use. */
int store_collect_used(Store *s, const char *except, char ***ret_layers, char ***ret_blobs);
