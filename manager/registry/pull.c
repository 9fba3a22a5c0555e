/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "log.h"
#include "macro.h"
#include "manifest.h"
#include "pull-internal.h"
#include "reference.h"
#include "strv.h"

int registry_new(const RegistryPaths *paths, Registry **ret)
{
        _cleanup_(registry_freep) Registry *r = NULL;
        int k;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -ENOMEM;
        r = calloc(1, sizeof(*r));
        if (!r) {
                curl_global_cleanup();
                return -ENOMEM;
        }
        pthread_mutex_init(&r->lock, NULL);
        pthread_cond_init(&r->inflight_changed, NULL);
        k = registry_config_load(paths, &r->config);
        if (k < 0)
                return k;
        r->share = registry_share_new();
        if (!r->share)
                return -ENOMEM;
        *ret = TAKE_PTR(r);
        return 0;
}

void registry_free(Registry *r)
{
        if (!r)
                return;
        registry_share_free(r->share);
        registry_config_free(r->config);
        strv_free(r->inflight);
        pthread_cond_destroy(&r->inflight_changed);
        pthread_mutex_destroy(&r->lock);
        free(r);
        curl_global_cleanup();
}

int registry_add_insecure(Registry *r, const char *host)
{
        return registry_config_add_insecure(r->config, host);
}

int pull_context_new(Registry *r, PullContext **ret)
{
        PullContext *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->registry = r;
        atomic_init(&p->cancelled, false);
        pthread_mutex_init(&p->lock, NULL);
        *ret = p;
        return 0;
}

void pull_context_free(PullContext *p)
{
        if (!p)
                return;
        free(p->error);
        pthread_mutex_destroy(&p->lock);
        free(p);
}

void pull_context_cancel(PullContext *p)
{
        atomic_store(&p->cancelled, true);
}

const char *pull_context_error(PullContext *p)
{
        return p->error;
}

int pull_fail(PullContext *p, int r, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        pthread_mutex_lock(&p->lock);
        if (!p->error) {
                p->error = msg;
                msg = NULL;
        }
        pthread_mutex_unlock(&p->lock);
        free(msg);
        return r;
}

typedef struct PullJob {
        PullContext *p;
        Store *store;
        const PullOptions *options;
        char *name; /* normalised reference */
        Reference *ref;
        RegistryClient *client;
        Platform platform;

        char *manifest, *config;
        size_t manifest_len, config_len;
        char manifest_digest[DIGEST_STRING_MAX];
        Manifest *image;
        char **diff_ids;
} PullJob;

static void pull_job_done(PullJob *j)
{
        free(j->name);
        reference_free(j->ref);
        registry_client_free(j->client);
        free(j->manifest);
        free(j->config);
        manifest_free(j->image);
        strv_free(j->diff_ids);
}

static int fetch_verified(PullJob *j, const char *what, const char *ref, const char *expect,
                          const char *accept, size_t max, const char *step, char **ret,
                          size_t *ret_len, Response *resp, char *ret_digest)
{
        _cleanup_free_ char *error = NULL, *data = NULL;
        char digest[DIGEST_STRING_MAX];
        size_t len;
        int r;

        r = registry_client_get_buffer(j->client, what, ref, accept, max, &data, &len, resp,
                                       &error);
        if (r < 0)
                return pull_fail(j->p, r, "pull %s: %s: %s", j->name, step, error ?: strerror(-r));
        r = sha256_buffer(data, len, digest);
        if (r < 0)
                return r;
        if (expect && !streq(digest, expect))
                return pull_fail(j->p, -EBADMSG, "pull %s: %s: digest mismatch (got %s)", j->name,
                                 step, digest);
        if (ret_digest)
                memcpy(ret_digest, digest, DIGEST_STRING_MAX);
        *ret = TAKE_PTR(data);
        *ret_len = len;
        return 0;
}

static int fetch_manifest(PullJob *j, const char *ref, const char *expect, Manifest **ret)
{
        _cleanup_free_ char *step = NULL;
        Response resp = {};
        const char *why;
        int r;

        if (asprintf(&step, expect ? "manifest %s" : "manifest", ref) < 0)
                return -ENOMEM;
        free(j->manifest);
        j->manifest = NULL;
        r = fetch_verified(j, "manifests", ref, expect, MANIFEST_ACCEPT, MANIFEST_SIZE_MAX, step,
                           &j->manifest, &j->manifest_len, &resp, j->manifest_digest);
        if (r >= 0) {
                r = manifest_parse(j->manifest, j->manifest_len, resp.content_type, ret, &why);
                if (r < 0)
                        pull_fail(j->p, r, "pull %s: %s: %s", j->name, step, why ?: strerror(-r));
        }
        response_done(&resp);
        return r;
}

static int resolve(PullJob *j)
{
        _cleanup_(manifest_freep) Manifest *m = NULL;
        const Descriptor *d;
        int r;

        r = fetch_manifest(j, j->ref->digest ?: j->ref->tag, j->ref->digest, &m);
        if (r < 0)
                return r;
        if (m->kind == MANIFEST_INDEX) {
                r = manifest_select_platform(m, &j->platform, &d);
                if (r < 0)
                        return pull_fail(j->p, r, "pull %s: manifest: no image for %s/%s%s%s",
                                         j->name, j->platform.os, j->platform.architecture,
                                         isempty(j->platform.variant) ? "" : "/",
                                         j->platform.variant);
                _cleanup_free_ char *digest = strdup(d->digest);
                if (!digest)
                        return -ENOMEM;
                manifest_free(TAKE_PTR(m));
                r = fetch_manifest(j, digest, digest, &m);
                if (r < 0)
                        return r;
                if (m->kind != MANIFEST_IMAGE)
                        return pull_fail(j->p, -EBADMSG,
                                         "pull %s: manifest %s: an index inside an index", j->name,
                                         digest);
        }
        j->image = TAKE_PTR(m);
        return 0;
}

