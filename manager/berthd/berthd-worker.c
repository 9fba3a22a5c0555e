/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd-worker: berthd's transfer worker. berthd runs one per transfer
 * (pull, import, export), so that the registry client and the archive code
 * (libcurl, TLS, libarchive) never live in berthd's own memory while it
 * idles. An import reads the archive from fd 3, an export writes it there.
 * It reports to berthd on stdout, one record a line:
 *
 *   P DONE TOTAL                     overall bytes
 *   L DIGEST STATE DONE TOTAL        one per layer; "L -" ends a set
 *   J TEXT                           a line for the journal
 *   I IMAGE-ID                       an image was committed (one line each)
 *   E TEXT                           why the transfer failed
 *
 * SIGTERM cancels; whatever the transfer wrote is removed by the store. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "registry.h"
#include "store.h"
#include "strv.h"
#include "transfer.h"

/* A signal handler has no context argument; this is the one pull it may
 * cancel (pull_context_cancel is async-signal-safe). */
static PullContext *volatile cancel_target;

static void on_signal(int sig)
{
        if (cancel_target)
                pull_context_cancel(cancel_target);
}

typedef struct Reporter {
        char **announced;
        size_t n_announced;
} Reporter;

static bool announce_once(Reporter *rep, const char *digest)
{
        char **n;

        for (size_t i = 0; i < rep->n_announced; i++)
                if (streq(rep->announced[i], digest))
                        return false;
        n = realloc(rep->announced, sizeof(char *) * (rep->n_announced + 1));
        if (!n)
                return false;
        rep->announced = n;
        rep->announced[rep->n_announced] = strdup(digest);
        if (!rep->announced[rep->n_announced])
                return false;
        rep->n_announced++;
        return true;
}

static void on_progress(const PullProgress *p, void *userdata)
{
        static const char *const states[] = {
            [LAYER_WAITING] = "waiting",
            [LAYER_DOWNLOADING] = "downloading",
            [LAYER_DONE] = "done",
            [LAYER_PRESENT] = "present",
        };
        Reporter *rep = userdata;

        for (size_t i = 0; i < p->n_layers; i++) {
                const LayerProgress *l = &p->layers[i];
                const char *state = l->state <= LAYER_PRESENT ? states[l->state] : "waiting";

                printf("L %s %s %" PRIu64 " %" PRIu64 "\n", l->digest, state, l->done, l->total);
                if ((l->state == LAYER_DONE || l->state == LAYER_PRESENT) &&
                    announce_once(rep, l->digest))
                        printf("J layer %s %s (%" PRIu64 " bytes)\n", l->digest,
                               l->state == LAYER_DONE ? "pulled" : "already present", l->total);
        }
        if (p->n_layers > 0)
                printf("L -\n");
        printf("P %" PRIu64 " %" PRIu64 "\n", p->done, p->total);
        fflush(stdout);
}

#define ARCHIVE_FD 3

static int do_pull(Store *store, const char *ref)
{
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_(pull_context_freep) PullContext *pull = NULL;
        _cleanup_free_ char *image_id = NULL;
        RegistryPaths paths = {
            .config_dir = getenv("BERTH_REGISTRIES_DIR"),
            .auth_file = getenv("BERTH_AUTH_FILE"),
            .certs_dir = getenv("BERTH_CERTS_DIR"),
        };
        struct sigaction sa = {.sa_handler = on_signal};
        PullOptions opts = {};
        Reporter rep = {};
        int r;

        r = registry_new(&paths, &reg);
        if (r < 0) {
                /* the file and line went to berthd's journal (stderr) */
                printf("E cannot read the registry configuration in %s: %s (berthd's journal "
                       "names the file and line)\n",
                       paths.config_dir ?: BERTH_CONFDIR "/registries.d", strerror(-r));
                return 1;
        }
        r = pull_context_new(reg, &pull);
        if (r < 0) {
                printf("E %s\n", strerror(-r));
                return 1;
        }
        cancel_target = pull;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        r = registry_pull(pull, store, ref, &opts, on_progress, &rep, &image_id);
        cancel_target = NULL;
        for (size_t i = 0; i < rep.n_announced; i++)
                free(rep.announced[i]);
        free(rep.announced);
        if (r == -ECANCELED)
                return 3;
        if (r < 0) {
                printf("E %s\n", pull_context_error(pull) ?: strerror(-r));
                /* Told apart for the pull units made at boot: they retry
                 * a registry that is not reachable yet. */
                if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH ||
                    r == -ETIMEDOUT)
                        return WORKER_EXIT_UNREACHABLE;
                return 1;
        }
        printf("I %s\n", image_id);
        return 0;
}

/* Copies fd 3 (a pipe, a socket or a file) into a temporary file: the
 * archive reader needs to seek. */
