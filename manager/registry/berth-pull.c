/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-pull: pulls one image into a store, printing progress. A debug and
 * test entry point for the registry client; berthd uses the same library. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "registry.h"
#include "strv.h"

typedef struct Args {
        const char *root;
        RegistryPaths paths;
        char **insecure;
        PullOptions options;
        bool quiet;
        const char *ref;
} Args;

typedef struct PullThread {
        PullContext *pull;
        Store *store;
        const Args *args;
        char *image_id;
        int r;
        atomic_bool finished;
        struct timespec last;
        PullPhase last_phase;
        LayerState last_states[256];
        bool tty;       /* stdout is a terminal: the total is a bar, redrawn in place */
        bool bar_shown; /* the bar is on the current line */
} PullThread;

static void help(void)
{
        printf("berth-pull [OPTIONS] REFERENCE\n\n"
               "Pulls an image from its registry into the berth image store.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --root DIR             Store root (default " BERTH_STATEDIR ")\n"
               "     --config-dir DIR       Registry configuration (default " BERTH_CONFDIR
               "/registries.d)\n"
               "     --auth-file FILE       Credentials (default " BERTH_CONFDIR "/auth.json)\n"
               "     --certs-dir DIR        Per-registry CAs (default " BERTH_CONFDIR "/certs.d)\n"
               "     --insecure HOST[:PORT] Use plain HTTP for this registry\n"
               "     --platform OS/ARCH[/VARIANT]  Pick this platform from an index\n"
               "     --parallel N           Layers downloading at once (default 3)\n"
               "     --timeout SEC          Give up on a transfer stalled this long\n"
               "     --request-timeout SEC  Give up on a manifest, config or token taking longer\n"
               "     --attempts N           Tries per request (default 4)\n"
               "  -q --quiet                Print only the image id\n");
}

static int parse_unsigned(const char *opt, const char *s, unsigned *ret)
{
        uint32_t v;

        if (parse_uint32(s, &v) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "invalid %s: %s", opt, s);
        *ret = v;
        return 0;
}

static int parse_args(int argc, char **argv, Args *a)
{
        enum {
                ARG_VERSION = 0x100,
                ARG_ROOT,
                ARG_CONFIG_DIR,
                ARG_AUTH_FILE,
                ARG_CERTS_DIR,
                ARG_INSECURE,
                ARG_PLATFORM,
                ARG_PARALLEL,
                ARG_TIMEOUT,
                ARG_REQUEST_TIMEOUT,
                ARG_ATTEMPTS,
        };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {"root", required_argument, NULL, ARG_ROOT},
            {"config-dir", required_argument, NULL, ARG_CONFIG_DIR},
            {"auth-file", required_argument, NULL, ARG_AUTH_FILE},
            {"certs-dir", required_argument, NULL, ARG_CERTS_DIR},
            {"insecure", required_argument, NULL, ARG_INSECURE},
            {"platform", required_argument, NULL, ARG_PLATFORM},
            {"parallel", required_argument, NULL, ARG_PARALLEL},
            {"timeout", required_argument, NULL, ARG_TIMEOUT},
            {"request-timeout", required_argument, NULL, ARG_REQUEST_TIMEOUT},
            {"attempts", required_argument, NULL, ARG_ATTEMPTS},
            {"quiet", no_argument, NULL, 'q'},
            {},
        };
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berth-pull " PACKAGE_VERSION "\n");
                        return 0;
                case ARG_ROOT:
                        a->root = optarg;
                        break;
                case ARG_CONFIG_DIR:
                        a->paths.config_dir = optarg;
                        break;
                case ARG_AUTH_FILE:
                        a->paths.auth_file = optarg;
                        break;
                case ARG_CERTS_DIR:
                        a->paths.certs_dir = optarg;
                        break;
                case ARG_INSECURE:
                        if (strv_extend(&a->insecure, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_PLATFORM:
                        a->options.platform = optarg;
                        break;
                case ARG_PARALLEL:
                        r = parse_unsigned("--parallel", optarg, &a->options.max_parallel);
                        break;
                case ARG_TIMEOUT:
                        r = parse_unsigned("--timeout", optarg, &a->options.stall_timeout_sec);
                        if (r >= 0)
                                a->options.connect_timeout_sec = a->options.stall_timeout_sec;
                        break;
                case ARG_REQUEST_TIMEOUT:
                        r = parse_unsigned("--request-timeout", optarg,
                                           &a->options.request_timeout_sec);
                        break;
                case ARG_ATTEMPTS:
                        r = parse_unsigned("--attempts", optarg, &a->options.attempts);
                        break;
                case 'q':
                        a->quiet = true;
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind != argc - 1)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "expected exactly one image reference");
        a->ref = argv[optind];
        return 1;
}

static const char *const state_names[] = {
    [LAYER_WAITING] = "waiting",
    [LAYER_DOWNLOADING] = "downloading",
    [LAYER_DONE] = "done",
    [LAYER_PRESENT] = "present",
};

static const char *const phase_names[] = {
    [PULL_RESOLVING] = "resolving",
    [PULL_LAYERS] = "layers",
    [PULL_COMMITTING] = "committing",
    [PULL_DONE] = "done",
};

