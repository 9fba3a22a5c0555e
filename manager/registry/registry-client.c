/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "registry-client-internal.h"

#define ERROR_BODY_MAX  (64U << 10)
#define TOKEN_BODY_MAX  (1U << 20)
#define HEADER_LINE_MAX 8192
#define REDIRECTS_MAX   5L

void response_done(Response *r)
{
        free(r->content_type);
        free(r->docker_digest);
        *r = (Response){};
}

/* ---- sharing connections between the layer threads ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *userdata)
{
        pthread_mutex_lock(&((RegistryShare *)userdata)->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userdata)
{
        pthread_mutex_unlock(&((RegistryShare *)userdata)->locks[data]);
}

RegistryShare *registry_share_new(void)
{
        RegistryShare *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->handle = curl_share_init();
        if (!s->handle) {
                free(s);
                return NULL;
        }
        for (size_t i = 0; i < ELEMENTSOF(s->locks); i++)
                pthread_mutex_init(&s->locks[i], NULL);
        curl_share_setopt(s->handle, CURLSHOPT_USERDATA, s);
        curl_share_setopt(s->handle, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(s->handle, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(s->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(s->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        curl_share_setopt(s->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        return s;
}

void registry_share_free(RegistryShare *s)
{
        if (!s)
                return;
        curl_share_cleanup(s->handle);
        for (size_t i = 0; i < ELEMENTSOF(s->locks); i++)
                pthread_mutex_destroy(&s->locks[i]);
        free(s);
}

/* ---- client ---- */

void registry_client_free(RegistryClient *c)
{
        if (!c)
                return;
        free(c->host);
        free(c->endpoint);
        free(c->repository);
        free(c->ca_pem);
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->user);
        free(c->password);
        free(c->token);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

int registry_client_new(const RegistryConfig *config, const ClientOptions *options,
                        RegistryShare *share, atomic_bool *cancelled, const char *host,
                        const char *endpoint, const char *repository, RegistryClient **ret)
{
        _cleanup_(registry_client_freep) RegistryClient *c = calloc(1, sizeof(*c));
        const RegistryHostConfig *h;
        int r;

        if (!c)
                return -ENOMEM;
        pthread_mutex_init(&c->lock, NULL);
        c->config = config;
        c->options = options ? *options : (ClientOptions){};
        if (!c->options.connect_timeout_sec)
                c->options.connect_timeout_sec = 30;
        if (!c->options.stall_timeout_sec)
                c->options.stall_timeout_sec = 60;
        if (!c->options.attempts)
                c->options.attempts = 4;
        if (!c->options.backoff_ms)
                c->options.backoff_ms = 500;
        if (!c->options.request_timeout_sec)
                c->options.request_timeout_sec = 300;
        c->share = share;
        c->cancelled = cancelled;
        c->host = strdup(host);
        c->endpoint = strdup(endpoint);
        c->repository = strdup(repository);
        if (!c->host || !c->endpoint || !c->repository)
                return -ENOMEM;

        h = registry_config_host(config, endpoint) ?: registry_config_host(config, host);
        c->insecure = h && h->insecure;
        r = registry_config_ca_bundle(config, endpoint, &c->ca_pem, &c->ca_len);
        if (r < 0)
                return r;
        r = registry_config_credentials(config, host, &c->user, &c->password);
        if (r >= 0 && !c->user && !streq(host, endpoint))
                r = registry_config_credentials(config, endpoint, &c->user, &c->password);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

bool registry_client_cancelled(RegistryClient *c)
{
        return c->cancelled && atomic_load(c->cancelled);
}

static int basic_header(const char *user, const char *password, char **ret)
{
        _cleanup_free_ char *plain = NULL, *b64 = NULL;
        int n = asprintf(&plain, "%s:%s", user, password);

        if (n < 0)
                return -ENOMEM;
        b64 = malloc(4 * ((n + 2) / 3) + 1);
        if (!b64)
                return -ENOMEM;
        EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)plain, n);
        explicit_bzero(plain, n);
        if (asprintf(ret, "Authorization: Basic %s", b64) < 0)
                return -ENOMEM;
        explicit_bzero(b64, strlen(b64));
        return 0;
}

