/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "registry-config.h"
#include "strv.h"

#define CONFIG_FILE_MAX (1U << 20)
#define AUTH_FILE_MAX   (4U << 20)
#define CA_FILE_MAX     (4U << 20)

static void host_config_done(RegistryHostConfig *h)
{
        free(h->host);
        free(h->ca_file);
        strv_free(h->mirrors);
}

void registry_config_free(RegistryConfig *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_hosts; i++)
                host_config_done(&c->hosts[i]);
        free(c->hosts);
        free(c->auth_file);
        free(c->certs_dir);
        free(c);
}

/* A host is used as a path component under certs.d and matched literally, so
 * only the characters of a hostname, an IPv6 literal and a port are allowed. */
static bool host_is_valid(const char *h)
{
        if (isempty(h) || strlen(h) > 255 || h[0] == '.')
                return false;
        for (const char *p = h; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p))
                        return false;
        return !strstr(h, "..");
}

static RegistryHostConfig *host_get(RegistryConfig *c, const char *host)
{
        RegistryHostConfig *n;

        for (size_t i = 0; i < c->n_hosts; i++)
                if (streq(c->hosts[i].host, host))
                        return &c->hosts[i];
        n = reallocarray(c->hosts, c->n_hosts + 1, sizeof(*n));
        if (!n)
                return NULL;
        c->hosts = n;
        n = &c->hosts[c->n_hosts];
        *n = (RegistryHostConfig){.host = strdup(host)};
        if (!n->host)
                return NULL;
        c->n_hosts++;
        return n;
}

const RegistryHostConfig *registry_config_host(const RegistryConfig *c, const char *host)
{
        for (size_t i = 0; c && i < c->n_hosts; i++)
                if (streq(c->hosts[i].host, host))
                        return &c->hosts[i];
        return NULL;
}

int registry_config_add_insecure(RegistryConfig *c, const char *host)
{
        RegistryHostConfig *h;

        if (!host_is_valid(host))
                return -EINVAL;
        h = host_get(c, host);
        if (!h)
                return -ENOMEM;
        h->insecure = true;
        return 0;
}

static char *strip(char *s)
{
        char *e;

        while (isspace((unsigned char)*s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = 0;
        return s;
}

/* One section's keys are collected first, because Host= may come after the
 * other keys. */
typedef struct Section {
        char *host;
        int insecure; /* -1: not set */
        char *ca_file;
        char **mirrors;
        unsigned line;
} Section;

static void section_done(Section *s)
{
        free(s->host);
        free(s->ca_file);
        strv_free(s->mirrors);
        *s = (Section){.insecure = -1};
}

static int section_flush(RegistryConfig *c, Section *s, const char *filename)
{
        RegistryHostConfig *h;

        if (!s->line)
                return 0;
        if (!s->host)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "%s:%u: [Registry] without Host=", filename, s->line);
        h = host_get(c, s->host);
        if (!h)
                return -ENOMEM;
        if (s->insecure >= 0)
                h->insecure = s->insecure;
        if (s->ca_file) {
                free(h->ca_file);
                h->ca_file = TAKE_PTR(s->ca_file);
        }
        if (s->mirrors && strv_extend_strv(&h->mirrors, s->mirrors) < 0)
                return -ENOMEM;
        section_done(s);
        return 0;
}

static int section_set(Section *s, const char *key, const char *value, const char *filename,
                       unsigned line)
{
        if (streq(key, "Host") || streq(key, "Mirror")) {
                if (!host_is_valid(value))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s:%u: invalid %s=%s",
                                               filename, line, key, value);
                if (streq(key, "Mirror"))
                        return strv_extend(&s->mirrors, value);
                free(s->host);
                s->host = strdup(value);
                return s->host ? 0 : -ENOMEM;
        }
        if (streq(key, "Insecure")) {
                int b = parse_boolean(value);
                if (b < 0)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%s:%u: invalid Insecure=%s", filename, line, value);
                s->insecure = b;
                return 0;
        }
        if (streq(key, "CAFile")) {
                if (value[0] != '/')
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%s:%u: CAFile= must be absolute", filename, line);
                free(s->ca_file);
                s->ca_file = strdup(value);
                return s->ca_file ? 0 : -ENOMEM;
        }
        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s:%u: unknown key %s", filename, line,
                               key);
}

