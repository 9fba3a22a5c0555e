/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "image.h"
#include "log.h"
#include "macro.h"
#include "polkit.h"
#include "strv.h"
#include "transfer.h"

static void layers_free(TransferLayer *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(l[i].digest);
        free(l);
}

static void transfer_free(Transfer *t)
{
        if (!t)
                return;
        if (t->thread_started)
                pthread_join(t->thread, NULL);
        sd_event_source_disable_unref(t->event_source);
        safe_close(t->event_fd);
        safe_close(t->fd);
        pthread_mutex_destroy(&t->lock);
        strv_free(t->log_lines);
        layers_free(t->layers, t->n_layers);
        layers_free(t->shown_layers, t->n_shown_layers);
        free(t->type);
        free(t->reference);
        free(t->object_path);
        free(t->store_root);
        free(t->error_message);
        free(t->image_id);
        free(t);
}

static void transfer_unlink(Manager *m, Transfer *t)
{
        for (Transfer **p = &m->transfers; *p; p = &(*p)->next)
                if (*p == t) {
                        *p = t->next;
                        return;
                }
}

Transfer *transfer_find(Manager *m, uint32_t id)
{
        for (Transfer *t = m->transfers; t; t = t->next)
                if (t->id == id)
                        return t;
        return NULL;
}

static void wake(Transfer *t)
{
        uint64_t one = 1;

        (void)!write(t->event_fd, &one, sizeof(one));
}

void transfer_progress(Transfer *t, uint64_t done, uint64_t total)
{
        pthread_mutex_lock(&t->lock);
        t->bytes_done = done;
        t->bytes_total = total;
        pthread_mutex_unlock(&t->lock);
        wake(t);
}

void transfer_log(Transfer *t, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return;
        pthread_mutex_lock(&t->lock);
        (void)strv_consume(&t->log_lines, s);
        pthread_mutex_unlock(&t->lock);
        wake(t);
}

void transfer_set_error(Transfer *t, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        pthread_mutex_lock(&t->lock);
        free(t->error_message);
        t->error_message = s;
        pthread_mutex_unlock(&t->lock);
}

void transfer_set_image(Transfer *t, const char *image_id)
{
        pthread_mutex_lock(&t->lock);
        free(t->image_id);
        t->image_id = strdup(image_id);
        pthread_mutex_unlock(&t->lock);
}

void transfer_set_layers(Transfer *t, const TransferLayer *layers, size_t n)
{
        TransferLayer *copy = calloc(n ?: 1, sizeof(TransferLayer));

        if (!copy)
                return;
        for (size_t i = 0; i < n; i++) {
                copy[i] = layers[i];
                copy[i].digest = strdup(layers[i].digest);
                if (!copy[i].digest) {
                        layers_free(copy, i);
                        return;
                }
        }
        pthread_mutex_lock(&t->lock);
        layers_free(t->layers, t->n_layers);
        t->layers = copy;
        t->n_layers = n;
        t->layers_changed = true;
        pthread_mutex_unlock(&t->lock);
}

void transfer_set_canceller(Transfer *t, void (*fn)(void *data), void *data)
{
        pthread_mutex_lock(&t->lock);
        t->cancel_fn = fn;
        t->cancel_data = data;
        pthread_mutex_unlock(&t->lock);
}

static void transfer_cancel(Transfer *t)
{
        pthread_mutex_lock(&t->lock);
        atomic_store(&t->cancelled, true);
        if (t->cancel_fn)
                t->cancel_fn(t->cancel_data);
        pthread_mutex_unlock(&t->lock);
}

bool transfer_is_cancelled(Transfer *t)
{
        return atomic_load(&t->cancelled);
}

static void *worker(void *userdata)
{
        Transfer *t = userdata;
        int r;

        r = t->work(t);
        if (r >= 0 && transfer_is_cancelled(t))
                r = -ECANCELED;
        pthread_mutex_lock(&t->lock);
        t->finished = true;
        t->result = r;
        pthread_mutex_unlock(&t->lock);
        wake(t);
        return NULL;
}