static void set_common(RegistryClient *c, CURL *e, const char *ca_pem, size_t ca_len, char *errbuf)
{
        const char *protocols = c->insecure ? "http,https" : "https";

        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols);
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, REDIRECTS_MAX);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)c->options.connect_timeout_sec);
        /* a peer that trickles bytes (slowloris) is as dead as a silent one */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 512L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)c->options.stall_timeout_sec);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "berth/" PACKAGE_VERSION);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
        if (c->share)
                curl_easy_setopt(e, CURLOPT_SHARE, c->share->handle);
        if (ca_pem) {
                struct curl_blob blob = {
                    .data = (void *)ca_pem, .len = ca_len, .flags = CURL_BLOB_NOCOPY};
                curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
        }
}

/* ---- one HTTP exchange ---- */

void exchange_reset(Exchange *x)
{
        response_done(&x->response);
        free(x->www_authenticate);
        free(x->error_body);
        x->www_authenticate = x->error_body = NULL;
        x->error_len = 0;
        x->received = 0;
        x->sink_error = 0;
}

static char *header_value(const char *line, size_t len, const char *name)
{
        size_t n = strlen(name);
        const char *v, *end = line + len;

        if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
                return NULL;
        v = line + n + 1;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && isspace((unsigned char)end[-1]))
                end--;
        return strndup(v, end - v);
}

static void replace(char **slot, char *value)
{
        if (value) {
                free(*slot);
                *slot = value;
        }
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
        Exchange *x = userdata;
        size_t len = size * n;

        if (len > HEADER_LINE_MAX)
                return len; /* ignore absurd header lines rather than keep them */
        if (len >= 5 && strneq(data, "HTTP/", 5)) {
                /* a new response (after a redirect or 100-continue) */
                response_done(&x->response);
                free(x->www_authenticate);
                x->www_authenticate = NULL;
                return len;
        }
        replace(&x->response.content_type, header_value(data, len, "Content-Type"));
        replace(&x->response.docker_digest, header_value(data, len, "Docker-Content-Digest"));
        replace(&x->www_authenticate, header_value(data, len, "WWW-Authenticate"));
        return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
        Exchange *x = userdata;
        size_t len = size * n;
        long status = 0;

        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) {
                /* keep the start of an error body for its error code */
                size_t room = ERROR_BODY_MAX - x->error_len;
                size_t take = len < room ? len : room;
                char *b = realloc(x->error_body, x->error_len + take + 1);
                if (!b)
                        return 0;
                memcpy(b + x->error_len, data, take);
                x->error_len += take;
                b[x->error_len] = 0;
                x->error_body = b;
                return len;
        }
        if (x->received + len > x->sink->max || x->received + len < x->received) {
                x->sink_error = -E2BIG;
                return 0;
        }
        x->body_started = true;
        x->sink_error = x->sink->write(data, len, x->sink->userdata);
        if (x->sink_error == BODY_SINK_FULL) {
                /* curl hands the same bytes again once the transfer resumes */
                x->sink_error = 0;
                x->paused = true;
                return CURL_WRITEFUNC_PAUSE;
        }
        if (x->sink_error < 0)
                return 0;
        x->received += len;
        return len;
}

static int on_progress(void *userdata, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        Exchange *x = userdata;

        return registry_client_cancelled(x->client) ? 1 : 0;
}

/* The registry's own error code from {"errors":[{"code":"…"}]}, reduced to
 * the characters such codes use so that it is safe to print. */
static char *registry_error_code(const char *body, size_t len)
{
        json_t *root, *code;
        char *out = NULL;

        if (!body)
                return NULL;
        root = json_loadb(body, len, 0, NULL);
        code = json_object_get(json_array_get(json_object_get(root, "errors"), 0), "code");
        if (json_is_string(code)) {
                const char *s = json_string_value(code);
                size_t n = 0;
                while (n < 64 && (isupper((unsigned char)s[n]) || s[n] == '_'))
                        n++;
                if (n > 0 && s[n] == 0)
                        out = strndup(s, n);
        }
        json_decref(root);
        return out;
}

static int status_to_errno(long status)
{
        switch (status) {
        case 401:
        case 403:
                return -EACCES;
        case 404:
                return -ENOENT;
        case 429:
                return -EAGAIN;
        default:
                return status >= 500 ? -EIO : -EPROTO;
        }
}

static int curl_to_errno(CURLcode cc)
{
        switch (cc) {
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_TOO_MANY_REDIRECTS:
                return -ELOOP;
        case CURLE_ABORTED_BY_CALLBACK:
                return -ECANCELED;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_UNSUPPORTED_PROTOCOL:
                return -EPROTONOSUPPORT;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
                return -EKEYREJECTED;
        default:
                return -EIO;
        }
}

