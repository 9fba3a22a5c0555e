/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Streaming layer extraction.
 *
 * The downloader's thread calls layer_writer_write(); the bytes are hashed
 * there (blob digest) and put in a bounded ring. A reader thread per layer
 * drains the ring through two libarchive readers: the outer one only
 * decompresses (gzip, zstd or none, format "raw"), the inner one parses the
 * tar stream. Between them sits our own read callback, the one place where
 * the uncompressed bytes pass by, so the diff_id is hashed there without a
 * second decompression and without extra dependencies. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "layer-extract.h"
#include "layer-index.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"

#define RING_SIZE  (1024 * 1024)
#define CHUNK_SIZE (128 * 1024)

struct LayerWriter {
        Store *store;
        char *blob_digest; /* expected, may be NULL */
        char *diff_id;
        char blob_actual[DIGEST_STRING_MAX];
        char diff_actual[DIGEST_STRING_MAX];
        char *staging; /* tmp/layer-XXXX, relative to the store root */
        int staging_fd;
        int diff_fd;
        int layer_lock_fd;
        bool privileged;

        Sha256 *blob_hash, *diff_hash;
        FileHashes *file_hashes;
        uint64_t blob_bytes, diff_bytes;

        pthread_mutex_t mutex;
        pthread_cond_t cond;
        uint8_t *ring;
        size_t head, len;
        pthread_t thread;
        bool eof, aborted, done, thread_started, finished, verified, committed;
        /* a try_write() found no room for `wanted` bytes: call wakeup once
         * there is, or once the extraction has ended */
        size_t wanted;
        void (*wakeup)(void *userdata);
        void *wakeup_userdata;
        int thread_r, verify_r;
        char *error;

        uint8_t *cbuf; /* compressed chunk handed to the outer reader */
        uint8_t *ubuf; /* uncompressed chunk handed to the inner reader */
        struct archive *outer;
};

static void set_error(LayerWriter *w, char *msg)
{
        if (!msg)
                return;
        free(w->error);
        w->error = msg;
}

_printf_(2, 3) static void set_errorf(LayerWriter *w, const char *fmt, ...)
{
        char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        set_error(w, m);
}

/* The messages name the layer, the entry and the cause already. */
static int writer_fail(LayerWriter *w, int r)
{
        log_error("%s", w->error);
        return r;
}

const char *layer_writer_error(LayerWriter *w)
{
        return w->error;
}

const char *layer_writer_blob_digest(LayerWriter *w)
{
        return w->blob_actual[0] ? w->blob_actual : NULL;
}

uint64_t layer_writer_size(LayerWriter *w)
{
        return w->diff_bytes;
}

/* Under the mutex. */
static void notify_room(LayerWriter *w)
{
        w->wanted = 0;
        if (w->wakeup)
                w->wakeup(w->wakeup_userdata);
}

static la_ssize_t outer_read(struct archive *a, void *userdata, const void **buf)
{
        LayerWriter *w = userdata;
        size_t n, first;

        pthread_mutex_lock(&w->mutex);
        while (w->len == 0 && !w->eof && !w->aborted)
                pthread_cond_wait(&w->cond, &w->mutex);
        if (w->aborted) {
                pthread_mutex_unlock(&w->mutex);
                archive_set_error(a, ECANCELED, "aborted");
                return -1;
        }
        n = w->len < CHUNK_SIZE ? w->len : CHUNK_SIZE;
        first = RING_SIZE - w->head < n ? RING_SIZE - w->head : n;
        memcpy(w->cbuf, w->ring + w->head, first);
        memcpy(w->cbuf + first, w->ring, n - first);
        w->head = (w->head + n) % RING_SIZE;
        w->len -= n;
        pthread_cond_broadcast(&w->cond);
        if (w->wanted > 0 && RING_SIZE - w->len >= w->wanted)
                notify_room(w);
        pthread_mutex_unlock(&w->mutex);
        *buf = w->cbuf;
        return n;
}

static la_ssize_t inner_read(struct archive *a, void *userdata, const void **buf)
{
        LayerWriter *w = userdata;
        la_ssize_t n = archive_read_data(w->outer, w->ubuf, CHUNK_SIZE);

        if (n < 0) {
                archive_set_error(a, EIO, "decompress: %s", archive_error_string(w->outer));
                return -1;
        }
        sha256_update(w->diff_hash, w->ubuf, n);
        w->diff_bytes += n;
        *buf = w->ubuf;
        return n;
}

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

