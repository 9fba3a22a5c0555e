/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest.h"
#include "image.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "polkit.h"
#include "reference.h"
#include "strv.h"
#include "transfer.h"

#define MAX_LAYERS 256

static void layers_free(TransferLayer *l, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(l[i].digest);
                free(l[i].state);
        }
        free(l);
}

static void transfer_free(Transfer *t)
{
        if (!t)
                return;
        sd_event_source_disable_unref(t->io_source);
        sd_event_source_disable_unref(t->child_source);
        if (t->pid > 0 && !t->exited) {
                /* berthd is going away: the worker must not outlive it */
                (void)kill(t->pid, SIGTERM);
                (void)waitpid(t->pid, NULL, 0);
        }
        safe_close(t->pipe_fd);
        layers_free(t->layers, t->n_layers);
        layers_free(t->next_layers, t->n_next_layers);
        free(t->type);
        free(t->reference);
        free(t->object_path);
        free(t->error_message);
        strv_free(t->image_ids);
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

static void emit_progress(Transfer *t)
{
        int percent;

        (void)sd_bus_emit_properties_changed(t->manager->bus, t->object_path, BERTH_IFACE_TRANSFER,
                                             "Progress", "BytesDone", "BytesTotal", NULL);
        /* the journal gets steps of ten percent, not every chunk */
        percent = t->total > 0 ? (int)(t->done * 100 / t->total) : 0;
        if (percent > 100)
                percent = 100;
        if (t->total > 0 && percent / 10 > t->logged_percent / 10) {
                log_info("%s %s: %d%% (%" PRIu64 " of %" PRIu64 " bytes)", t->type, t->reference,
                         percent, t->done, t->total);
                t->logged_percent = percent;
        }
}

static bool text_is_printable(const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

int transfer_handle_line(Transfer *t, char *line)
{
        char *fields[6] = {};
        size_t n = 0;
        uint64_t a, b;

        if (!text_is_printable(line))
                return -EBADMSG;
        /* J and E carry free text after the tag */
        if ((line[0] == 'J' || line[0] == 'E') && line[1] == ' ') {
                if (line[0] == 'J')
                        log_info("%s %s: %s", t->type, t->reference, line + 2);
                else {
                        free(t->error_message);
                        t->error_message = strdup(line + 2);
                }
                return 0;
        }
        for (char *s = strtok(line, " "); s; s = strtok(NULL, " ")) {
                if (n == ELEMENTSOF(fields))
                        return -EBADMSG;
                fields[n++] = s;
        }
        if (n == 0 || strlen(fields[0]) != 1)
                return -EBADMSG;
        switch (fields[0][0]) {
        case 'P':
                if (n != 3 || parse_uint64(fields[1], &a) < 0 || parse_uint64(fields[2], &b) < 0)
                        return -EBADMSG;
                if (a != t->done || b != t->total) {
                        t->done = a;
                        t->total = b;
                        emit_progress(t);
                }
                return 0;
        case 'L': {
                TransferLayer *l;

                if (n == 2 && streq(fields[1], "-")) {
                        layers_free(t->layers, t->n_layers);
                        t->layers = TAKE_PTR(t->next_layers);
                        t->n_layers = t->n_next_layers;
                        t->n_next_layers = 0;
                        (void)sd_bus_emit_properties_changed(t->manager->bus, t->object_path,
                                                             BERTH_IFACE_TRANSFER, "Layers", NULL);
                        return 0;
                }
                if (n != 5 || !digest_is_valid(fields[1]) || parse_uint64(fields[3], &a) < 0 ||
                    parse_uint64(fields[4], &b) < 0 || t->n_next_layers >= MAX_LAYERS)
                        return -EBADMSG;
                l = realloc(t->next_layers, sizeof(TransferLayer) * (t->n_next_layers + 1));
                if (!l)
                        return -ENOMEM;
                t->next_layers = l;
                l = &t->next_layers[t->n_next_layers];
                *l = (TransferLayer){
                    .digest = strdup(fields[1]), .state = strdup(fields[2]), .done = a, .total = b};
                t->n_next_layers++;
                return l->digest && l->state ? 0 : -ENOMEM;
        }
        case 'I':
                if (n != 2 || !digest_is_valid(fields[1]) ||
                    strv_length(t->image_ids) >= MAX_LAYERS)
                        return -EBADMSG;
                return strv_extend(&t->image_ids, fields[1]);
        }
        return -EBADMSG;
}

static void transfer_finish(Transfer *t)
{
        Manager *m = t->manager;
        _cleanup_free_ char *result = NULL;
        bool ok = t->exit_status == 0 && (t->image_ids || streq(t->type, "export"));

        if (ok) {
                log_info("%s %s: done%s%s", t->type, t->reference, t->image_ids ? ", image " : "",
                         t->image_ids ? t->image_ids[0] : "");
                result = strdup("done");
        } else if (t->cancelled) {
                log_info("%s %s: canceled", t->type, t->reference);
                result = strdup("canceled");
        } else {
                log_error("%s %s failed: %s", t->type, t->reference,
                          t->error_message ?: "the worker failed");
                if (asprintf(&result, "failed: %s", t->error_message ?: "the worker failed") < 0)
                        result = NULL;
        }
        STRV_FOREACH (id, ok ? t->image_ids : NULL) {
                _cleanup_free_ char *image_path = NULL;

                if (image_object_path(*id, &image_path) < 0)
                        continue;
                (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "ImageNew",
                                         "so", *id, image_path);
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

static void maybe_finish(Transfer *t)
{
        /* both: all of the report read, and the exit status known */
        if (t->eof && t->exited)
                transfer_finish(t);
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Transfer *t = userdata;
        ssize_t k;
        char *nl;

        k = read(fd, t->buf + t->buf_len, sizeof(t->buf) - 1 - t->buf_len);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (k <= 0) {
                t->eof = true;
                t->io_source = sd_event_source_disable_unref(t->io_source);
                maybe_finish(t);
                return 0;
        }
        t->buf_len += k;
        t->buf[t->buf_len] = '\0';
        while ((nl = strchr(t->buf, '\n'))) {
                *nl = '\0';
                if (transfer_handle_line(t, t->buf) < 0)
                        log_warning("%s %s: unreadable report from the worker", t->type,
                                    t->reference);
                t->buf_len -= nl + 1 - t->buf;
                memmove(t->buf, nl + 1, t->buf_len + 1);
        }
        if (t->buf_len == sizeof(t->buf) - 1) /* a line that long is garbage */
                t->buf_len = 0;
        return 0;
}

static int on_worker_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        Transfer *t = userdata;

        t->exited = true;
        t->exit_status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
        t->child_source = sd_event_source_disable_unref(t->child_source);
        maybe_finish(t);
        return 0;
}

static const char *worker_path(void)
{
        return getenv("BERTH_WORKER") ?: BERTH_LIBEXECDIR "/berthd-worker";
}

#define WORKER_ARCHIVE_FD 3

/* arg may be NULL; archive_fd (or -1) becomes the worker's fd 3 */
static int spawn_worker(Transfer *t, const char *store_root, const char *verb, const char *arg,
                        int archive_fd)
{
        _cleanup_close_pair_ int p[2] = {-EBADF, -EBADF};
        const char *path = worker_path();
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                sigset_t ss;
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

                /* berthd blocks these for sd-event; the worker needs them */
                sigemptyset(&ss);
                sigprocmask(SIG_SETMASK, &ss, NULL);
                if (dup2(p[1], STDOUT_FILENO) < 0 ||
                    (devnull >= 0 && dup2(devnull, STDIN_FILENO) < 0))
                        _exit(127);
                if (archive_fd == WORKER_ARCHIVE_FD) {
                        if (fcntl(archive_fd, F_SETFD, 0) < 0)
                                _exit(127);
                } else if (archive_fd >= 0 && dup2(archive_fd, WORKER_ARCHIVE_FD) < 0)
                        _exit(127);
                execl(path, path, "--store", store_root, verb, arg, (char *)NULL);
                fprintf(stderr, "berthd: execute %s: %m\n", path);
                _exit(127);
        }
        t->pid = pid;
        t->pipe_fd = TAKE_FD(p[0]);
        return 0;
}

static int transfer_start(Manager *m, const char *type, const char *ref, const char *arg,
                          int archive_fd, Transfer **ret)
{
        Transfer *t;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->manager = m;
        t->pipe_fd = -EBADF;
        t->logged_percent = -1;
        t->id = ++m->next_transfer_id;
        t->type = strdup(type);
        t->reference = strdup(ref);
        if (!t->type || !t->reference ||
            asprintf(&t->object_path, BERTH_TRANSFER_PATH "/%" PRIu32, t->id) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        r = spawn_worker(t, m->state_dir, type, arg, archive_fd);
        if (r < 0)
                goto fail;
        r = sd_event_add_io(m->event, &t->io_source, t->pipe_fd, EPOLLIN, on_output, t);
        if (r >= 0)
                r = sd_event_add_child(m->event, &t->child_source, t->pid, WEXITED, on_worker_exit,
                                       t);
        if (r < 0)
                goto fail;

        t->next = m->transfers;
        m->transfers = t;
        m->n_busy++;
        log_info("%s %s: started (transfer %" PRIu32 ", worker %d)", type, ref, t->id, (int)t->pid);
        (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "TransferNew",
                                 "uo", t->id, t->object_path);
        (void)sd_bus_emit_object_added(m->bus, t->object_path);
        *ret = t;
        return 0;
fail:
        transfer_free(t);
        return r;
}

int transfer_pull(Manager *m, const char *ref, Transfer **ret, sd_bus_error *error)
{
        _cleanup_free_ char *normalised = NULL;
        int r;

        r = reference_normalise_string(ref, &normalised);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid image reference \"%s\"", ref);
        /* one pull per reference: a second client follows the first one's */
        for (Transfer *t = m->transfers; t; t = t->next)
                if (streq(t->type, "pull") && streq(t->reference, normalised)) {
                        *ret = t;
                        return 0;
                }
        r = transfer_start(m, "pull", normalised, normalised, -EBADF, ret);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot start pulling %s: %m", ref);
        return 0;
}

/* The client's fd must be a readable (import) or writable (export) file,
 * pipe or socket, nothing else. */
static int check_fd(int fd, bool write, sd_bus_error *error)
{
        struct stat st;
        int flags, mode;

        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fstat(fd, &st) < 0)
                return sd_bus_error_set_errnof(error, errno, "unusable file descriptor: %m");
        mode = flags & O_ACCMODE;
        if ((flags & O_PATH) || (write ? mode == O_RDONLY : mode == O_WRONLY))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "the file descriptor is not open for %s",
                                         write ? "writing" : "reading");
        if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "the file descriptor must be a file, pipe or socket");
        return 0;
}