static void emit_progress(Transfer *t, uint64_t done, uint64_t total)
{
        Manager *m = t->manager;
        int percent;

        if (done == t->shown_done && total == t->shown_total)
                return;
        t->shown_done = done;
        t->shown_total = total;
        (void)sd_bus_emit_properties_changed(m->bus, t->object_path, BERTH_IFACE_TRANSFER,
                                             "Progress", "BytesDone", "BytesTotal", NULL);
        /* the journal gets coarse steps, not every chunk */
        percent = total > 0 ? (int)(done * 100 / total) : 0;
        if (percent / 10 > t->logged_percent / 10) {
                log_info("%s %s: %d%% (%" PRIu64 " of %" PRIu64 " bytes)", t->type, t->reference,
                         percent, done, total);
                t->logged_percent = percent;
        }
}

static void transfer_finish(Transfer *t)
{
        Manager *m = t->manager;
        _cleanup_free_ char *result = NULL, *image_path = NULL;

        pthread_join(t->thread, NULL);
        t->thread_started = false;

        if (t->result >= 0) {
                log_info("%s %s: done%s%s", t->type, t->reference, t->image_id ? ", image " : "",
                         strempty(t->image_id));
                result = strdup("done");
        } else if (t->result == -ECANCELED) {
                log_info("%s %s: canceled", t->type, t->reference);
                result = strdup("canceled");
        } else {
                log_error_errno(t->result, "%s %s failed%s%s", t->type, t->reference,
                                t->error_message ? ": " : "", strempty(t->error_message));
                if (asprintf(&result, "failed: %s", t->error_message ?: strerror(-t->result)) < 0)
                        result = NULL;
        }
        if (t->result >= 0 && t->image_id && image_object_path(t->image_id, &image_path) >= 0 &&
            streq(t->type, "pull")) {
                (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "ImageNew",
                                         "so", t->image_id, image_path);
                (void)sd_bus_emit_object_added(m->bus, image_path);
        }
        (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "TransferRemoved",
                                 "uos", t->id, t->object_path, result ?: "failed");
        (void)sd_bus_emit_object_removed(m->bus, t->object_path);
        transfer_unlink(m, t);
        transfer_free(t);
        m->n_busy--;
        manager_touch(m);
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Transfer *t = userdata;
        _cleanup_strv_free_ char **lines = NULL;
        uint64_t n, done, total;
        bool finished, layers_changed;

        (void)!read(fd, &n, sizeof(n));
        pthread_mutex_lock(&t->lock);
        layers_changed = t->layers_changed;
        if (layers_changed) {
                layers_free(t->shown_layers, t->n_shown_layers);
                t->shown_layers = TAKE_PTR(t->layers);
                t->n_shown_layers = t->n_layers;
                t->n_layers = 0;
                t->layers_changed = false;
        }
        lines = TAKE_PTR(t->log_lines);
        done = t->bytes_done;
        total = t->bytes_total;
        finished = t->finished;
        pthread_mutex_unlock(&t->lock);

        STRV_FOREACH (l, lines)
                log_info("%s %s: %s", t->type, t->reference, *l);
        if (layers_changed)
                (void)sd_bus_emit_properties_changed(t->manager->bus, t->object_path,
                                                     BERTH_IFACE_TRANSFER, "Layers", NULL);
        emit_progress(t, done, total);
        if (finished)
                transfer_finish(t);
        return 0;
}