static bool curl_is_transient(CURLcode cc)
{
        switch (cc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

static bool status_is_transient(long status)
{
        return status == 408 || status == 429 || (status >= 500 && status != 501);
}

unsigned backoff_ms(RegistryClient *c, unsigned attempt)
{
        return c->options.backoff_ms << (attempt < 6 ? attempt : 6);
}

/* Sleeps, waking early when the pull is cancelled. */
static int backoff(RegistryClient *c, unsigned ms)
{
        for (unsigned slept = 0; slept < ms; slept += 50) {
                if (registry_client_cancelled(c))
                        return -ECANCELED;
                nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
        }
        return registry_client_cancelled(c) ? -ECANCELED : 0;
}

typedef struct Buffer {
        char *data;
        size_t len;
} Buffer;

static int buffer_write(const void *data, size_t len, void *userdata)
{
        Buffer *b = userdata;
        char *n = realloc(b->data, b->len + len + 1);

        if (!n)
                return -ENOMEM;
        memcpy(n + b->len, data, len);
        b->len += len;
        n[b->len] = 0;
        b->data = n;
        return 0;
}

static int buffer_reset(void *userdata)
{
        Buffer *b = userdata;

        free(b->data);
        *b = (Buffer){};
        return 0;
}

static int error_message(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int error_message(char **ret_error, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(ret_error, fmt, ap);
        va_end(ap);
        if (n < 0)
                *ret_error = NULL;
        return 0;
}

/* Parses realm's host[:port] for looking up its CAs. */
static int url_host(const char *url, char **ret_scheme, char **ret_hostport)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL, *port = NULL;
        int r = -EINVAL;

        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
                (void)curl_url_get(u, CURLUPART_PORT, &port, 0);
                r = 0;
                *ret_scheme = strdup(scheme);
                if (port ? asprintf(ret_hostport, "%s:%s", host, port) < 0
                         : !(*ret_hostport = strdup(host)))
                        r = -ENOMEM;
                if (!*ret_scheme)
                        r = -ENOMEM;
        }
        curl_free(scheme);
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
        return r;
}

struct TokenRequest {
        Exchange x; /* x.url is the token endpoint's */
        BodySink sink;
        Buffer body;
        char *hostport;
        char *ca; /* the easy handle points into it */
        size_t ca_len;
        unsigned generation; /* the auth state the token replaces */
};

void token_request_free(TokenRequest *t)
{
        if (!t)
                return;
        exchange_done(&t->x);
        free(t->body.data);
        free(t->hostport);
        free(t->ca);
        free(t);
}

CURL *token_request_easy(TokenRequest *t)
{
        return t->x.easy;
}

static int token_request_new(RegistryClient *c, const AuthChallenge *ch, unsigned generation,
                             TokenRequest **ret, char **ret_error)
{
        _cleanup_free_ char *scheme = NULL, *scope = NULL;
        char *esc_service = NULL, *esc_scope = NULL;
        TokenRequest *t;
        CURL *e;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->generation = generation;
        t->sink = (BodySink){.write = buffer_write, .userdata = &t->body, .max = TOKEN_BODY_MAX};
        t->x = (Exchange){.client = c, .sink = &t->sink};
        r = url_host(ch->realm, &scheme, &t->hostport);
        if (r < 0 || (!streq(scheme, "https") && !(streq(scheme, "http") && c->insecure))) {
                error_message(ret_error, "token: refusing realm %s", ch->realm);
                r = -EPROTO;
                goto fail;
        }
        r = registry_config_ca_bundle(c->config, t->hostport, &t->ca, &t->ca_len);
        if (r < 0) {
                error_message(ret_error, "token: CAs for %s", t->hostport);
                goto fail;
        }
        r = -ENOMEM;
        if (asprintf(&scope, "repository:%s:pull", c->repository) < 0) {
                scope = NULL;
                goto fail;
        }
        e = t->x.easy = curl_easy_init();
        if (!e)
                goto fail;
        esc_scope = curl_easy_escape(e, scope, 0);
        esc_service = ch->service ? curl_easy_escape(e, ch->service, 0) : NULL;
        if (!esc_scope ||
            asprintf(&t->x.url, "%s%cscope=%s%s%s", ch->realm, strchr(ch->realm, '?') ? '&' : '?',
                     esc_scope, esc_service ? "&service=" : "", strempty(esc_service)) < 0)
                t->x.url = NULL;
        curl_free(esc_scope);
        curl_free(esc_service);
        if (!t->x.url)
                goto fail;
        set_common(c, e, t->ca, t->ca_len, t->x.errbuf);
        curl_easy_setopt(e, CURLOPT_URL, t->x.url);
        /* a slow drip above the low-speed limit must not hold a small reply forever */
        curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)c->options.request_timeout_sec);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->x);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t->x);
        if (c->user) {
                curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                curl_easy_setopt(e, CURLOPT_USERNAME, c->user);
                curl_easy_setopt(e, CURLOPT_PASSWORD, c->password);
        }
        *ret = t;
        return 0;