int registry_config_parse(RegistryConfig *c, const char *text, const char *filename)
{
        _cleanup_free_ char *copy = strdup(text);
        _cleanup_(section_done) Section s = {.insecure = -1};
        bool in_registry = false;
        unsigned line = 0;
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *l = copy; l; l = save) {
                char *eq, *p;

                save = strchr(l, '\n');
                if (save)
                        *save++ = 0;
                line++;
                p = strip(l);
                if (*p == 0 || *p == '#' || *p == ';')
                        continue;
                if (*p == '[') {
                        r = section_flush(c, &s, filename);
                        if (r < 0)
                                return r;
                        in_registry = streq(p, "[Registry]");
                        if (!in_registry)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "%s:%u: unknown section %s", filename, line,
                                                       p);
                        s.line = line;
                        continue;
                }
                eq = strchr(p, '=');
                if (!eq || !in_registry)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%s:%u: expected Key=Value in [Registry]", filename,
                                               line);
                *eq = 0;
                r = section_set(&s, strip(p), strip(eq + 1), filename, line);
                if (r < 0)
                        return r;
        }
        return section_flush(c, &s, filename);
}

static int alphasort_conf(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int filter_conf(const struct dirent *d)
{
        size_t n = strlen(d->d_name);

        return d->d_name[0] != '.' && n > 5 && streq(d->d_name + n - 5, ".conf");
}

static int load_dir(RegistryConfig *c, const char *dir)
{
        struct dirent **list = NULL;
        int n, r = 0;

        n = scandir(dir, &list, filter_conf, alphasort_conf);
        if (n < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "read %s", dir);
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL, *text = NULL;

                if (r >= 0) {
                        if (asprintf(&path, "%s/%s", dir, list[i]->d_name) < 0)
                                r = -ENOMEM;
                        else if ((r = read_full_file(path, CONFIG_FILE_MAX, &text, NULL)) < 0)
                                log_error_errno(r, "read %s", path);
                        else
                                r = registry_config_parse(c, text, path);
                }
                free(list[i]);
        }
        free(list);
        return r;
}

int registry_config_load(const RegistryPaths *paths, RegistryConfig **ret)
{
        _cleanup_(registry_config_freep) RegistryConfig *c = calloc(1, sizeof(*c));
        const char *dir =
            paths && paths->config_dir ? paths->config_dir : BERTH_CONFDIR "/registries.d";
        int r;

        if (!c)
                return -ENOMEM;
        c->auth_file =
            strdup(paths && paths->auth_file ? paths->auth_file : BERTH_CONFDIR "/auth.json");
        c->certs_dir =
            strdup(paths && paths->certs_dir ? paths->certs_dir : BERTH_CONFDIR "/certs.d");
        if (!c->auth_file || !c->certs_dir)
                return -ENOMEM;
        r = load_dir(c, dir);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int registry_config_endpoints(const RegistryConfig *c, const char *domain, char ***ret)
{
        const RegistryHostConfig *h = registry_config_host(c, domain);
        char **l = NULL;

        if ((h && strv_extend_strv(&l, h->mirrors) < 0) ||
            strv_extend(&l, streq(domain, "docker.io") ? "registry-1.docker.io" : domain) < 0) {
                strv_free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

/* docker login writes Docker Hub credentials under several historic keys. */
static bool auth_key_matches(const char *key, const char *host)
{
        static const char *const hub[] = {"docker.io", "registry-1.docker.io", "index.docker.io",
                                          "https://index.docker.io/v1/",
                                          "https://registry-1.docker.io"};
        bool host_is_hub = false, key_is_hub = false;

        if (streq(key, host))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(hub); i++) {
                host_is_hub = host_is_hub || streq(host, hub[i]);
                key_is_hub = key_is_hub || streq(key, hub[i]);
        }
        if (host_is_hub && key_is_hub)
                return true;
        /* "https://host:port" and "host:port/" forms */
        if (strneq(key, "https://", 8))
                key += 8;
        else if (strneq(key, "http://", 7))
                key += 7;
        size_t n = strlen(host);
        return strneq(key, host, n) && (key[n] == 0 || key[n] == '/');
}

static int decode_auth(const char *b64, char **ret_user, char **ret_password)
{
        size_t len = strlen(b64);
        _cleanup_free_ char *out = NULL;
        char *colon;
        int n;

        if (len == 0 || len % 4 != 0 || len > 64 * 1024)
                return -EBADMSG;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)b64, (int)len);
        if (n < 0)
                return -EBADMSG;
        /* EVP_DecodeBlock counts the padding as zero bytes */
        for (const char *p = b64 + len; p > b64 && p[-1] == '='; p--)
                n--;
        out[n] = 0;
        if (memchr(out, 0, n))
                return -EBADMSG;
        colon = strchr(out, ':');
        if (!colon || colon == out)
                return -EBADMSG;
        *colon = 0;
        *ret_user = strdup(out);
        *ret_password = strdup(colon + 1);
        explicit_bzero(out, n);
        if (!*ret_user || !*ret_password) {
                free(*ret_user);
                free(*ret_password);
                return -ENOMEM;
        }
        return 0;
}

