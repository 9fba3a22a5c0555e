/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "pull-internal.h"
#include "strv.h"

#define PROGRESS_INTERVAL_MS 100

typedef struct LayerJob {
        const Descriptor *desc;
        const char *diff_id;
        _Atomic LayerState state;
        atomic_uint_fast64_t done;
        bool claimed;        /* in the in-flight table on our behalf */
        bool duplicate;      /* the same layer as an earlier job of this pull */
        LayerWriter *writer; /* streamed completely, not yet finished */
} LayerJob;

/* One pull's layer phase, shared by its worker threads. */
typedef struct LayerRun {
        PullContext *p;
        Store *store;
        RegistryClient *client;
        LayerJob *jobs;
        size_t n_jobs;

        pthread_mutex_t lock; /* guards next, running */
        pthread_cond_t changed;
        size_t next;
        unsigned running;
        int error;
} LayerRun;

static void timespec_in_ms(struct timespec *ts, unsigned ms)
{
        clock_gettime(CLOCK_REALTIME, ts);
        ts->tv_nsec += (long)ms * 1000000L;
        ts->tv_sec += ts->tv_nsec / 1000000000L;
        ts->tv_nsec %= 1000000000L;
}

static void run_notify(LayerRun *run)
{
        pthread_mutex_lock(&run->lock);
        pthread_cond_broadcast(&run->changed);
        pthread_mutex_unlock(&run->lock);
}

static void inflight_release(LayerRun *run, const char *diff_id)
{
        Registry *reg = run->p->registry;
        char **l;

        pthread_mutex_lock(&reg->lock);
        for (l = reg->inflight; l && *l; l++)
                if (streq(*l, diff_id)) {
                        free(*l);
                        memmove(l, l + 1, (strv_length(l + 1) + 1) * sizeof(char *));
                        break;
                }
        pthread_cond_broadcast(&reg->inflight_changed);
        pthread_mutex_unlock(&reg->lock);
}

typedef struct LayerSink {
        LayerRun *run;
        LayerJob *job;
        LayerWriter *writer;
} LayerSink;

static int sink_open(LayerSink *ls)
{
        Registry *reg = ls->run->p->registry;
        int r;

        pthread_mutex_lock(&reg->lock);
        layer_writer_free(ls->writer);
        ls->writer = NULL;
        r = layer_writer_new(ls->run->store, ls->job->desc->digest, ls->job->diff_id, &ls->writer);
        pthread_mutex_unlock(&reg->lock);
        atomic_store(&ls->job->done, 0);
        return r;
}

static int sink_write(const void *data, size_t len, void *userdata)
{
        LayerSink *ls = userdata;
        int r;

        r = layer_writer_write(ls->writer, data, len);
        if (r < 0)
                return r;
        atomic_fetch_add(&ls->job->done, len);
        return 0;
}

static int sink_reset(void *userdata)
{
        int r = sink_open(userdata);

        /* A retry finds the layer committed meanwhile (by another process):
         * nothing left to download. */
        return r == -EEXIST ? 1 : r;
}

static void sink_close(LayerSink *ls)
{
        Registry *reg = ls->run->p->registry;

        if (!ls->writer)
                return;
        pthread_mutex_lock(&reg->lock);
        layer_writer_free(ls->writer);
        pthread_mutex_unlock(&reg->lock);
        ls->writer = NULL;
}

static int layer_fetch(LayerRun *run, LayerJob *job, const char *reference)
{
        LayerSink ls = {.run = run, .job = job};
        BodySink sink = {
            .write = sink_write, .reset = sink_reset, .userdata = &ls, .max = job->desc->size};
        _cleanup_free_ char *error = NULL;
        Response resp = {};
        int r;

        r = sink_open(&ls);
        if (r == -EEXIST) /* another process committed it meanwhile */
                return 0;
        if (r < 0)
                return pull_fail(run->p, r, "pull %s: layer %s: open in store", reference,
                                 job->desc->digest);

        r = registry_client_get(run->client, "blobs", job->desc->digest, NULL, &sink, &resp,
                                &error);
        response_done(&resp);
        if (r > 0) {
                sink_close(&ls);
                return 0;
        }
        if (r < 0) {
                const char *why = ls.writer ? layer_writer_error(ls.writer) : NULL;
                if (r == -E2BIG)
                        why = "blob larger than its descriptor says";
                pull_fail(run->p, r, "pull %s: layer %s: %s", reference, job->desc->digest,
                          why ?: error ?: strerror(-r));
                sink_close(&ls);
                return r;
        }
        if (atomic_load(&job->done) != job->desc->size) {
                sink_close(&ls);
                return pull_fail(run->p, -EBADMSG,
                                 "pull %s: layer %s: blob has %ju bytes, descriptor says %ju",
                                 reference, job->desc->digest, (uintmax_t)atomic_load(&job->done),
                                 (uintmax_t)job->desc->size);
        }
        /* Finishing (verifying and moving into place) waits until every
         * layer of the pull has streamed in, so that a failure anywhere
         * leaves no layer of this pull committed. */
        job->writer = TAKE_PTR(ls.writer);
        return 0;
}