/* The overall line: "layers REF DONE/TOTAL (P%)" in a log, and on a
 * terminal a bar that the next update overwrites. */
static void print_total(PullThread *t, const PullProgress *pp)
{
        enum { BAR = 30 };
        unsigned pct = pp->total > 0 ? (unsigned)(pp->done * 100 / pp->total) : 0;

        if (pct > 100)
                pct = 100;
        if (pp->total == 0) { /* resolving, committing: no bytes to count */
                printf("%s%s %s", t->tty ? "\r\033[K" : "", phase_names[pp->phase], pp->reference);
                if (t->tty)
                        t->bar_shown = true;
                else
                        putchar('\n');
                return;
        }
        if (!t->tty) {
                printf("%s %s %ju/%ju (%u%%)\n", phase_names[pp->phase], pp->reference,
                       (uintmax_t)pp->done, (uintmax_t)pp->total, pct);
                return;
        }
        printf("\r\033[K%-10s [%.*s%*s] %3u%% %ju/%ju", phase_names[pp->phase],
               (int)(pct * BAR / 100),
               "==============================", (int)(BAR - pct * BAR / 100), "", pct,
               (uintmax_t)pp->done, (uintmax_t)pp->total);
        t->bar_shown = true;
}

/* One line per layer state change, and an overall line at most once a
 * second (a log) or ten times a second (a terminal), so that logs of a pull
 * stay readable. */
static void on_progress(const PullProgress *pp, void *userdata)
{
        PullThread *t = userdata;
        struct timespec now;
        bool changed = pp->phase != t->last_phase;
        int64_t since;

        if (t->args->quiet)
                return;
        for (size_t i = 0; i < pp->n_layers && i < ELEMENTSOF(t->last_states); i++) {
                if (pp->layers[i].state == t->last_states[i])
                        continue;
                t->last_states[i] = pp->layers[i].state;
                changed = true;
                printf("%slayer %s %s %ju/%ju\n", t->bar_shown ? "\r\033[K" : "",
                       pp->layers[i].digest, state_names[pp->layers[i].state],
                       (uintmax_t)pp->layers[i].done, (uintmax_t)pp->layers[i].total);
                t->bar_shown = false;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        since = (int64_t)(now.tv_sec - t->last.tv_sec) * 1000 +
                (now.tv_nsec - t->last.tv_nsec) / 1000000;
        if (changed || since >= (t->tty ? 100 : 1000)) {
                print_total(t, pp);
                t->last = now;
        }
        t->last_phase = pp->phase;
        fflush(stdout);
}

static void *pull_thread(void *userdata)
{
        PullThread *t = userdata;

        t->r = registry_pull(t->pull, t->store, t->args->ref, &t->args->options, on_progress, t,
                             &t->image_id);
        atomic_store(&t->finished, true);
        return NULL;
}

/* The pull runs in a thread, as in berthd; this thread turns SIGINT and
 * SIGTERM into a cancellation, so that the store is left clean. */
static int run(const Args *a, Registry *reg, Store *store)
{
        _cleanup_(pull_context_freep) PullContext *pull = NULL;
        PullThread t = {
            .store = store, .args = a, .last_phase = PULL_DONE, .tty = isatty(STDOUT_FILENO)};
        const struct timespec tick = {.tv_nsec = 100 * 1000000L};
        pthread_t thread;
        sigset_t mask;
        int r;

        memset(t.last_states, 0xff, sizeof(t.last_states));
        r = pull_context_new(reg, &pull);
        if (r < 0)
                return log_oom();
        t.pull = pull;
        atomic_init(&t.finished, false);
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);
        r = pthread_create(&thread, NULL, pull_thread, &t);
        if (r != 0)
                return log_error_errno(r, "start pull thread");
        while (!atomic_load(&t.finished))
                if (sigtimedwait(&mask, NULL, &tick) > 0)
                        pull_context_cancel(pull);
        pthread_join(thread, NULL);
        if (t.bar_shown)
                putchar('\n');
        if (t.r < 0)
                return log_error("%s", strna(pull_context_error(pull))), t.r;
        printf("%s%s\n", a->quiet ? "" : "image ", t.image_id);
        free(t.image_id);
        return 0;
}

int main(int argc, char **argv)
{
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_(store_freep) Store *store = NULL;
        Args a = {};
        int r;

        log_setup("berth-pull", LOG_TARGET_STDERR);
        r = parse_args(argc, argv, &a);
        if (r <= 0) {
                strv_free(a.insecure);
                return r < 0 ? 2 : 0;
        }
        r = registry_new(&a.paths, &reg);
        if (r < 0) {
                /* a bad file was named, with its line, where it was read */
                if (r == -ENOMEM)
                        log_oom();
                goto finish;
        }
        STRV_FOREACH (h, a.insecure) {
                r = registry_add_insecure(reg, *h);
                if (r < 0) {
                        log_error_errno(r, "invalid --insecure %s", *h);
                        strv_free(a.insecure);
                        return 2;
                }
        }
        r = store_open(a.root, &store);
        if (r < 0) {
                log_error_errno(r, "open store %s", a.root ?: BERTH_STATEDIR);
                goto finish;
        }
        r = run(&a, reg, store);
finish:
        strv_free(a.insecure);
        return r < 0 ? 1 : 0;
}
