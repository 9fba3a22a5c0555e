/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "registry-client-internal.h"
#include "registry-transfers.h"

#define SINK_BUSY_RETRY_MS 50

typedef enum TransferState {
        TRANSFER_QUEUED,
        TRANSFER_WAITING, /* for its retry */
        TRANSFER_ACTIVE,
        TRANSFER_AUTH, /* for the token refresh in flight */
        TRANSFER_ENDED,
} TransferState;

typedef struct Transfer {
        Exchange x; /* first: CURLOPT_PRIVATE points at it */
        void *tag;
        TransferState state;
        bool opened; /* the sink's open ran */
        bool rewind; /* the next start is a retry that restarts the sink */
        uint64_t not_before;
} Transfer;

struct TransferSet {
        RegistryClient *client;
        CURLM *multi;
        Transfer **transfers;
        size_t n;
        unsigned max_parallel, n_active;
        atomic_bool woken;
        /* The one token request in flight, run by the loop like a transfer
         * so that the others keep going meanwhile; every transfer that gets
         * a 401 until it ends waits for it. */
        TokenRequest *refresh;
};

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int transfer_set_new(RegistryClient *c, unsigned max_parallel, TransferSet **ret)
{
        TransferSet *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->client = c;
        t->max_parallel = max_parallel;
        atomic_init(&t->woken, false);
        t->multi = curl_multi_init();
        if (!t->multi) {
                free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

void transfer_set_free(TransferSet *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++) {
                Transfer *tr = t->transfers[i];

                if (tr->x.easy && tr->state == TRANSFER_ACTIVE)
                        curl_multi_remove_handle(t->multi, tr->x.easy);
                exchange_done(&tr->x);
                free(tr);
        }
        free(t->transfers);
        if (t->refresh)
                curl_multi_remove_handle(t->multi, token_request_easy(t->refresh));
        token_request_free(t->refresh);
        curl_multi_cleanup(t->multi);
        free(t);
}

int transfer_set_add(TransferSet *t, const char *what, const char *ref, BodySink *sink, void *tag)
{
        Transfer **l, *tr = calloc(1, sizeof(*tr));
        int r;

        if (!tr)
                return -ENOMEM;
        r = exchange_init(&tr->x, t->client, what, ref, NULL, sink);
        l = r >= 0 ? realloc(t->transfers, (t->n + 1) * sizeof(Transfer *)) : NULL;
        if (!l) {
                exchange_done(&tr->x);
                free(tr);
                return r < 0 ? r : -ENOMEM;
        }
        tr->tag = tag;
        t->transfers = l;
        t->transfers[t->n++] = tr;
        return 0;
}

void transfer_set_wakeup(TransferSet *t)
{
        atomic_store(&t->woken, true);
        curl_multi_wakeup(t->multi);
}

/* 0 when the attempt is on its way; EXCHANGE_UNWANTED or < 0 when the
 * transfer ended here. */
static int start(TransferSet *t, Transfer *tr, char **ret_error)
{
        int r = 0;

        if (!tr->opened) {
                if (tr->x.sink->open)
                        r = tr->x.sink->open(tr->x.sink->userdata);
                if (r == -EAGAIN)
                        return r;
                tr->opened = true;
                if (r > 0)
                        return EXCHANGE_UNWANTED;
        } else if (tr->rewind) {
                r = exchange_rewind(&tr->x, ret_error);
                if (r == -EAGAIN)
                        return r;
                tr->rewind = false;
        }
        if (r != 0)
                return r;
        r = exchange_start(&tr->x);
        if (r < 0)
                return r;
        if (curl_multi_add_handle(t->multi, tr->x.easy) != CURLM_OK)
                return -ENOMEM;
        tr->state = TRANSFER_ACTIVE;
        t->n_active++;
        return 0;
}

/* A transfer ended with r: hands it to done(). */
static int end(Transfer *tr, int r, const char *error, TransferDoneFn done, void *userdata)
{
        tr->state = TRANSFER_ENDED;
        exchange_end(&tr->x);
        if (r < 0 && !error)
                error = r == -ECANCELED ? "cancelled" : strerror(-r);
        r = done(tr->tag, r == EXCHANGE_UNWANTED ? 1 : r, error, userdata);
        return r < 0 ? r : 0;
}

/* Starts the transfers whose turn it is. *ret_left: transfers not ended;
 * *wait_ms shrinks to the next retry's time. */
static int start_due(TransferSet *t, TransferDoneFn done, void *userdata, size_t *ret_left,
                     uint64_t *wait_ms)
{
        uint64_t now = now_ms();
        size_t left = 0;

        for (size_t i = 0; i < t->n; i++) {
                _cleanup_free_ char *error = NULL;
                Transfer *tr = t->transfers[i];
                int r;

                if (tr->state == TRANSFER_ENDED)
                        continue;
                left++;
                if (tr->state == TRANSFER_ACTIVE || tr->state == TRANSFER_AUTH)
                        continue;
                if (tr->state == TRANSFER_WAITING && tr->not_before > now) {
                        if (tr->not_before - now < *wait_ms)
                                *wait_ms = tr->not_before - now;
                        continue;
                }
                if (t->max_parallel && t->n_active >= t->max_parallel)
                        continue;
                r = start(t, tr, &error);
                if (r == -EAGAIN) { /* the sink is busy elsewhere: soon again */
                        tr->state = TRANSFER_WAITING;
                        tr->not_before = now + SINK_BUSY_RETRY_MS;
                        if (SINK_BUSY_RETRY_MS < *wait_ms)
                                *wait_ms = SINK_BUSY_RETRY_MS;
                        continue;
                }
                if (r != 0) {
                        left--;
                        r = end(tr, r, error, done, userdata);
                        if (r < 0)
                                return r;
                }
        }
        *ret_left = left;
        return 0;
}

/* A 401: the transfer waits for new credentials. One token request serves
 * every transfer that gets a 401 while it runs. */
static int need_auth(TransferSet *t, Transfer *tr, char **ret_error)
{
        TokenRequest *req = NULL;
        int r;

        if (t->refresh) {
                exchange_reset(&tr->x);
                tr->state = TRANSFER_AUTH;
                return 0;
        }
        r = exchange_auth_begin(&tr->x, &req, ret_error);
        if (r < 0)
                return r;
        if (r == 0) { /* at once */
                tr->state = TRANSFER_WAITING;
                tr->not_before = 0;
                return 0;
        }
        if (curl_multi_add_handle(t->multi, token_request_easy(req)) != CURLM_OK) {
                token_request_free(req);
                return -ENOMEM;
        }
        t->refresh = req;
        tr->state = TRANSFER_AUTH;
        return 0;
}

/* The token request ended with cc: the transfers waiting for it go again,
 * or fail with its error. */
static int refresh_done(TransferSet *t, CURLcode cc, TransferDoneFn done, void *userdata)
{
        _cleanup_free_ char *error = NULL;
        int r, k;

        curl_multi_remove_handle(t->multi, token_request_easy(t->refresh));
        r = token_request_end(t->refresh, cc, &error);
        token_request_free(t->refresh);
        t->refresh = NULL;
        for (size_t i = 0; i < t->n; i++) {
                Transfer *tr = t->transfers[i];

                if (tr->state != TRANSFER_AUTH)
                        continue;
                if (r >= 0) {
                        tr->state = TRANSFER_WAITING;
                        tr->not_before = 0;
                        continue;
                }
                k = end(tr, r, error, done, userdata);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* Ends or schedules the finished attempts; returns how many there were. */
static int collect(TransferSet *t, TransferDoneFn done, void *userdata)
{
        CURLMsg *m;
        int queued, n = 0;

        while ((m = curl_multi_info_read(t->multi, &queued))) {
                _cleanup_free_ char *error = NULL;
                CURL *easy = m->easy_handle;
                CURLcode cc = m->data.result;
                Transfer *tr = NULL;
                unsigned delay;
                int r;

                if (m->msg != CURLMSG_DONE)
                        continue;
                n++;
                if (t->refresh && easy == token_request_easy(t->refresh)) {
                        r = refresh_done(t, cc, done, userdata);
                        if (r < 0)
                                return r;
                        continue;
                }
                curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&tr);
                curl_multi_remove_handle(t->multi, easy);
                t->n_active--;
                tr->state = TRANSFER_QUEUED;
                r = exchange_judge(&tr->x, cc, &delay, &error);
                if (r == EXCHANGE_NEED_AUTH) {
                        r = need_auth(t, tr, &error);
                        if (r >= 0)
                                continue;
                }
                if (r == EXCHANGE_RETRY) {
                        tr->state = TRANSFER_WAITING;
                        tr->rewind = true;
                        tr->not_before = now_ms() + delay;
                        continue;
                }
                r = end(tr, r, error, done, userdata);
                if (r < 0)
                        return r;
        }
        return n;
}

int transfer_set_run(TransferSet *t, TransferDoneFn done, TransferTickFn tick, unsigned interval_ms,
                     void *userdata)
{
        uint64_t next_tick = now_ms() + interval_ms;

        for (;;) {
                uint64_t wait_ms = interval_ms;
                size_t left;
                int running, r;

                if (registry_client_cancelled(t->client))
                        return -ECANCELED;
                r = start_due(t, done, userdata, &left, &wait_ms);
                if (r < 0)
                        return r;
                if (left == 0)
                        return 0;
                /* the sinks of paused transfers have room again */
                if (atomic_exchange(&t->woken, false))
                        for (size_t i = 0; i < t->n; i++) {
                                Exchange *x = &t->transfers[i]->x;
                                if (t->transfers[i]->state == TRANSFER_ACTIVE && x->paused) {
                                        x->paused = false;
                                        curl_easy_pause(x->easy, CURLPAUSE_CONT);
                                }
                        }
                if (curl_multi_perform(t->multi, &running) != CURLM_OK)
                        return -EIO;
                r = collect(t, done, userdata);
                if (r < 0)
                        return r;
                if (r > 0) /* a slot is free, or a retry is due */
                        continue;
                if (tick && now_ms() >= next_tick) {
                        tick(userdata);
                        next_tick = now_ms() + interval_ms;
                }
                if (curl_multi_poll(t->multi, NULL, 0, (int)wait_ms, NULL) != CURLM_OK)
                        return -EIO;
        }
}
