/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Transfers (pulls). Each runs in a worker process of its own (berthd-pull),
 * so that berthd stays small while idle; the worker's progress arrives over
 * a pipe and is turned into properties and signals in the event loop. */

#include <sys/types.h>

#include "berthd.h"
#include "macro.h"

/* Per-layer progress of a pull, shown as the Layers property */
typedef struct TransferLayer {
        char *digest;
        char *state; /* waiting, downloading, done, present */
        uint64_t done, total;
} TransferLayer;

struct Transfer {
        Manager *manager;
        uint32_t id;
        char *type; /* pull, import, export */
        char *reference;
        char *object_path;

        pid_t pid;
        int pipe_fd;
        sd_event_source *io_source;
        sd_event_source *child_source;
        char buf[4096];
        size_t buf_len;
        bool cancelled;
        bool eof, exited;
        int exit_status;

        uint64_t done, total;
        TransferLayer *layers; /* as last shown */
        size_t n_layers;
        TransferLayer *next_layers; /* being received */
        size_t n_next_layers;
        char *error_message;
        char **image_ids; /* committed by the worker */
        int logged_percent;
        Transfer *next;
};

/* Starts a pull of ref, or returns the running pull of the same reference. */
int transfer_pull(Manager *m, const char *ref, Transfer **ret, sd_bus_error *error);
/* Import an archive read from fd / export an image to fd (the transfer
 * keeps its own copy of fd). name may be NULL: the archive's names. */
int transfer_import(Manager *m, int fd, const char *name, Transfer **ret, sd_bus_error *error);
int transfer_export(Manager *m, const char *image, int fd, Transfer **ret, sd_bus_error *error);
Transfer *transfer_find(Manager *m, uint32_t id);
void transfers_cancel_all(Manager *m);

/* Parses one line of the worker's report (see berthd-pull.c). Exposed for
 * tests: the worker's output is checked like any other input. */
int transfer_handle_line(Transfer *t, char *line);