static int extract(LayerWriter *w)
{
        _cleanup_(archive_freep) struct archive *outer = NULL, *inner = NULL;
        _cleanup_(extractor_freep) Extractor *x = NULL;
        struct archive_entry *e;
        char *msg = NULL;
        int r;

        outer = archive_read_new();
        inner = archive_read_new();
        if (!outer || !inner)
                return -ENOMEM;
        /* Only the decompressors a layer may use: filter_all would also
         * accept formats that run external programs. */
        archive_read_support_filter_gzip(outer);
        archive_read_support_filter_zstd(outer);
        archive_read_support_filter_none(outer);
        archive_read_support_format_raw(outer);
        archive_read_support_format_empty(outer);
        w->outer = outer;
        if (archive_read_open(outer, w, NULL, outer_read, NULL) != ARCHIVE_OK) {
                set_errorf(w, "Layer %s: open: %s", w->diff_id, archive_error_string(outer));
                return -EBADMSG;
        }
        r = archive_read_next_header(outer, &e);
        if (r == ARCHIVE_EOF)
                return 0; /* a zero-byte blob */
        if (r < ARCHIVE_WARN) {
                set_errorf(w, "Layer %s: decompress: %s", w->diff_id, archive_error_string(outer));
                return -EBADMSG;
        }

        archive_read_support_format_tar(inner);
        archive_read_support_format_empty(inner);
        if (archive_read_open(inner, w, NULL, inner_read, NULL) != ARCHIVE_OK) {
                set_errorf(w, "Layer %s: read tar: %s", w->diff_id, archive_error_string(inner));
                return -EBADMSG;
        }
        r = extractor_new(w->diff_fd, w->privileged, &x);
        if (r < 0)
                return r;
        extractor_set_hashes(x, w->file_hashes);
        for (;;) {
                r = archive_read_next_header(inner, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        set_errorf(w, "Layer %s: read tar: %s", w->diff_id,
                                   archive_error_string(inner));
                        return -EBADMSG;
                }
                r = extractor_entry(x, inner, e, &msg);
                if (r < 0) {
                        set_error(w, msg);
                        return r;
                }
        }
        r = extractor_finish(x, &msg);
        if (r < 0) {
                set_error(w, msg);
                return r;
        }
        /* The end-of-archive blocks and any padding after them are part of
         * the diff_id too. */
        for (;;) {
                const void *b;
                la_ssize_t n = inner_read(inner, w, &b);
                if (n < 0) {
                        set_errorf(w, "Layer %s: %s", w->diff_id, archive_error_string(inner));
                        return -EBADMSG;
                }
                if (n == 0)
                        break;
        }
        return 0;
}

static void *reader_thread(void *userdata)
{
        LayerWriter *w = userdata;
        int r = extract(w);

        pthread_mutex_lock(&w->mutex);
        w->thread_r = r;
        w->done = true;
        pthread_cond_broadcast(&w->cond);
        if (w->wanted > 0)
                notify_room(w);
        pthread_mutex_unlock(&w->mutex);
        return NULL;
}

/* A fresh staging directory and extraction thread, with nothing fed yet. */
static int writer_start(LayerWriter *w)
{
        int r;

        if (sha256_new(&w->blob_hash) < 0 || sha256_new(&w->diff_hash) < 0 ||
            file_hashes_new(&w->file_hashes) < 0)
                return log_oom();
        r = store_make_staging(w->store, "layer", &w->staging, &w->staging_fd);
        if (r < 0)
                return r;
        if (mkdirat(w->staging_fd, "diff", 0755) < 0)
                return log_error_errno(errno, "Layer %s: create staging", w->diff_id);
        w->diff_fd = openat(w->staging_fd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w->diff_fd < 0)
                return log_error_errno(errno, "Layer %s: open staging", w->diff_id);

        r = pthread_create(&w->thread, NULL, reader_thread, w);
        if (r != 0)
                return log_error_errno(r, "Layer %s: start extraction thread", w->diff_id);
        w->thread_started = true;
        return 0;
}

static int join_thread(LayerWriter *w)
{
        if (!w->thread_started)
                return 0;
        pthread_join(w->thread, NULL);
        w->thread_started = false;
        return w->thread_r;
}

/* Stops the extraction and removes all it wrote; the layer lock stays. */
static void writer_stop(LayerWriter *w)
{
        if (w->thread_started) {
                pthread_mutex_lock(&w->mutex);
                w->aborted = true;
                pthread_cond_broadcast(&w->cond);
                pthread_mutex_unlock(&w->mutex);
                (void)join_thread(w);
        }
        w->diff_fd = safe_close(w->diff_fd);
        if (w->staging) {
                /* unfinished or refused: nothing of it may stay */
                (void)rm_rf_at(w->store->root_fd, w->staging);
                free(w->staging);
                w->staging = NULL;
        }
        w->staging_fd = safe_close(w->staging_fd);
        sha256_free(w->blob_hash);
        sha256_free(w->diff_hash);
        file_hashes_free(w->file_hashes);
        w->blob_hash = w->diff_hash = NULL;
        w->file_hashes = NULL;
}