fail:
        token_request_free(t);
        return r;
}

/* The token from the reply of a token request that ended with cc. */
static int token_reply(TokenRequest *t, CURLcode cc, char **ret_token, char **ret_error)
{
        RegistryClient *c = t->x.client;
        const char *hostport = t->hostport;
        json_t *root, *tok;
        long status = 0;
        int r = 0;

        curl_easy_getinfo(t->x.easy, CURLINFO_RESPONSE_CODE, &status);
        if (cc != CURLE_OK)
                r = error_message(ret_error, "token from %s: %s", hostport,
                                  t->x.sink_error == -E2BIG ? "reply too large"
                                  : t->x.errbuf[0]          ? t->x.errbuf
                                                            : curl_easy_strerror(cc)),
                r = t->x.sink_error < 0 ? t->x.sink_error : curl_to_errno(cc);
        else if (status != 200)
                r = error_message(ret_error, "token from %s: HTTP %ld%s", hostport, status,
                                  status == 401 ? (c->user ? " (credentials rejected)"
                                                           : " (credentials required)")
                                                : ""),
                r = status_to_errno(status);
        else {
                root = json_loadb(strempty(t->body.data), t->body.len, 0, NULL);
                tok = json_object_get(root, "token");
                if (!json_is_string(tok))
                        tok = json_object_get(root, "access_token");
                if (!json_is_string(tok) || isempty(json_string_value(tok)) ||
                    strchr(json_string_value(tok), '\n') || strchr(json_string_value(tok), '\r'))
                        r = error_message(ret_error, "token from %s: malformed reply", hostport),
                        r = -EBADMSG;
                else if (!(*ret_token = strdup(json_string_value(tok))))
                        r = -ENOMEM;
                json_decref(root);
        }
        return r;
}

static void set_credentials(RegistryClient *c, AuthScheme scheme, char *token)
{
        c->scheme = scheme;
        if (c->token) {
                explicit_bzero(c->token, strlen(c->token));
                free(c->token);
        }
        c->token = token;
        c->auth_generation++;
}

/* Handles a 401, under c->lock: learns the scheme, and when the registry
 * wants a bearer token, makes the request for it (1, *ret). seen_generation
 * is the auth state the failed request used; when it has moved on (another
 * request refreshed it), there is nothing to do (0). */
static int auth_begin_locked(RegistryClient *c, const char *www_authenticate,
                             unsigned seen_generation, TokenRequest **ret, char **ret_error)
{
        AuthChallenge ch = {};
        int r;

        if (c->auth_generation != seen_generation)
                return 0;
        r = www_authenticate_parse(www_authenticate, &ch);
        if (r < 0)
                error_message(ret_error, "HTTP 401 with an unusable WWW-Authenticate challenge");
        else if (ch.scheme == AUTH_SCHEME_BASIC && !c->user)
                error_message(ret_error,
                              "HTTP 401 (authentication required, no credentials "
                              "for %s)",
                              c->host),
                    r = -EACCES;
        else if (ch.scheme == AUTH_SCHEME_BASIC && c->scheme == AUTH_SCHEME_BASIC)
                error_message(ret_error, "HTTP 401 (credentials rejected)"), r = -EACCES;
        else if (ch.scheme == AUTH_SCHEME_BEARER) {
                r = token_request_new(c, &ch, seen_generation, ret, ret_error);
                if (r >= 0)
                        r = 1;
        } else
                set_credentials(c, ch.scheme, NULL);
        auth_challenge_done(&ch);
        return r;
}

/* Under c->lock. A token that comes back after another request has
 * refreshed the credentials already is not needed any more. */