int transfer_import(Manager *m, int fd, const char *name, Transfer **ret, sd_bus_error *error)
{
        int r;

        r = check_fd(fd, false, error);
        if (r < 0)
                return r;
        r = transfer_start(m, "import", name ?: "archive", name, fd, ret);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot start the import: %m");
        return 0;
}

int transfer_export(Manager *m, const char *image, int fd, Transfer **ret, sd_bus_error *error)
{
        int r;

        r = check_fd(fd, true, error);
        if (r < 0)
                return r;
        r = transfer_start(m, "export", image, image, fd, ret);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot start the export: %m");
        return 0;
}

void transfers_cancel_all(Manager *m)
{
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
                return sd_bus_message_append(reply, "t", t->done);
        if (streq(property, "BytesTotal"))
                return sd_bus_message_append(reply, "t", t->total);
        return sd_bus_message_append(
            reply, "d",
            t->total > 0 && t->done <= t->total ? (double)t->done / (double)t->total : 0.0);
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
        for (size_t i = 0; r >= 0 && i < t->n_layers; i++)
                r = sd_bus_message_append(reply, "(sstt)", t->layers[i].digest, t->layers[i].state,
                                          t->layers[i].done, t->layers[i].total);
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
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        /* the worker cancels on SIGTERM and the store drops what it wrote;
         * the transfer object goes when the worker has exited */
        t->cancelled = true;
        if (!t->exited && kill(t->pid, SIGTERM) < 0)
                return sd_bus_error_set_errnof(error, errno, "cannot cancel: %m");
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
        uint32_t id;
        Transfer *t;

        if (!strneq(path, BERTH_TRANSFER_PATH "/", strlen(BERTH_TRANSFER_PATH) + 1))
                return 0;
        e = path + strlen(BERTH_TRANSFER_PATH) + 1;
        if (parse_uint32(e, &id) < 0)
                return 0;
        t = transfer_find(m, id);
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