static int layer_run_one(LayerRun *run, LayerJob *job, const char *reference)
{
        int r;

        atomic_store(&job->state, LAYER_DOWNLOADING);
        run_notify(run);
        r = layer_fetch(run, job, reference);
        if (r >= 0 && !job->writer) /* committed by another process meanwhile */
                atomic_store(&job->state, LAYER_PRESENT);
        return r;
}

/* Commits the streamed layers when all went well, else drops them; either
 * way the in-flight claims go. Every layer is verified (digests, content
 * index, sync) before any is moved into place, and should a move fail, the
 * layers this pull moved already go again: a failed pull leaves no layer
 * behind. The writers hold their layers' locks until the end, so no other
 * pull can have adopted a layer that is rolled back (an image committed
 * meanwhile keeps it). */
static int finish_layers(LayerRun *run, int r, const char *reference)
{
        Registry *reg = run->p->registry;
        size_t i;

        pthread_mutex_lock(&reg->lock);
        for (i = 0; i < run->n_jobs && r >= 0; i++) {
                LayerJob *job = &run->jobs[i];

                if (!job->writer)
                        continue;
                r = layer_writer_verify(job->writer);
                if (r < 0)
                        pull_fail(run->p, r, "pull %s: layer %s: %s", reference, job->desc->digest,
                                  layer_writer_error(job->writer) ?: strerror(-r));
        }
        for (i = 0; i < run->n_jobs && r >= 0; i++) {
                LayerJob *job = &run->jobs[i];

                if (!job->writer)
                        continue;
                r = layer_writer_finish(job->writer);
                if (r < 0)
                        pull_fail(run->p, r, "pull %s: layer %s: %s", reference, job->desc->digest,
                                  layer_writer_error(job->writer) ?: strerror(-r));
        }
        for (i = 0; i < run->n_jobs; i++) {
                LayerJob *job = &run->jobs[i];

                if (job->writer) {
                        if (r < 0)
                                (void)layer_writer_rollback(job->writer);
                        else
                                atomic_store(&job->state, LAYER_DONE);
                        layer_writer_free(job->writer);
                        job->writer = NULL;
                }
        }
        pthread_mutex_unlock(&reg->lock);
        for (i = 0; i < run->n_jobs; i++) {
                LayerJob *job = &run->jobs[i];

                if (job->claimed)
                        inflight_release(run, job->diff_id);
                if (job->duplicate && r >= 0)
                        atomic_store(&job->state, LAYER_DONE);
        }
        return r;
}

typedef struct WorkerArgs {
        LayerRun *run;
        const char *reference;
} WorkerArgs;

static void *worker(void *userdata)
{
        WorkerArgs *a = userdata;
        LayerRun *run = a->run;

        for (;;) {
                LayerJob *job = NULL;
                int r;

                pthread_mutex_lock(&run->lock);
                while (run->error >= 0 && run->next < run->n_jobs && !job) {
                        job = &run->jobs[run->next++];
                        if (!job->claimed)
                                job = NULL;
                }
                pthread_mutex_unlock(&run->lock);
                if (!job)
                        break;
                r = layer_run_one(run, job, a->reference);
                pthread_mutex_lock(&run->lock);
                if (r < 0 && run->error >= 0) {
                        run->error = r;
                        /* stop the other layers' transfers too */
                        atomic_store(&run->p->cancelled, true);
                }
                pthread_cond_broadcast(&run->changed);
                pthread_mutex_unlock(&run->lock);
        }
        pthread_mutex_lock(&run->lock);
        run->running--;
        pthread_cond_broadcast(&run->changed);
        pthread_mutex_unlock(&run->lock);
        return NULL;
}

static void report(LayerRun *run, LayerProgress *lp, const char *reference, PullProgressFn cb,
                   void *userdata)
{
        PullProgress pp = {
            .reference = reference, .phase = PULL_LAYERS, .layers = lp, .n_layers = run->n_jobs};

        if (!cb)
                return;
        for (size_t i = 0; i < run->n_jobs; i++) {
                lp[i] = (LayerProgress){
                    .digest = run->jobs[i].desc->digest,
                    .state = atomic_load(&run->jobs[i].state),
                    .done = atomic_load(&run->jobs[i].done),
                    .total = run->jobs[i].desc->size,
                };
                pp.done += lp[i].done;
                pp.total += lp[i].total;
        }
        cb(&pp, userdata);
}