static int token_request_end_locked(TokenRequest *t, CURLcode cc, char **ret_error)
{
        RegistryClient *c = t->x.client;
        char *token = NULL;
        int r;

        if (c->auth_generation != t->generation)
                return 0;
        r = token_reply(t, cc, &token, ret_error);
        if (r < 0)
                return r;
        set_credentials(c, AUTH_SCHEME_BEARER, token);
        return 0;
}

int token_request_end(TokenRequest *t, CURLcode cc, char **ret_error)
{
        RegistryClient *c = t->x.client;
        int r;

        pthread_mutex_lock(&c->lock);
        r = token_request_end_locked(t, cc, ret_error);
        pthread_mutex_unlock(&c->lock);
        return r;
}

/* Blocking: the lock is held over the token request, so that threads that
 * get a 401 at once make one request between them. */
static int exchange_authenticate(Exchange *x, char **ret_error)
{
        RegistryClient *c = x->client;
        TokenRequest *t = NULL;
        int r;

        pthread_mutex_lock(&c->lock);
        r = auth_begin_locked(c, x->www_authenticate, x->generation, &t, ret_error);
        if (r > 0)
                r = token_request_end_locked(t, curl_easy_perform(t->x.easy), ret_error);
        pthread_mutex_unlock(&c->lock);
        token_request_free(t);
        if (r >= 0)
                exchange_reset(x);
        return r;
}

int exchange_auth_begin(Exchange *x, TokenRequest **ret, char **ret_error)
{
        RegistryClient *c = x->client;
        int r;

        *ret = NULL;
        pthread_mutex_lock(&c->lock);
        r = auth_begin_locked(c, x->www_authenticate, x->generation, ret, ret_error);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0)
                exchange_reset(x);
        return r;
}

static int auth_header(RegistryClient *c, char **ret, unsigned *ret_generation)
{
        int r = 0;

        *ret = NULL;
        pthread_mutex_lock(&c->lock);
        *ret_generation = c->auth_generation;
        if (c->scheme == AUTH_SCHEME_BEARER && c->token)
                r = asprintf(ret, "Authorization: Bearer %s", c->token) < 0 ? -ENOMEM : 0;
        else if (c->scheme == AUTH_SCHEME_BASIC)
                r = basic_header(c->user, c->password, ret);
        pthread_mutex_unlock(&c->lock);
        return r;
}

static int describe_failure(Exchange *x, long status, char **ret_error)
{
        _cleanup_free_ char *code = registry_error_code(x->error_body, x->error_len);

        if (code)
                return error_message(ret_error, "HTTP %ld (%s)", status, code);
        return error_message(ret_error, "HTTP %ld", status);
}

void exchange_done(Exchange *x)
{
        exchange_reset(x);
        exchange_end(x);
        free(x->url);
        free(x->accept_header);
        x->url = x->accept_header = NULL;
}

int exchange_init(Exchange *x, RegistryClient *c, const char *what, const char *ref,
                  const char *accept, BodySink *sink)
{
        *x = (Exchange){.client = c, .sink = sink};
        if (asprintf(&x->url, "%s://%s/v2/%s/%s/%s", c->insecure ? "http" : "https", c->endpoint,
                     c->repository, what, ref) < 0) {
                x->url = NULL;
                return -ENOMEM;
        }
        if (accept && asprintf(&x->accept_header, "Accept: %s", accept) < 0) {
                x->accept_header = NULL;
                return -ENOMEM;
        }
        return 0;
}

void exchange_end(Exchange *x)
{
        if (x->easy)
                curl_easy_cleanup(x->easy);
        x->easy = NULL;
        curl_slist_free_all(x->headers);
        x->headers = NULL;
        if (x->authorization) {
                explicit_bzero(x->authorization, strlen(x->authorization));
                free(x->authorization);
                x->authorization = NULL;
        }
}

