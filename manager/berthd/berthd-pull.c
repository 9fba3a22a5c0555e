/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd-pull: berthd's pull worker. berthd runs one per transfer, so that
 * the registry client (libcurl, TLS, libarchive) never lives in berthd's own
 * memory while it idles. It reports to berthd on stdout, one record a line:
 *
 *   P DONE TOTAL                     overall bytes
 *   L DIGEST STATE DONE TOTAL        one per layer; "L -" ends a set
 *   J TEXT                           a line for the journal
 *   I IMAGE-ID                       the pull committed this image
 *   E TEXT                           why the pull failed
 *
 * SIGTERM cancels the pull; whatever it wrote is removed by the store. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "registry.h"
#include "store.h"

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

int main(int argc, char **argv)
{
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {"store", required_argument, NULL, 's'},
            {},
        };
        _cleanup_(store_freep) Store *store = NULL;
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_(pull_context_freep) PullContext *pull = NULL;
        _cleanup_free_ char *image_id = NULL;
        RegistryPaths paths = {
            .config_dir = getenv("BERTH_REGISTRIES_DIR"),
            .auth_file = getenv("BERTH_AUTH_FILE"),
            .certs_dir = getenv("BERTH_CERTS_DIR"),
        };
        const char *root = NULL;
        PullOptions opts = {};
        Reporter rep = {};
        struct sigaction sa = {.sa_handler = on_signal};
        int c, r;

        log_setup("berthd-pull", LOG_TARGET_STDERR);
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthd-pull [--store DIR] REFERENCE\n\n"
                               "berthd's pull worker; not meant to be run by hand.\n");
                        return 0;
                case 'V':
                        printf("berthd-pull %s\n", PACKAGE_VERSION);
                        return 0;
                case 's':
                        root = optarg;
                        break;
                default:
                        return 2;
                }
        if (optind + 1 != argc) {
                log_error("give exactly one reference");
                return 2;
        }

        r = store_open(root, &store);
        if (r < 0) {
                printf("E cannot open the image store: %s\n", strerror(-r));
                return 1;
        }
        r = registry_new(&paths, &reg);
        if (r < 0) {
                printf("E cannot read the registry configuration: %s\n", strerror(-r));
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

        r = registry_pull(pull, store, argv[optind], &opts, on_progress, &rep, &image_id);
        cancel_target = NULL;
        for (size_t i = 0; i < rep.n_announced; i++)
                free(rep.announced[i]);
        free(rep.announced);
        if (r == -ECANCELED)
                return 3;
        if (r < 0) {
                printf("E %s\n", pull_context_error(pull) ?: strerror(-r));
                return 1;
        }
        printf("I %s\n", image_id);
        return 0;
}
