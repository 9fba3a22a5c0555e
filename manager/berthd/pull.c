/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PullImage's work: the registry client, in the transfer's thread. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "registry.h"
#include "store.h"
#include "transfer.h"

typedef struct PullState {
        Transfer *transfer;
        char **digests; /* layers already announced in the journal */
} PullState;

static bool announced(PullState *s, const char *digest)
{
        for (char **d = s->digests; d && *d; d++)
                if (streq(*d, digest))
                        return true;
        return false;
}

static void on_progress(const PullProgress *p, void *userdata)
{
        PullState *s = userdata;

        /* one journal line per layer, when it is in the store */
        for (size_t i = 0; i < p->n_layers; i++) {
                const LayerProgress *l = &p->layers[i];
                size_t n = 0;
                char **nd;

                if ((l->state != LAYER_DONE && l->state != LAYER_PRESENT) ||
                    announced(s, l->digest))
                        continue;
                transfer_log(s->transfer, "layer %s %s (%" PRIu64 " bytes)", l->digest,
                             l->state == LAYER_DONE ? "pulled" : "already present", l->total);
                while (s->digests && s->digests[n])
                        n++;
                nd = realloc(s->digests, sizeof(char *) * (n + 2));
                if (!nd)
                        continue;
                nd[n] = strdup(l->digest);
                nd[n + 1] = NULL;
                s->digests = nd;
        }
        if (p->n_layers > 0) {
                static const char *const states[] = {
                    [LAYER_WAITING] = "waiting",
                    [LAYER_DOWNLOADING] = "downloading",
                    [LAYER_DONE] = "done",
                    [LAYER_PRESENT] = "present",
                };
                TransferLayer *l = calloc(p->n_layers, sizeof(TransferLayer));
                if (l) {
                        for (size_t i = 0; i < p->n_layers; i++)
                                l[i] = (TransferLayer){
                                    .digest = (char *)p->layers[i].digest,
                                    .state = p->layers[i].state <= LAYER_PRESENT
                                                 ? states[p->layers[i].state]
                                                 : "waiting",
                                    .done = p->layers[i].done,
                                    .total = p->layers[i].total,
                                };
                        transfer_set_layers(s->transfer, l, p->n_layers);
                        free(l);
                }
        }
        transfer_progress(s->transfer, p->done, p->total);
}

static void cancel_pull(void *pull)
{
        pull_context_cancel(pull);
}

int pull_work(Transfer *t)
{
        _cleanup_(store_freep) Store *store = NULL;
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_(pull_context_freep) PullContext *pull = NULL;
        _cleanup_free_ char *image_id = NULL;
        PullState state = {.transfer = t};
        /* tests and second instances point berthd at other configuration */
        RegistryPaths paths = {
            .config_dir = getenv("BERTH_REGISTRIES_DIR"),
            .auth_file = getenv("BERTH_AUTH_FILE"),
            .certs_dir = getenv("BERTH_CERTS_DIR"),
        };
        PullOptions options = {};
        int r;

        r = store_open(t->store_root, &store);
        if (r < 0) {
                transfer_set_error(t, "cannot open the image store: %s", strerror(-r));
                return r;
        }
        r = registry_new(&paths, &reg);
        if (r < 0) {
                transfer_set_error(t, "cannot read the registry configuration: %s", strerror(-r));
                return r;
        }
        r = pull_context_new(reg, &pull);
        if (r < 0)
                return r;
        transfer_set_canceller(t, cancel_pull, pull);
        if (transfer_is_cancelled(t))
                r = -ECANCELED;
        else
                r = registry_pull(pull, store, t->reference, &options, on_progress, &state,
                                  &image_id);
        transfer_set_canceller(t, NULL, NULL);
        for (char **d = state.digests; d && *d; d++)
                free(*d);
        free(state.digests);
        if (r < 0) {
                if (r != -ECANCELED)
                        transfer_set_error(t, "%s", pull_context_error(pull) ?: strerror(-r));
                return r;
        }
        transfer_set_image(t, image_id);
        return 0;
}