static int writer_new(Store *s, const char *blob_digest, const char *diff_id, bool wait,
                      LayerWriter **ret)
{
        _cleanup_(layer_writer_freep) LayerWriter *w = NULL;
        int r;

        if (!digest_is_valid(diff_id) || (blob_digest && !digest_is_valid(blob_digest)))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Layer writer: invalid digest");
        w = calloc(1, sizeof(*w));
        if (!w)
                return log_oom();
        w->store = s;
        w->staging_fd = w->diff_fd = w->layer_lock_fd = -EBADF;
        pthread_mutex_init(&w->mutex, NULL);
        pthread_cond_init(&w->cond, NULL);
        w->diff_id = strdup(diff_id);
        w->blob_digest = blob_digest ? strdup(blob_digest) : NULL;
        w->ring = malloc(RING_SIZE);
        w->cbuf = malloc(CHUNK_SIZE);
        w->ubuf = malloc(CHUNK_SIZE);
        if (!w->diff_id || (blob_digest && !w->blob_digest) || !w->ring || !w->cbuf || !w->ubuf)
                return log_oom();
        w->privileged = geteuid() == 0;

        /* Another writer of the same layer (this process or another) finishes
         * first; then the layer is simply there. */
        r = store_layer_lock(s, diff_id, wait, &w->layer_lock_fd);
        if (r < 0)
                return r;
        if (store_has_layer(s, diff_id))
                return -EEXIST;
        r = writer_start(w);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

int layer_writer_restart(LayerWriter *w)
{
        if (w->verified || w->finished)
                return -EINVAL;
        writer_stop(w);
        w->head = w->len = w->wanted = 0;
        w->blob_bytes = w->diff_bytes = 0;
        w->eof = w->aborted = w->done = false;
        w->thread_r = 0;
        free(w->error);
        w->error = NULL;
        /* only a writer that bypassed the lock (an import of old) can have
         * put it there; then there is nothing left to do */
        if (store_has_layer(w->store, w->diff_id))
                return -EEXIST;
        return writer_start(w);
}

int layer_writer_new(Store *s, const char *blob_digest, const char *diff_id, LayerWriter **ret)
{
        return writer_new(s, blob_digest, diff_id, true, ret);
}

int layer_writer_try_new(Store *s, const char *blob_digest, const char *diff_id, LayerWriter **ret)
{
        return writer_new(s, blob_digest, diff_id, false, ret);
}

int layer_writer_write(LayerWriter *w, const void *data, size_t len)
{
        const uint8_t *p = data;

        if (w->finished || w->eof)
                return -EINVAL;
        sha256_update(w->blob_hash, data, len);
        w->blob_bytes += len;

        pthread_mutex_lock(&w->mutex);
        while (len > 0) {
                size_t tail, n;

                while (w->len == RING_SIZE && !w->done)
                        pthread_cond_wait(&w->cond, &w->mutex);
                if (w->done) {
                        int r = w->thread_r;
                        pthread_mutex_unlock(&w->mutex);
                        /* The extraction failed: tell the downloader to stop. */
                        return r < 0 ? r : -EBADMSG;
                }
                tail = (w->head + w->len) % RING_SIZE;
                n = RING_SIZE - w->len;
                if (n > RING_SIZE - tail)
                        n = RING_SIZE - tail;
                if (n > len)
                        n = len;
                memcpy(w->ring + tail, p, n);
                w->len += n;
                p += n;
                len -= n;
                pthread_cond_broadcast(&w->cond);
        }
        pthread_mutex_unlock(&w->mutex);
        return 0;
}

void layer_writer_set_wakeup(LayerWriter *w, void (*wakeup)(void *userdata), void *userdata)
{
        pthread_mutex_lock(&w->mutex);
        w->wakeup = wakeup;
        w->wakeup_userdata = userdata;
        pthread_mutex_unlock(&w->mutex);
}

int layer_writer_try_write(LayerWriter *w, const void *data, size_t len)
{
        size_t tail, first;

        if (w->finished || w->eof)
                return -EINVAL;
        if (len > RING_SIZE / 2)
                return layer_writer_write(w, data, len);
        pthread_mutex_lock(&w->mutex);
        if (w->done) {
                int r = w->thread_r;
                pthread_mutex_unlock(&w->mutex);
                return r < 0 ? r : -EBADMSG;
        }
        if (RING_SIZE - w->len < len) {
                w->wanted = len;
                pthread_mutex_unlock(&w->mutex);
                return -EAGAIN;
        }
        tail = (w->head + w->len) % RING_SIZE;
        first = RING_SIZE - tail < len ? RING_SIZE - tail : len;
        memcpy(w->ring + tail, data, first);
        memcpy(w->ring, (const uint8_t *)data + first, len - first);
        w->len += len;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mutex);
        /* hashed once taken: refused bytes come again */
        sha256_update(w->blob_hash, data, len);
        w->blob_bytes += len;
        return 0;
}