static bool any_claimed_elsewhere(LayerRun *run)
{
        char **inflight = run->p->registry->inflight;

        for (size_t i = 0; i < run->n_jobs; i++)
                if (strv_contains(inflight, run->jobs[i].diff_id))
                        return true;
        return false;
}

/* Claims every missing layer of the pull at once, after waiting until no
 * other pull of this process is downloading any of them. A pull holds its
 * claims until its layers are committed, so taking them all or none is what
 * keeps two pulls from waiting for each other. */
static int claim_layers(LayerRun *run, LayerProgress *lp, const char *reference, PullProgressFn cb,
                        void *userdata)
{
        Registry *reg = run->p->registry;
        int r = 0;

        pthread_mutex_lock(&reg->lock);
        while (any_claimed_elsewhere(run)) {
                struct timespec ts;

                if (atomic_load(&run->p->cancelled)) {
                        pthread_mutex_unlock(&reg->lock);
                        return pull_fail(run->p, -ECANCELED, "pull %s: cancelled", reference);
                }
                timespec_in_ms(&ts, PROGRESS_INTERVAL_MS);
                pthread_cond_timedwait(&reg->inflight_changed, &reg->lock, &ts);
                pthread_mutex_unlock(&reg->lock);
                report(run, lp, reference, cb, userdata);
                pthread_mutex_lock(&reg->lock);
        }
        for (size_t i = 0; i < run->n_jobs && r >= 0; i++) {
                LayerJob *job = &run->jobs[i];

                if (strv_contains(reg->inflight, job->diff_id))
                        job->duplicate = true;
                else if (store_has_layer(run->store, job->diff_id)) {
                        atomic_store(&job->done, job->desc->size);
                        atomic_store(&job->state, LAYER_PRESENT);
                } else {
                        r = strv_extend(&reg->inflight, job->diff_id);
                        job->claimed = r >= 0;
                }
        }
        pthread_mutex_unlock(&reg->lock);
        return r;
}

int pull_layers(PullContext *p, Store *s, RegistryClient *client, const char *reference,
                const Descriptor *layers, char **diff_ids, size_t n, unsigned max_parallel,
                PullProgressFn cb, void *userdata)
{
        _cleanup_free_ LayerJob *jobs = calloc(n ?: 1, sizeof(LayerJob));
        _cleanup_free_ LayerProgress *lp = calloc(n ?: 1, sizeof(LayerProgress));
        _cleanup_free_ pthread_t *threads = NULL;
        LayerRun run = {.p = p, .store = s, .client = client, .jobs = jobs, .n_jobs = n};
        WorkerArgs args = {.run = &run, .reference = reference};
        unsigned n_threads = max_parallel ?: 3, started = 0;
        int r = 0;

        if (!jobs || !lp)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jobs[i].desc = &layers[i];
                jobs[i].diff_id = diff_ids[i];
                atomic_init(&jobs[i].state, LAYER_WAITING);
                atomic_init(&jobs[i].done, 0);
        }
        if (n_threads > n)
                n_threads = n;
        threads = calloc(n_threads ?: 1, sizeof(pthread_t));
        if (!threads)
                return -ENOMEM;
        pthread_mutex_init(&run.lock, NULL);
        pthread_cond_init(&run.changed, NULL);
        r = claim_layers(&run, lp, reference, cb, userdata);
        if (r < 0) {
                run.error = r;
                n_threads = 0;
        }

        /* The layer threads (and the store's extraction threads they start)
         * take no signals: those stay with the caller, whose handler may
         * call pull_context_cancel(). */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        pthread_mutex_lock(&run.lock);
        for (; started < n_threads; started++) {
                r = -pthread_create(&threads[started], NULL, worker, &args);
                if (r < 0) {
                        pull_fail(p, r, "pull %s: start layer thread", reference);
                        run.error = r;
                        break;
                }
                run.running++;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        while (run.running > 0) {
                struct timespec ts;

                timespec_in_ms(&ts, PROGRESS_INTERVAL_MS);
                pthread_cond_timedwait(&run.changed, &run.lock, &ts);
                pthread_mutex_unlock(&run.lock);
                report(&run, lp, reference, cb, userdata);
                pthread_mutex_lock(&run.lock);
        }
        r = run.error;
        pthread_mutex_unlock(&run.lock);
        for (unsigned i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
        r = finish_layers(&run, r, reference);
        report(&run, lp, reference, cb, userdata);
        pthread_cond_destroy(&run.changed);
        pthread_mutex_destroy(&run.lock);
        return r;
}
