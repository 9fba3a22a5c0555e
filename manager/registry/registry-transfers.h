/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Many GETs of one repository at once, driven by one curl multi loop in the
 * calling thread: retries with back-off and redirects as
 * registry_client_get() does them, for each transfer on its own. A 401 makes
 * the token request one more transfer of the loop, so that the others keep
 * going meanwhile; the transfers that get a 401 while it runs wait for that
 * one request. Sinks that hand the bytes to other threads (the store's extraction
 * threads) return BODY_SINK_FULL when their buffer is full, which pauses
 * that transfer, and call transfer_set_wakeup() when there is room again. */

#include "registry-client.h"

typedef struct TransferSet TransferSet;

/* max_parallel: transfers in flight at once (0: all). */
int transfer_set_new(RegistryClient *c, unsigned max_parallel, TransferSet **ret);
void transfer_set_free(TransferSet *t);
static inline void transfer_set_freep(TransferSet **t)
{
        transfer_set_free(*t);
}

/* Queues GET <what>/<ref> into sink; tag is handed back to done(). */
int transfer_set_add(TransferSet *t, const char *what, const char *ref, BodySink *sink, void *tag);

/* Thread-safe: a paused sink has room again. */
void transfer_set_wakeup(TransferSet *t);

/* done(tag, r, error, userdata) for each transfer as it ends: r is 0 (the
 * body is complete), > 0 (the sink's open or reset gave up on the body) or
 * < 0 (error names the cause, "HTTP 404 (BLOB_UNKNOWN)"). A done() that
 * returns < 0 stops the run as a failed transfer does. */
typedef int (*TransferDoneFn)(void *tag, int r, const char *error, void *userdata);
/* Called about every interval_ms while the transfers run. */
typedef void (*TransferTickFn)(void *userdata);

/* Runs until every transfer has ended, or the first failure (the other
 * transfers are stopped then; they get no done()), or cancellation. */
int transfer_set_run(TransferSet *t, TransferDoneFn done, TransferTickFn tick, unsigned interval_ms,
                     void *userdata);
