/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The image store: a content-addressed, crash-safe tree under a root
 * (default BERTH_STATEDIR). This header is the contract between the store
 * (manager/store/), the registry client, berthd and the
 * runtime. See docs/ARCHITECTURE.md, "Image store", for the on-disk layout. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Store Store;

/* The parts of an OCI image config that a container start needs. */
typedef struct ImageConfig {
        char **entrypoint;
        char **cmd;
        char **env; /* "KEY=VALUE" */
        char *user;
        char *workdir;
        char *stop_signal;
        char **exposed_ports; /* "80/tcp" */
        char **labels;        /* "key=value" */
        char **volumes;       /* "/data" */
        char *architecture;
        char *os;
        char *created; /* RFC 3339 as in the config */
} ImageConfig;

typedef struct Image {
        char *id;              /* config digest, "sha256:..." */
        char *manifest_digest; /* digest of the platform manifest */
        char **names;          /* normalised references, "docker.io/library/busybox:latest" */
        char **diff_ids;       /* uncompressed layer digests, bottom first */
        char **layer_dirs;     /* absolute paths of the extracted layers, bottom first */
        uint64_t size;         /* bytes of all layers, uncompressed */
        char **containers;     /* names of containers that use this image */
        ImageConfig config;
} Image;

void image_free(Image *image);
static inline void image_freep(Image **image)
{
        image_free(*image);
}

/* Creates the tree if needed and removes leftovers of interrupted work.
 * root == NULL means BERTH_STATEDIR. */
int store_open(const char *root, Store **ret);
/* Opens an existing store for lookups only: nothing is created, locked or
 * cleaned, which keeps a container's start short and never has it wait for
 * the lock of a pull in progress. Records are replaced by rename, so reads
 * need no lock. Such a Store must not be written to. -ENOENT if there is no
 * store at root. */
int store_open_readonly(const char *root, Store **ret);
void store_free(Store *s);
static inline void store_freep(Store **s)
{
        store_free(*s);
}
const char *store_root(Store *s);

/* ref_or_id: a reference (normalised here), a full image id, or a unique
 * prefix of the hex id of at least 12 digits. -ENOENT when absent. */
int store_image_resolve(Store *s, const char *ref_or_id, Image **ret);
int store_image_list(Store *s, Image ***ret, size_t *ret_n);

/* Removes one name; the image (and layers no other image uses) goes when its
 * last name does. -EBUSY while a container uses it: the message names it. */
int store_image_remove(Store *s, const char *ref_or_id);

/* Verifies data against digest before it is stored. -EBADMSG on mismatch. */
int store_put_blob(Store *s, const char *digest, const void *data, size_t len);
int store_get_blob(Store *s, const char *digest, size_t max, char **ret, size_t *ret_len);
bool store_has_layer(Store *s, const char *diff_id);

/* Records name -> image. Manifest and config must already be stored as blobs
 * and every layer listed in the config's rootfs.diff_ids must be present. */
int store_image_commit(Store *s, const char *name, const char *manifest_digest,
                       const char *config_digest);

/* Container references keep an image from being removed. */
int store_image_ref_container(Store *s, const char *image_id, const char *container);
int store_image_unref_container(Store *s, const char *image_id, const char *container);

/* Verifies every blob against its digest, every layer against the content
 * index recorded when it was extracted (every entry's type, mode, owner,
 * size, content digest, link target and xattrs: the first differing path is
 * named), every image record's blobs and layers, and reports orphans (blobs
 * and layers no image uses) and dangling names. Each finding is one line in
 * *ret_problems. Returns the number of problems (0: clean). */
int store_check(Store *s, char ***ret_problems);

/* Removes orphans (layers and blobs no image uses) older than min_age
 * seconds: younger ones may belong to a pull that is about to commit.
 * *ret_removed (optional) lists the digests removed. */
int store_prune(Store *s, uint64_t min_age, char ***ret_removed);

/* Loads an OCI image-layout archive or a `docker save` tarball. Images are
 * named by the archive (RepoTags, org.opencontainers.image.ref.name) or by
 * name when given. *ret_ids (optional) gets the imported image ids. A failed
 * import leaves nothing behind. */
