/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The layer phase of a pull: one curl multi loop in the pull's thread
 * downloads the missing layers in parallel, each streaming into a store
 * LayerWriter whose own thread extracts it; a writer whose buffer is full
 * pauses its transfer until its thread has made room. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "pull-internal.h"
#include "registry-transfers.h"
#include "strv.h"

#define PROGRESS_INTERVAL_MS 100

typedef struct LayerRun LayerRun;

typedef struct LayerJob {
        LayerRun *run;
        const Descriptor *desc;
        const char *diff_id;
        LayerState state;
        uint64_t done;
        bool claimed;        /* in the in-flight table on our behalf */
        bool duplicate;      /* the same layer as an earlier job of this pull */
        LayerWriter *writer; /* streaming, then streamed completely until finished */
        BodySink sink;
} LayerJob;

/* One pull's layer phase. */
struct LayerRun {
        PullContext *p;
        Store *store;
        TransferSet *transfers;
        const char *reference;
        LayerJob *jobs;
        size_t n_jobs;
        LayerProgress *lp;
        PullProgressFn cb;
        void *userdata;
};

static void timespec_in_ms(struct timespec *ts, unsigned ms)
{
        clock_gettime(CLOCK_REALTIME, ts);
        ts->tv_nsec += (long)ms * 1000000L;
        ts->tv_sec += ts->tv_nsec / 1000000000L;
        ts->tv_nsec %= 1000000000L;
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

static void sink_wakeup(void *userdata)
{
        transfer_set_wakeup(userdata);
}

static void drop_writer(LayerJob *job)
{
        Registry *reg = job->run->p->registry;

        if (!job->writer)
                return;
        pthread_mutex_lock(&reg->lock);
        layer_writer_free(job->writer);
        pthread_mutex_unlock(&reg->lock);
        job->writer = NULL;
}

/* A pull keeps its layers' locks until all its layers are in. Two pulls in
 * different processes that share layers would wait on each other if each
 * held one the other needs; so locks are taken in diff_id order, and a pull
 * waits on a lock only while every lock it holds sorts before it. A lock,
 * once taken, is kept until the end of the pull, retries included (see
 * sink_reset): taking it again could mean waiting on it while holding later
 * ones. */
static bool earlier_layer_unopened(const LayerJob *job)
{
        const LayerRun *run = job->run;

        for (size_t i = 0; i < run->n_jobs; i++) {
                const LayerJob *o = &run->jobs[i];

                if (o != job && o->claimed && !o->writer && o->state == LAYER_WAITING &&
                    strcmp(o->diff_id, job->diff_id) < 0)
                        return true;
        }
        return false;
}

/* The writer's extraction thread takes no signals: those stay with the
 * caller, whose handler may call pull_context_cancel(). */
static int writer_call(LayerJob *job, bool restart)
{
        Registry *reg = job->run->p->registry;
        sigset_t all, old;
        int r;

        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        pthread_mutex_lock(&reg->lock);
        if (restart)
                r = layer_writer_restart(job->writer);
        else
                r = layer_writer_try_new(job->run->store, job->desc->digest, job->diff_id,
                                         &job->writer);
        pthread_mutex_unlock(&reg->lock);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* Before the first attempt: a writer, unless the layer is in the store by
 * now (committed by another process) and there is nothing to download, or
 * another process is writing it right now or a layer before it is not
 * opened yet (-EAGAIN: the transfer set asks again shortly). */
static int sink_open(void *userdata)
{
        LayerJob *job = userdata;
        int r;

        job->done = 0;
        if (earlier_layer_unopened(job)) {
                job->state = LAYER_WAITING;
                return -EAGAIN;
        }
        r = writer_call(job, false);
        if (r == -EEXIST)
                return 1;
        if (r == -EAGAIN) { /* another process writes it: wait without blocking the loop */
                job->state = LAYER_WAITING;
                return r;
        }
        if (r < 0)
                return pull_fail(job->run->p, r, "pull %s: layer %s: open in store",
                                 job->run->reference, job->desc->digest);
        layer_writer_set_wakeup(job->writer, sink_wakeup, job->run->transfers);
        job->state = LAYER_DOWNLOADING;
        return 0;
}

/* Before a retry: the same writer starts over, still holding the layer's
 * lock, so that a retry never waits for a lock (see above). */
static int sink_reset(void *userdata)
{
        LayerJob *job = userdata;
        int r;

        job->done = 0;
        r = writer_call(job, true);
        if (r == -EEXIST) { /* put there behind the lock's back: nothing to do */
                drop_writer(job);
                return 1;
        }
        if (r < 0)
                return pull_fail(job->run->p, r, "pull %s: layer %s: restart in store",
                                 job->run->reference, job->desc->digest);
        return 0;
}

static int sink_write(const void *data, size_t len, void *userdata)
{
        LayerJob *job = userdata;
        int r;

        r = layer_writer_try_write(job->writer, data, len);
        if (r == -EAGAIN)
                return BODY_SINK_FULL;
        if (r < 0)
                return r;
        job->done += len;
        return 0;
}

static int layer_done(void *tag, int r, const char *error, void *userdata)
{
        LayerJob *job = tag;
        LayerRun *run = job->run;

        if (r > 0) { /* committed by another process meanwhile */
                drop_writer(job);
                job->state = LAYER_PRESENT;
                job->done = job->desc->size;
                return 0;
        }
        if (r < 0) {
                const char *why = job->writer ? layer_writer_error(job->writer) : NULL;
                if (r == -E2BIG)
                        why = "blob larger than its descriptor says";
                return pull_fail(run->p, r, "pull %s: layer %s: %s", run->reference,
                                 job->desc->digest, why ?: error ?: strerror(-r));
        }
        if (job->done != job->desc->size)
                return pull_fail(run->p, -EBADMSG,
                                 "pull %s: layer %s: blob has %ju bytes, descriptor says %ju",
                                 run->reference, job->desc->digest, (uintmax_t)job->done,
                                 (uintmax_t)job->desc->size);
        /* Finishing (verifying and moving into place) waits until every
         * layer of the pull has streamed in, so that a failure anywhere
         * leaves no layer of this pull committed. */
        return 0;
}

/* Runs step on every streamed layer, bottom first, until one fails. */
static int each_writer(LayerRun *run, int (*step)(LayerWriter *w))
{
        for (size_t i = 0; i < run->n_jobs; i++) {
                LayerJob *job = &run->jobs[i];
                int r;

                if (!job->writer)
                        continue;
                r = step(job->writer);
                if (r < 0)
                        return pull_fail(run->p, r, "pull %s: layer %s: %s", run->reference,
                                         job->desc->digest,
                                         layer_writer_error(job->writer) ?: strerror(-r));
        }
        return 0;
}

/* Commits the streamed layers when all went well, else drops them; either
 * way the in-flight claims go. Every layer is verified (digests, content
 * index, sync) before any is moved into place, and should a move fail, the
 * layers this pull moved already go again: a failed pull leaves no layer
 * behind. The writers hold their layers' locks until the end, so no other
 * pull can have adopted a layer that is rolled back (an image committed
 * meanwhile keeps it). */
static int finish_layers(LayerRun *run, int r)
{
        Registry *reg = run->p->registry;
        size_t i;

        pthread_mutex_lock(&reg->lock);
        if (r >= 0)
                r = each_writer(run, layer_writer_verify);
        if (r >= 0)
                r = each_writer(run, layer_writer_finish);
        for (i = 0; i < run->n_jobs; i++) {
                LayerJob *job = &run->jobs[i];

                if (job->writer) {
                        if (r < 0)
                                (void)layer_writer_rollback(job->writer);
                        else
                                job->state = LAYER_DONE;
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
                        job->state = LAYER_DONE;
        }
        return r;
}

static void report(LayerRun *run)
{
        PullProgress pp = {.reference = run->reference,
                           .phase = PULL_LAYERS,
                           .layers = run->lp,
                           .n_layers = run->n_jobs};

        if (!run->cb)
                return;
        for (size_t i = 0; i < run->n_jobs; i++) {
                run->lp[i] = (LayerProgress){
                    .digest = run->jobs[i].desc->digest,
                    .state = run->jobs[i].state,
                    .done = run->jobs[i].done,
                    .total = run->jobs[i].desc->size,
                };
                pp.done += run->lp[i].done;
                pp.total += run->lp[i].total;
        }
        run->cb(&pp, run->userdata);
}

static void report_tick(void *userdata)
{
        report(userdata);
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
static int claim_layers(LayerRun *run)
{
        Registry *reg = run->p->registry;
        int r = 0;

        pthread_mutex_lock(&reg->lock);
        while (any_claimed_elsewhere(run)) {
                struct timespec ts;

                if (atomic_load(&run->p->cancelled)) {
                        pthread_mutex_unlock(&reg->lock);
                        return pull_fail(run->p, -ECANCELED, "pull %s: cancelled", run->reference);
                }
                timespec_in_ms(&ts, PROGRESS_INTERVAL_MS);
                pthread_cond_timedwait(&reg->inflight_changed, &reg->lock, &ts);
                pthread_mutex_unlock(&reg->lock);
                report(run);
                pthread_mutex_lock(&reg->lock);
        }
        for (size_t i = 0; i < run->n_jobs && r >= 0; i++) {
                LayerJob *job = &run->jobs[i];

                if (strv_contains(reg->inflight, job->diff_id))
                        job->duplicate = true;
                else if (store_has_layer(run->store, job->diff_id)) {
                        job->done = job->desc->size;
                        job->state = LAYER_PRESENT;
                } else {
                        r = strv_extend(&reg->inflight, job->diff_id);
                        job->claimed = r >= 0;
                }
        }
        pthread_mutex_unlock(&reg->lock);
        return r;
}

static int job_compare(const void *a, const void *b)
{
        return strcmp((*(LayerJob *const *)a)->diff_id, (*(LayerJob *const *)b)->diff_id);
}

int pull_layers(PullContext *p, Store *s, RegistryClient *client, const char *reference,
                const Descriptor *layers, char **diff_ids, size_t n, unsigned max_parallel,
                PullProgressFn cb, void *userdata)
{
        _cleanup_free_ LayerJob *jobs = calloc(n ?: 1, sizeof(LayerJob));
        _cleanup_free_ LayerProgress *lp = calloc(n ?: 1, sizeof(LayerProgress));
        _cleanup_free_ LayerJob **order = calloc(n ?: 1, sizeof(LayerJob *));
        _cleanup_(transfer_set_freep) TransferSet *transfers = NULL;
        LayerRun run = {.p = p,
                        .store = s,
                        .reference = reference,
                        .jobs = jobs,
                        .n_jobs = n,
                        .lp = lp,
                        .cb = cb,
                        .userdata = userdata};
        int r;

        if (!jobs || !lp || !order)
                return -ENOMEM;
        r = transfer_set_new(client, max_parallel ?: 3, &transfers);
        if (r < 0)
                return pull_fail(p, r, "pull %s: out of memory", reference);
        run.transfers = transfers;
        for (size_t i = 0; i < n; i++)
                jobs[i] = (LayerJob){
                    .run = &run,
                    .desc = &layers[i],
                    .diff_id = diff_ids[i],
                    .state = LAYER_WAITING,
                    .sink = {.write = sink_write,
                             .open = sink_open,
                             .reset = sink_reset,
                             .userdata = &jobs[i],
                             .max = layers[i].size},
                };
        r = claim_layers(&run);
        /* in diff_id order, so that one pass opens them in lock order */
        for (size_t i = 0; i < n; i++)
                order[i] = &jobs[i];
        qsort(order, n, sizeof(order[0]), job_compare);
        for (size_t i = 0; i < n && r >= 0; i++)
                if (order[i]->claimed)
                        r = transfer_set_add(transfers, "blobs", order[i]->desc->digest,
                                             &order[i]->sink, order[i]);
        if (r >= 0) {
                r = transfer_set_run(transfers, layer_done, report_tick, PROGRESS_INTERVAL_MS,
                                     &run);
                if (r < 0)
                        pull_fail(p, r, "pull %s: %s", reference,
                                  r == -ECANCELED ? "cancelled" : strerror(-r));
        }
        /* no more wakeups into the transfer set: it goes first */
        for (size_t i = 0; i < n; i++)
                if (jobs[i].writer)
                        layer_writer_set_wakeup(jobs[i].writer, NULL, NULL);
        transfers = (transfer_set_free(transfers), NULL);
        r = finish_layers(&run, r);
        report(&run);
        return r;
}