int exchange_start(Exchange *x)
{
        RegistryClient *c = x->client;
        int r;

        exchange_end(x);
        r = auth_header(c, &x->authorization, &x->generation);
        if (r < 0)
                return r;
        x->easy = curl_easy_init();
        if (!x->easy)
                return -ENOMEM;
        x->body_started = x->paused = false;
        x->errbuf[0] = 0;
        set_common(c, x->easy, c->ca_pem, c->ca_len, x->errbuf);
        curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
        if (x->sink->time_limited)
                curl_easy_setopt(x->easy, CURLOPT_TIMEOUT, (long)c->options.request_timeout_sec);
        else /* big bodies: fewer, larger writes into the sink */
                curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, (long)EXCHANGE_BUFFER_SIZE);
        if (x->accept_header && !(x->headers = curl_slist_append(x->headers, x->accept_header)))
                return -ENOMEM;
        /* curl drops a custom Authorization header when a redirect leaves the
         * host, so blob storage never sees the token */
        if (x->authorization) {
                struct curl_slist *l = curl_slist_append(x->headers, x->authorization);
                if (!l)
                        return -ENOMEM;
                x->headers = l;
        }
        curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
        curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
        curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
        curl_easy_setopt(x->easy, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(x->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(x->easy, CURLOPT_XFERINFODATA, x);
        curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
        return 0;
}

int exchange_judge(Exchange *x, CURLcode cc, unsigned *ret_delay_ms, char **ret_error)
{
        RegistryClient *c = x->client;
        long status = 0;
        bool transient;
        int r;

        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        exchange_end(x);
        *ret_delay_ms = 0;
        if (cc == CURLE_OK && status >= 200 && status <= 299)
                return 0;
        if (x->sink_error < 0) {
                if (x->sink_error == -E2BIG)
                        error_message(ret_error, "reply larger than %" PRIu64 " bytes",
                                      x->sink->max);
                return x->sink_error;
        }
        if (cc == CURLE_OK && status == 401 && x->auth_tries++ < 2)
                return EXCHANGE_NEED_AUTH;
        transient = cc != CURLE_OK ? curl_is_transient(cc) : status_is_transient(status);
        if (!transient || ++x->attempt >= c->options.attempts) {
                if (cc != CURLE_OK) {
                        r = curl_to_errno(cc);
                        error_message(ret_error, "%s",
                                      r == -ECANCELED ? "cancelled"
                                      : x->errbuf[0]  ? x->errbuf
                                                      : curl_easy_strerror(cc));
                        return r;
                }
                describe_failure(x, status, ret_error);
                return status_to_errno(status);
        }
        log_debug("%s: %s, retrying", x->url,
                  cc != CURLE_OK ? curl_easy_strerror(cc) : "server error");
        exchange_reset(x);
        *ret_delay_ms = backoff_ms(c, x->attempt - 1);
        return EXCHANGE_RETRY;
}

int exchange_rewind(Exchange *x, char **ret_error)
{
        int r;

        if (x->sink->reset) {
                r = x->sink->reset(x->sink->userdata);
                return r > 0 ? EXCHANGE_UNWANTED : r;
        }
        if (x->body_started) {
                error_message(ret_error, "transfer interrupted");
                return -EIO;
        }
        return 0;
}

int registry_client_get(RegistryClient *c, const char *what, const char *ref, const char *accept,
                        BodySink *sink, Response *ret, char **ret_error)
{
        _cleanup_(exchange_done) Exchange x = {};
        int r;

        *ret_error = NULL;
        r = exchange_init(&x, c, what, ref, accept, sink);
        while (r >= 0) {
                unsigned delay;

                if (registry_client_cancelled(c)) {
                        r = -ECANCELED;
                        break;
                }
                r = exchange_start(&x);
                if (r < 0)
                        break;
                r = exchange_judge(&x, curl_easy_perform(x.easy), &delay, ret_error);
                if (r == 0) {
                        *ret = x.response;
                        x.response = (Response){};
                        return 0;
                }
                if (r == EXCHANGE_NEED_AUTH)
                        r = exchange_authenticate(&x, ret_error);
                else if (r == EXCHANGE_RETRY) {
                        r = backoff(c, delay);
                        if (r >= 0)
                                r = exchange_rewind(&x, ret_error);
                        if (r == EXCHANGE_UNWANTED) {
                                *ret = (Response){};
                                return 1;
                        }
                }
        }
        if (r == -ECANCELED && !*ret_error)
                error_message(ret_error, "cancelled");
        return r;
}

int registry_client_get_buffer(RegistryClient *c, const char *what, const char *ref,
                               const char *accept, size_t max, char **ret_data, size_t *ret_len,
                               Response *ret, char **ret_error)
{
        Buffer b = {};
        BodySink sink = {.write = buffer_write,
                         .reset = buffer_reset,
                         .userdata = &b,
                         .max = max,
                         .time_limited = true};
        int r;

        r = registry_client_get(c, what, ref, accept, &sink, ret, ret_error);
        if (r < 0) {
                free(b.data);
                return r;
        }
        if (!b.data && !(b.data = strdup("")))
                return -ENOMEM;
        *ret_data = b.data;
        *ret_len = b.len;
        return 0;
}