/* The content index goes next to diff/, its digest into meta.json: both
 * appear in layers/ with the one rename that commits the layer. Neither is
 * fsync'ed here: the syncfs() before that rename covers them. */
static int write_meta(LayerWriter *w)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        char index_digest[DIGEST_STRING_MAX];
        LayerIndexStats stats;
        json_t *j;
        int r;

        fd = openat(w->staging_fd, "index", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        r = layer_index_write(w->diff_fd, w->file_hashes, fd, index_digest, &stats);
        if (r < 0)
                return r;
        j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "diff_id", w->diff_id, "blob_digest",
                      w->blob_actual, "size", (json_int_t)w->diff_bytes, "compressed_size",
                      (json_int_t)w->blob_bytes, "entries", (json_int_t)stats.entries, "bytes",
                      (json_int_t)stats.bytes, "index", index_digest);
        if (!j)
                return -ENOMEM;
        data = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!data)
                return -ENOMEM;
        return write_file_atomic_at_flags(w->staging_fd, "meta.json", data, strlen(data), 0644, 0);
}

static int verify(LayerWriter *w)
{
        int r;

        pthread_mutex_lock(&w->mutex);
        w->eof = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mutex);
        r = join_thread(w);
        if (r < 0) {
                if (!w->error)
                        set_errorf(w, "Layer %s: %s", w->diff_id, strerror(-r));
                return writer_fail(w, r);
        }

        sha256_final(w->blob_hash, w->blob_actual);
        sha256_final(w->diff_hash, w->diff_actual);
        if (w->blob_digest && !streq(w->blob_digest, w->blob_actual)) {
                set_errorf(w, "Layer %s: blob digest mismatch: expected %s, got %s", w->diff_id,
                           w->blob_digest, w->blob_actual);
                return writer_fail(w, -EBADMSG);
        }
        if (!streq(w->diff_id, w->diff_actual)) {
                set_errorf(w, "Layer %s: diff_id mismatch: the uncompressed layer is %s",
                           w->diff_id, w->diff_actual);
                return writer_fail(w, -EBADMSG);
        }

        r = write_meta(w);
        if (r < 0) {
                set_errorf(w, "Layer %s: write metadata: %s", w->diff_id, strerror(-r));
                return writer_fail(w, r);
        }
        /* One syncfs instead of an fsync per file: the layer's data must be
         * on disk before its name appears in layers/. */
        if (syncfs(w->diff_fd) < 0) {
                r = negative_errno();
                set_errorf(w, "Layer %s: sync: %s", w->diff_id, strerror(-r));
                return writer_fail(w, r);
        }
        return 0;
}

int layer_writer_verify(LayerWriter *w)
{
        if (w->finished)
                return -EINVAL;
        if (!w->verified) {
                w->verify_r = verify(w);
                w->verified = true;
        }
        return w->verify_r;
}

int layer_writer_finish(LayerWriter *w)
{
        _cleanup_store_unlock_ Store *locked = NULL;
        Store *s = w->store;
        char target[128];
        int r;

        r = layer_writer_verify(w);
        if (r < 0)
                return r;

        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        snprintf(target, sizeof(target), "layers/%s", digest_hex(w->diff_id));
        if (renameat2(s->root_fd, w->staging, s->root_fd, target, RENAME_NOREPLACE) < 0) {
                if (errno != EEXIST && errno != ENOTEMPTY) {
                        r = negative_errno();
                        set_errorf(w, "Layer %s: move into place: %s", w->diff_id, strerror(-r));
                        return writer_fail(w, r);
                }
                /* present already (it was added behind our lock's back) */
        } else {
                int lfd = openat(s->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (lfd >= 0) {
                        (void)fsync(lfd);
                        safe_close(lfd);
                }
                free(w->staging);
                w->staging = NULL;
                w->committed = true;
        }
        w->finished = true;
        return 0;
}

int layer_writer_rollback(LayerWriter *w)
{
        if (!w->committed)
                return 0;
        w->committed = false;
        /* The writer still holds the layer's lock, so no other writer can
         * have taken it over; an image committed meanwhile keeps it. */
        return store_layer_remove_if_unused(w->store, w->diff_id);
}

void layer_writer_free(LayerWriter *w)
{
        if (!w)
                return;
        writer_stop(w);
        safe_close(w->layer_lock_fd);
        pthread_mutex_destroy(&w->mutex);
        pthread_cond_destroy(&w->cond);
        free(w->ring);
        free(w->cbuf);
        free(w->ubuf);
        free(w->blob_digest);
        free(w->diff_id);
        free(w->error);
        free(w);
}