static int fetch_config(PullJob *j)
{
        const Descriptor *c = &j->image->config;
        Response resp = {};
        const char *why;
        int r;

        if (c->size > CONFIG_SIZE_MAX)
                return pull_fail(j->p, -E2BIG, "pull %s: config: %ju bytes is too large", j->name,
                                 (uintmax_t)c->size);
        r = fetch_verified(j, "blobs", c->digest, c->digest, NULL, CONFIG_SIZE_MAX, "config",
                           &j->config, &j->config_len, &resp, NULL);
        response_done(&resp);
        if (r < 0)
                return r;
        r = image_config_diff_ids(j->config, j->config_len, j->image->n_layers, &j->diff_ids, &why);
        if (r < 0)
                return pull_fail(j->p, r, "pull %s: config: %s", j->name, why ?: strerror(-r));
        return 0;
}

static int commit(PullJob *j)
{
        Registry *reg = j->p->registry;
        int r;

        pthread_mutex_lock(&reg->lock);
        r = store_put_blob(j->store, j->manifest_digest, j->manifest, j->manifest_len);
        if (r < 0)
                pull_fail(j->p, r, "pull %s: store manifest: %s", j->name, strerror(-r));
        if (r >= 0) {
                r = store_put_blob(j->store, j->image->config.digest, j->config, j->config_len);
                if (r < 0)
                        pull_fail(j->p, r, "pull %s: store config: %s", j->name, strerror(-r));
        }
        if (r >= 0) {
                r = store_image_commit(j->store, j->name, j->manifest_digest,
                                       j->image->config.digest);
                if (r < 0)
                        pull_fail(j->p, r, "pull %s: commit: %s", j->name, strerror(-r));
        }
        pthread_mutex_unlock(&reg->lock);
        return r;
}

static void report_phase(PullJob *j, PullPhase phase, PullProgressFn cb, void *userdata)
{
        PullProgress pp = {.reference = j->name, .phase = phase};

        if (cb)
                cb(&pp, userdata);
}

/* Tries the configured mirrors first, then the registry itself; the first
 * endpoint that resolves the manifest serves the whole pull. */
static int connect_and_resolve(PullJob *j)
{
        const RegistryConfig *cfg = j->p->registry->config;
        ClientOptions co = {
            .connect_timeout_sec = j->options ? j->options->connect_timeout_sec : 0,
            .stall_timeout_sec = j->options ? j->options->stall_timeout_sec : 0,
            .attempts = j->options ? j->options->attempts : 0,
            .request_timeout_sec = j->options ? j->options->request_timeout_sec : 0,
        };
        _cleanup_strv_free_ char **endpoints = NULL;
        int r = 0;

        r = registry_config_endpoints(cfg, j->ref->domain, &endpoints);
        if (r < 0)
                return pull_fail(j->p, r, "pull %s: out of memory", j->name);
        STRV_FOREACH (e, endpoints) {
                registry_client_free(j->client);
                j->client = NULL;
                r = registry_client_new(cfg, &co, j->p->registry->share, &j->p->cancelled,
                                        j->ref->domain, *e, j->ref->path, &j->client);
                if (r < 0)
                        return pull_fail(j->p, r, "pull %s: configure %s: %s", j->name, *e,
                                         strerror(-r));
                r = resolve(j);
                if (r >= 0 || e[1] == NULL || r == -ECANCELED)
                        return r;
                log_info("pull %s: mirror %s failed (%s), trying the next endpoint", j->name, *e,
                         strna(j->p->error));
                pthread_mutex_lock(&j->p->lock);
                free(j->p->error);
                j->p->error = NULL;
                pthread_mutex_unlock(&j->p->lock);
        }
        return r;
}

int registry_pull(PullContext *p, Store *s, const char *ref, const PullOptions *options,
                  PullProgressFn cb, void *userdata, char **ret_image_id)
{
        _cleanup_(pull_job_done) PullJob j = {.p = p, .store = s, .options = options};
        char *id;
        int r;

        r = reference_parse(ref, &j.ref);
        if (r < 0)
                return pull_fail(p, r, "pull %s: invalid reference", ref);
        r = reference_normalise(j.ref);
        if (r < 0)
                return pull_fail(p, r, "pull %s: invalid reference", ref);
        j.name = reference_string(j.ref);
        if (!j.name)
                return pull_fail(p, -ENOMEM, "pull %s: out of memory", ref);
        r = options && options->platform ? platform_parse(options->platform, &j.platform)
                                         : platform_host(&j.platform);
        if (r < 0)
                return pull_fail(p, r, "pull %s: invalid platform %s", j.name,
                                 strna(options ? options->platform : NULL));

        report_phase(&j, PULL_RESOLVING, cb, userdata);
        r = connect_and_resolve(&j);
        if (r >= 0)
                r = fetch_config(&j);
        if (r >= 0)
                r = pull_layers(p, s, j.client, j.name, j.image->layers, j.diff_ids,
                                j.image->n_layers, options ? options->max_parallel : 0, cb,
                                userdata);
        if (r >= 0) {
                report_phase(&j, PULL_COMMITTING, cb, userdata);
                r = commit(&j);
        }
        if (r < 0) {
                if (!p->error)
                        pull_fail(p, r, "pull %s: %s", j.name,
                                  r == -ECANCELED ? "cancelled" : strerror(-r));
                return r;
        }
        report_phase(&j, PULL_DONE, cb, userdata);
        if (ret_image_id) {
                id = strdup(j.image->config.digest);
                if (!id)
                        return -ENOMEM;
                *ret_image_id = id;
        }
        return 0;
}