int store_import_archive(Store *s, const char *path, const char *name, char ***ret_ids);
/* Progress of a long operation: bytes done of total (0: not known), called
 * in the caller's thread, often; the last call has done == total. */
typedef void (*StoreProgressFn)(uint64_t done, uint64_t total, void *userdata);
/* The same with progress: bytes of the archive read while its layers are
 * extracted (the long part), of the archive's size. */
int store_import_archive_progress(Store *s, const char *path, const char *name,
                                  StoreProgressFn progress, void *userdata, char ***ret_ids);
/* Saves an image as an OCI image-layout tar archive. */
int store_export_archive(Store *s, const char *ref_or_id, const char *path);
/* The same with progress: bytes of the layers' files written, of the
 * image's size. */
int store_export_archive_progress(Store *s, const char *ref_or_id, const char *path,
                                  StoreProgressFn progress, void *userdata);

/* Streaming layer extraction. Bytes of a (possibly compressed: gzip, zstd)
 * layer blob are fed as they arrive (from any one thread); new() may block
 * while another writer extracts the same layer and returns -EEXIST when the
 * layer is present then. A failing write() means the layer is refused: stop
 * feeding and read layer_writer_error(). finish() verifies the blob digest
 * and the diff_id and only then moves the layer into place (errors are
 * logged there). Freeing an unfinished writer removes everything it wrote.
 * Any entry that would land outside the layer is an error;
 * layer_writer_error() then names the entry. Two writers of one diff_id in
 * one thread deadlock: share the download instead. The layer is
 * layers/<hex>/diff, whiteouts in overlay form (trusted.overlay.* as root,
 * user.overlay.* otherwise). */
typedef struct LayerWriter LayerWriter;
int layer_writer_new(Store *s, const char *blob_digest, const char *diff_id, LayerWriter **ret);
/* The same, but -EAGAIN instead of waiting for another writer of the layer
 * (for an event loop, which tries again later). */
int layer_writer_try_new(Store *s, const char *blob_digest, const char *diff_id, LayerWriter **ret);
/* Drops everything fed so far and starts over, for a download that is
 * retried from its first byte. The writer keeps the layer locked meanwhile:
 * a process that holds several layer locks must never wait to take one of
 * them again. -EEXIST: the layer is present now (free the writer). */
int layer_writer_restart(LayerWriter *w);
int layer_writer_write(LayerWriter *w, const void *data, size_t len);
/* The same without blocking, for an event loop: all of data is taken, or
 * none (-EAGAIN, the buffer is full) and wakeup, when set, is called from
 * the extraction thread once there is room for it (or the extraction has
 * ended). wakeup must not call into the writer. */
int layer_writer_try_write(LayerWriter *w, const void *data, size_t len);
void layer_writer_set_wakeup(LayerWriter *w, void (*wakeup)(void *userdata), void *userdata);
int layer_writer_finish(LayerWriter *w);
/* Everything finish() does short of moving the layer into place: the
 * extraction's end, both digests, the content index, the sync. Once every
 * layer of a pull has verified, finishing them can fail only in the final
 * rename, so a pull verifies all first and commits none of them unless all
 * pass. finish() after verify() does not repeat the work. */
int layer_writer_verify(LayerWriter *w);
/* Undoes a successful finish() while the writer still lives (it keeps the
 * layer locked): for a pull whose later layer failed to move into place.
 * The layer stays when an image record uses it already. */
int layer_writer_rollback(LayerWriter *w);
const char *layer_writer_error(LayerWriter *w);
/* After a successful finish: the blob digest as computed (useful when the
 * writer was made with blob_digest == NULL, which skips that check: the
 * diff_id check still holds) and the uncompressed size. */
const char *layer_writer_blob_digest(LayerWriter *w);
uint64_t layer_writer_size(LayerWriter *w);
void layer_writer_free(LayerWriter *w);
static inline void layer_writer_freep(LayerWriter **w)
{
        layer_writer_free(*w);
}