/* -EBADMSG, and the reason when the caller wants it */
static int malformed(char **ret_why, const char *fmt, ...) _printf_(2, 3);
static int malformed(char **ret_why, const char *fmt, ...)
{
        va_list ap;

        if (ret_why) {
                va_start(ap, fmt);
                if (vasprintf(ret_why, fmt, ap) < 0)
                        *ret_why = NULL;
                va_end(ap);
        }
        return -EBADMSG;
}

int auth_json_lookup(const char *json, size_t len, const char *host, char **ret_user,
                     char **ret_password, char **ret_why)
{
        json_t *auths, *entry;
        json_error_t err;
        const char *key;
        json_t *root;
        int r = 0;

        *ret_user = *ret_password = NULL;
        if (ret_why)
                *ret_why = NULL;
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
        if (!root)
                return malformed(ret_why, "line %d, column %d: %s", err.line, err.column, err.text);
        if (!json_is_object(root)) {
                json_decref(root);
                return malformed(ret_why, "not a JSON object");
        }
        auths = json_object_get(root, "auths");
        if (auths && !json_is_object(auths))
                r = malformed(ret_why, "\"auths\" is not an object");
        json_object_foreach(auths, key, entry)
        {
                json_t *a;

                if (r < 0 || !auth_key_matches(key, host))
                        continue;
                a = json_object_get(entry, "auth");
                if (!json_is_string(a)) {
                        r = malformed(ret_why, "auths.\"%s\".auth is not a string", key);
                        break;
                }
                r = decode_auth(json_string_value(a), ret_user, ret_password);
                if (r == -EBADMSG)
                        r = malformed(ret_why, "auths.\"%s\".auth is not base64 of USER:PASSWORD",
                                      key);
                break;
        }
        json_decref(root);
        return r;
}

int registry_config_credentials(const RegistryConfig *c, const char *host, char **ret_user,
                                char **ret_password)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        *ret_user = *ret_password = NULL;
        r = read_full_file(c->auth_file, AUTH_FILE_MAX, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "read %s", c->auth_file);
        _cleanup_free_ char *why = NULL;

        r = auth_json_lookup(text, len, host, ret_user, ret_password, &why);
        explicit_bzero(text, len);
        if (r == -EBADMSG)
                return log_error_errno(r, "%s: %s", c->auth_file, strna(why));
        return r;
}

static int append_file(char **buf, size_t *len, const char *path)
{
        _cleanup_free_ char *text = NULL;
        size_t n;
        char *b;
        int r;

        r = read_full_file(path, CA_FILE_MAX, &text, &n);
        if (r < 0)
                return log_error_errno(r, "read CA file %s", path);
        b = realloc(*buf, *len + n + 2);
        if (!b)
                return -ENOMEM;
        memcpy(b + *len, text, n);
        *len += n;
        b[(*len)++] = '\n';
        b[*len] = 0;
        *buf = b;
        return 0;
}

static int filter_crt(const struct dirent *d)
{
        size_t n = strlen(d->d_name);

        return d->d_name[0] != '.' && n > 4 && streq(d->d_name + n - 4, ".crt");
}

int registry_config_ca_bundle(const RegistryConfig *c, const char *host, char **ret,
                              size_t *ret_len)
{
        const RegistryHostConfig *h = registry_config_host(c, host);
        _cleanup_free_ char *buf = NULL, *dir = NULL;
        struct dirent **list = NULL;
        size_t len = 0;
        int n, r = 0;

        if (!host_is_valid(host))
                return -EINVAL;
        if (h && h->ca_file) {
                r = append_file(&buf, &len, h->ca_file);
                if (r < 0)
                        return r;
        }
        if (asprintf(&dir, "%s/%s", c->certs_dir, host) < 0)
                return -ENOMEM;
        n = scandir(dir, &list, filter_crt, alphasort_conf);
        if (n < 0 && errno != ENOENT)
                return log_error_errno(errno, "read %s", dir);
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (r >= 0) {
                        if (asprintf(&path, "%s/%s", dir, list[i]->d_name) < 0)
                                r = -ENOMEM;
                        else
                                r = append_file(&buf, &len, path);
                }
                free(list[i]);
        }
        free(list);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}