int transfer_start(Manager *m, const char *type, const char *ref, TransferWork work, int fd,
                   Transfer **ret)
{
        Transfer *t;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->manager = m;
        t->fd = fd;
        t->event_fd = -EBADF;
        t->work = work;
        t->logged_percent = -1;
        pthread_mutex_init(&t->lock, NULL);
        t->id = ++m->next_transfer_id;
        t->type = strdup(type);
        t->reference = strdup(ref);
        t->store_root = strdup(m->state_dir);
        if (!t->type || !t->reference || !t->store_root) {
                r = -ENOMEM;
                goto fail;
        }
        if (asprintf(&t->object_path, BERTH_TRANSFER_PATH "/%" PRIu32, t->id) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        t->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (t->event_fd < 0) {
                r = negative_errno();
                goto fail;
        }
        r = sd_event_add_io(m->event, &t->event_source, t->event_fd, EPOLLIN, on_wake, t);
        if (r < 0)
                goto fail;
        r = -pthread_create(&t->thread, NULL, worker, t);
        if (r < 0)
                goto fail;
        t->thread_started = true;

        t->next = m->transfers;
        m->transfers = t;
        m->n_busy++;
        log_info("%s %s: started (transfer %" PRIu32 ")", type, ref, t->id);
        (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "TransferNew",
                                 "uo", t->id, t->object_path);
        (void)sd_bus_emit_object_added(m->bus, t->object_path);
        *ret = t;
        return 0;
fail:
        t->fd = -EBADF; /* the caller still owns it */
        transfer_free(t);
        return r;
}

int transfer_pull(Manager *m, const char *ref, Transfer **ret, sd_bus_error *error)
{
        int r;

        /* one pull per reference: a second client follows the first one's */
        for (Transfer *t = m->transfers; t; t = t->next)
                if (streq(t->type, "pull") && streq(t->reference, ref)) {
                        *ret = t;
                        return 0;
                }
        r = transfer_start(m, "pull", ref, pull_work, -EBADF, ret);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot start pulling %s: %m", ref);
        return 0;
}

void transfers_cancel_all(Manager *m)
{
        for (Transfer *t = m->transfers; t; t = t->next)
                transfer_cancel(t);
        while (m->transfers) {
                Transfer *t = m->transfers;
                m->transfers = t->next;
                transfer_free(t);
        }
}

static int property_get_progress(sd_bus *bus, const char *path, const char *iface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Transfer *t = userdata;

        if (streq(property, "BytesDone"))
                return sd_bus_message_append(reply, "t", t->shown_done);
        if (streq(property, "BytesTotal"))
                return sd_bus_message_append(reply, "t", t->shown_total);
        return sd_bus_message_append(
            reply, "d", t->shown_total > 0 ? (double)t->shown_done / (double)t->shown_total : 0.0);
}

static int property_get_string(sd_bus *bus, const char *path, const char *iface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        Transfer *t = userdata;

        return sd_bus_message_append(reply, "s", streq(property, "Type") ? t->type : t->reference);
}

static int property_get_layers(sd_bus *bus, const char *path, const char *iface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        Transfer *t = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sstt)");
        for (size_t i = 0; r >= 0 && i < t->n_shown_layers; i++)
                r = sd_bus_message_append(reply, "(sstt)", t->shown_layers[i].digest,
                                          t->shown_layers[i].state, t->shown_layers[i].done,
                                          t->shown_layers[i].total);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int method_cancel(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Transfer *t = userdata;
        int r;

        manager_touch(t->manager);
        r = polkit_verify(t->manager, call,
                          streq(t->type, "pull") ? POLKIT_ACTION_PULL : POLKIT_ACTION_MANAGE_IMAGES,
                          error);
        if (r <= 0)
                return r;
        /* the worker stops at its next check and removes what it wrote */
        transfer_cancel(t);
        return sd_bus_reply_method_return(call, NULL);
}

const sd_bus_vtable transfer_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Id", "u", NULL, offsetof(Transfer, id), SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Type", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Reference", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Progress", "d", property_get_progress, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("BytesDone", "t", property_get_progress, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("BytesTotal", "t", property_get_progress, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Layers", "a(sstt)", property_get_layers, 0,
                    SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_METHOD("Cancel", "", "", method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

int bus_transfer_find(sd_bus *bus, const char *path, const char *iface, void *userdata,
                      void **found, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *e;
        char *end;
        unsigned long id;
        Transfer *t;

        if (!strneq(path, BERTH_TRANSFER_PATH "/", strlen(BERTH_TRANSFER_PATH) + 1))
                return 0;
        e = path + strlen(BERTH_TRANSFER_PATH) + 1;
        errno = 0;
        id = strtoul(e, &end, 10);
        if (errno || *end || end == e || id > UINT32_MAX)
                return 0;
        t = transfer_find(m, (uint32_t)id);
        if (!t)
                return 0;
        *found = t;
        return 1;
}

int bus_transfer_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                           sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (Transfer *t = m->transfers; t; t = t->next) {
                r = strv_extend(&l, t->object_path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
