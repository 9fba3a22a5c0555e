/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Transfers: pulls, imports and exports. The work runs in a thread of its
 * own; it reports progress and journal lines through the functions below,
 * which wake the event loop with an eventfd. Everything on the bus happens
 * in the loop's thread. */

#include <pthread.h>
#include <stdatomic.h>

#include "berthd.h"

typedef int (*TransferWork)(Transfer *t);

/* Per-layer progress of a pull, shown as the Layers property */
typedef struct TransferLayer {
        char *digest;
        const char *state; /* waiting, downloading, done, present: static strings */
        uint64_t done, total;
} TransferLayer;

struct Transfer {
        Manager *manager;
        uint32_t id;
        char *type; /* pull, import, export */
        char *reference;
        char *object_path;
        TransferWork work;
        int fd;           /* import/export: the client's fd */
        char *store_root; /* the worker opens its own store handle */

        pthread_t thread;
        bool thread_started;
        int event_fd;
        sd_event_source *event_source;
        atomic_bool cancelled;

        pthread_mutex_t lock;
        /* guarded by lock: written by the worker, read by the loop */
        uint64_t bytes_done, bytes_total;
        char **log_lines;
        bool finished;
        int result;
        char *error_message;
        char *image_id;
        TransferLayer *layers;
        size_t n_layers;
        bool layers_changed;
        void (*cancel_fn)(void *data); /* interrupts the blocking work */
        void *cancel_data;

        /* loop side */
        uint64_t shown_done, shown_total;
        TransferLayer *shown_layers;
        size_t n_shown_layers;
        int logged_percent;
        Transfer *next;
};

/* Starts a pull of ref, or returns the running pull of the same reference. */
int transfer_pull(Manager *m, const char *ref, Transfer **ret, sd_bus_error *error);
int transfer_start(Manager *m, const char *type, const char *ref, TransferWork work, int fd,
                   Transfer **ret);
Transfer *transfer_find(Manager *m, uint32_t id);
void transfers_cancel_all(Manager *m);

/* For the worker thread */
void transfer_progress(Transfer *t, uint64_t done, uint64_t total);
void transfer_log(Transfer *t, const char *fmt, ...) _printf_(2, 3);
bool transfer_is_cancelled(Transfer *t);
/* The message the client sees when the work fails (copied). */
void transfer_set_error(Transfer *t, const char *fmt, ...) _printf_(2, 3);
void transfer_set_image(Transfer *t, const char *image_id);
/* Copies the layers' progress. */
void transfer_set_layers(Transfer *t, const TransferLayer *layers, size_t n);
/* Lets Cancel() interrupt work blocked elsewhere; NULL fn: no longer. */
void transfer_set_canceller(Transfer *t, void (*fn)(void *data), void *data);

/* Work functions, one file each */
int pull_work(Transfer *t);
int import_work(Transfer *t);
int export_work(Transfer *t);

/* Manager methods that create transfers */
int method_import_image(sd_bus_message *call, void *userdata, sd_bus_error *error);
int method_export_image(sd_bus_message *call, void *userdata, sd_bus_error *error);