static int spool(const char *dir, char **ret)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[65536];
        ssize_t k;

        if (asprintf(&path, "%s/berthd-import.XXXXXX", dir) < 0)
                return -ENOMEM;
        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        while ((k = read(ARCHIVE_FD, buf, sizeof(buf))) != 0) {
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        k = negative_errno();
                        unlink(path);
                        return (int)k;
                }
                for (ssize_t w = 0; w < k;) {
                        ssize_t n = write(fd, buf + w, k - w);
                        if (n < 0) {
                                int e = negative_errno();
                                unlink(path);
                                return e;
                        }
                        w += n;
                }
        }
        *ret = TAKE_PTR(path);
        return 0;
}

/* "P DONE TOTAL" at most every 200 ms, and the last one always */
static void report_progress(uint64_t done, uint64_t total, void *userdata)
{
        struct timespec *last = userdata, now;
        int64_t ms;

        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (int64_t)(now.tv_sec - last->tv_sec) * 1000 + (now.tv_nsec - last->tv_nsec) / 1000000;
        if (done != total && ms < 200)
                return;
        *last = now;
        printf("P %" PRIu64 " %" PRIu64 "\n", done, total);
        fflush(stdout);
}

static int do_import(Store *store, const char *name)
{
        struct timespec last = {};
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_free_ char *tmp = NULL;
        const char *tmpdir = getenv("TMPDIR") ?: "/var/tmp";
        struct stat st;
        int r;

        if (fstat(ARCHIVE_FD, &st) < 0) {
                printf("E no archive given\n");
                return 1;
        }
        if (!S_ISREG(st.st_mode)) {
                r = spool(tmpdir, &tmp);
                if (r < 0) {
                        printf("E cannot read the archive: %s\n", strerror(-r));
                        return 1;
                }
        }
        r = store_import_archive_progress(store, tmp ?: "/proc/self/fd/3", name, report_progress,
                                          &last, &ids);
        if (tmp)
                unlink(tmp);
        if (r < 0) {
                printf("E cannot import the archive: %s\n", strerror(-r));
                return 1;
        }
        STRV_FOREACH (id, ids)
                printf("I %s\n", *id);
        return 0;
}

static int do_export(Store *store, const char *ref)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *tmpdir = getenv("TMPDIR") ?: "/var/tmp";
        struct timespec last = {};
        char buf[65536];
        ssize_t k;
        int r;

        /* the store writes a file by name; the client's fd may be a pipe */
        if (asprintf(&tmp, "%s/berthd-export.XXXXXX", tmpdir) < 0)
                return 1;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                printf("E cannot create a temporary file: %s\n", strerror(errno));
                return 1;
        }
        r = store_export_archive_progress(store, ref, tmp, report_progress, &last);
        if (r < 0) {
                unlink(tmp);
                printf("E cannot export %s: %s\n", ref, strerror(-r));
                return 1;
        }
        safe_close(fd);
        fd = open(tmp, O_RDONLY | O_CLOEXEC);
        unlink(tmp);
        if (fd < 0) {
                printf("E cannot read the export: %s\n", strerror(errno));
                return 1;
        }
        while ((k = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t w = 0; w < k;) {
                        ssize_t n = write(ARCHIVE_FD, buf + w, k - w);
                        if (n < 0) {
                                printf("E cannot write the archive: %s\n", strerror(errno));
                                return 1;
                        }
                        w += n;
                }
        printf("P 1 1\n");
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {"store", required_argument, NULL, 's'},
            {},
        };
        _cleanup_(store_freep) Store *store = NULL;
        const char *root = NULL, *verb;
        int c, r;

        log_setup("berthd-worker", LOG_TARGET_STDERR);
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthd-worker [--store DIR] pull REFERENCE\n"
                               "berthd-worker [--store DIR] import [NAME]   (archive on fd 3)\n"
                               "berthd-worker [--store DIR] export IMAGE    (archive to fd 3)\n\n"
                               "berthd's transfer worker; not meant to be run by hand.\n");
                        return 0;
                case 'V':
                        printf("berthd-worker %s\n", PACKAGE_VERSION);
                        return 0;
                case 's':
                        root = optarg;
                        break;
                default:
                        return 2;
                }
        if (optind >= argc) {
                log_error("no verb given");
                return 2;
        }
        verb = argv[optind++];
        if (!streq(verb, "import") && optind + 1 != argc) {
                log_error("%s needs exactly one argument", verb);
                return 2;
        }

        r = store_open(root, &store);
        if (r < 0) {
                printf("E cannot open the image store: %s\n", strerror(-r));
                return 1;
        }
        if (streq(verb, "pull"))
                return do_pull(store, argv[optind]);
        if (streq(verb, "import"))
                return do_import(store, optind < argc ? argv[optind] : NULL);
        if (streq(verb, "export"))
                return do_export(store, argv[optind]);
        log_error("unknown verb %s", verb);
        return 2;
}
