/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"
#include "log.h"
#include "split.h"
#include "strv.h"

static bool container_path_valid(const char *p)
{
        return (p[0] == '/' || p[0] == '%') && !strchr(p, ',') && !strchr(p, ':');
}

static int require_mount(ContainerBuild *c, const char *host)
{
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        if (host[0] == '%')
                return 0;
        escape_path_word(&b, host);
        if (strbuf_failed(&b) || unit_file_add(c->service, "Unit", "RequiresMountsFor", b.s) < 0)
                return log_oom();
        return 0;
}

/* A source naming a .volume declaration: its volume, and its unit first. */
static int quadlet_volume(ContainerBuild *c, const UnitEntry *e, const char *src, char **ret)
{
        const Decl *v = generator_find_decl(c->g, src);
        if (!v || !v->unit)
                return decl_fail(c->g, c->d, e, "requested Quadlet volume %s was not found", src);
        *ret = volume_name_of(v);
        if (!*ret)
                return log_oom();
        return cb_require(c, e, src);
}

/* Classifies a host-side source: a .volume, a named volume, or a path. */
static int volume_source(ContainerBuild *c, const UnitEntry *e, const char *src, char **ret,
                         bool *is_bind)
{
        *is_bind = false;
        if (decl_kind_from_filename(src) == DECL_VOLUME)
                return quadlet_volume(c, e, src, ret);
        if (src[0] == '/' || src[0] == '.' || src[0] == '%') {
                *is_bind = true;
                if (decl_resolve_path(c->d, src, ret) < 0)
                        return log_oom();
                return require_mount(c, *ret);
        }
        if (!volume_name_valid(src))
                return decl_fail(c->g, c->d, e, "'%s' is not a volume name or path", src);
        *ret = strdup(src);
        return *ret ? 0 : log_oom();
}

/* Options of Volume=SRC:DST:OPTS berth passes on, drops, or refuses. */
static int volume_options(ContainerBuild *c, const UnitEntry *e, const char *opts, StrBuf *out)
{
        static const char *const pass[] = {"ro",       "rw",      "nosuid", "nodev",  "noexec",
                                           "suid",     "dev",     "exec",   "bind",   "rbind",
                                           "shared",   "rshared", "slave",  "rslave", "private",
                                           "rprivate", "copy",    "nocopy"};
        _cleanup_free_ char *dup = strdup(opts);
        char *save = NULL;

        if (!dup)
                return log_oom();
        for (char *o = strtok_r(dup, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool ok = false;
                /* SELinux relabelling: nothing to do without SELinux. */
                if (streq(o, "z") || streq(o, "Z"))
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(pass); i++)
                        ok = ok || streq(o, pass[i]);
                if (!ok)
                        return decl_fail(c->g, c->d, e, "volume option '%s' is not supported", o);
                strbuf_putc(out, out->len ? ',' : ':');
                strbuf_append(out, o);
        }
        return 0;
}

static int volumes(ContainerBuild *c)
{
        const UnitEntry **l = NULL;
        size_t n = 0;
        int r;

        r = unit_file_lookup_all(c->d->unit, "Container", "Volume", &l, &n);
        if (r < 0)
                return log_oom();
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_strv_free_ char **parts = NULL;
                _cleanup_free_ char *src = NULL, *spec = NULL;
                _cleanup_strbuf_ StrBuf opts = STRBUF_INIT;
                const char *v = l[i]->value;
                char *colon1 = strchr(v, ':'), *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
                bool bind;

                if (!colon1) {
                        /* An anonymous volume, removed with the container. */
                        if (!container_path_valid(v)) {
                                r = decl_fail(c->g, c->d, l[i], "'%s' is not an absolute path", v);
                                break;
                        }
                        r = cb_arg2(c, "--volume", v);
                        continue;
                }
                {
                        _cleanup_free_ char *s = strndup(v, colon1 - v);
                        _cleanup_free_ char *dst =
                            colon2 ? strndup(colon1 + 1, colon2 - colon1 - 1) : strdup(colon1 + 1);
                        if (!s || !dst) {
                                r = log_oom();
                                break;
                        }
                        if (!container_path_valid(dst)) {
                                r = decl_fail(c->g, c->d, l[i], "'%s' is not an absolute path",
                                              dst);
                                break;
                        }
                        r = volume_source(c, l[i], s, &src, &bind);
                        if (r < 0)
                                break;
                        if (colon2 && (r = volume_options(c, l[i], colon2 + 1, &opts)) < 0)
                                break;
                        if (asprintf(&spec, "%s:%s%s", src, dst, opts.s ? opts.s : "") < 0) {
                                r = log_oom();
                                break;
                        }
                }
                r = cb_arg2(c, "--volume", spec);
        }
        free(l);
        return r;
}

/* Splits "a=b,c,\"d=e,f\"" as CSV, the way Mount= values are written. */
static int csv_split(const char *s, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_strbuf_ StrBuf f = STRBUF_INIT;
        bool q = false;

        for (const char *p = s;; p++) {
                if (*p == '"') {
                        q = !q;
                        continue;
                }
                if (*p == 0 || (*p == ',' && !q)) {
                        if (strv_consume(&l, strbuf_steal(&f)) < 0)
                                return -ENOMEM;
                        if (*p == 0)
                                break;
                        continue;
                }
                strbuf_putc(&f, *p);
        }
        if (q)
                return -EINVAL;
        *ret = TAKE_PTR(l);
        return 0;
}

static void csv_field(StrBuf *b, const char *k, const char *v)
{
        bool quote = v && strchr(v, ',');

        if (b->len)
                strbuf_putc(b, ',');
        if (quote)
                strbuf_putc(b, '"');
        strbuf_append(b, k);
        if (v) {
                strbuf_putc(b, '=');
                strbuf_append(b, v);
        }
        if (quote)
                strbuf_putc(b, '"');
}

static int mount_one(ContainerBuild *c, const UnitEntry *e, const char *spec)
{
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_strbuf_ StrBuf out = STRBUF_INIT, rest = STRBUF_INIT;
        _cleanup_free_ char *src_resolved = NULL;
        const char *type = "volume", *src = NULL, *dst = NULL;
        bool bind = false;
        int r;

        if (csv_split(spec, &fields) < 0)
                return decl_fail(c->g, c->d, e, "unbalanced quotes in '%s'", spec);
        STRV_FOREACH (f, fields) {
                char *eq = strchr(*f, '=');
                const char *k = *f, *v = eq ? eq + 1 : NULL;
                if (eq)
                        *eq = 0;
                if (streq(k, "type") && v)
                        type = v;
                else if ((streq(k, "source") || streq(k, "src")) && v)
                        src = v;
                else if ((streq(k, "destination") || streq(k, "dst") || streq(k, "target")) && v)
                        dst = v;
                else if (streq(k, "relabel") || streq(k, "Z") || streq(k, "z"))
                        continue; /* SELinux: nothing to do */
                else if (streq(k, "U") || streq(k, "idmap") || streq(k, "chown"))
                        return decl_fail(c->g, c->d, e, "mount option '%s' is not supported", k);
                else
                        csv_field(&rest, k, v);
        }
        if (streq(type, "image") || streq(type, "artifact")) {
                if (!src)
                        return decl_fail(c->g, c->d, e,
                                         "source parameter is required for mount type %s", type);
                return decl_fail(c->g, c->d, e, "not supported by berth: mount type %s", type);
        }
        if (!streq(type, "bind") && !streq(type, "volume") && !streq(type, "tmpfs"))
                return decl_fail(c->g, c->d, e, "not supported by berth: mount type %s", type);
        if (!dst || !container_path_valid(dst))
                return decl_fail(c->g, c->d, e, "a mount needs an absolute destination");
        if (streq(type, "tmpfs") && src)
                return decl_fail(c->g, c->d, e, "a tmpfs mount has no source");
        if (streq(type, "bind") && !src)
                return decl_fail(c->g, c->d, e, "a bind mount needs a source");
        if (src) {
                r = volume_source(c, e, src, &src_resolved, &bind);
                if (r < 0)
                        return r;
                if (streq(type, "bind") && !bind)
                        return decl_fail(c->g, c->d, e, "'%s' is not a path", src);
                if (streq(type, "volume") && bind)
                        return decl_fail(c->g, c->d, e, "'%s' is not a volume name", src);
        }
        csv_field(&out, "type", type);
        if (src_resolved)
                csv_field(&out, "source", src_resolved);
        csv_field(&out, "destination", dst);
        if (rest.len) {
                strbuf_putc(&out, ',');
                strbuf_append(&out, rest.s);
        }
        if (strbuf_failed(&out) || strbuf_failed(&rest))
                return log_oom();
        return cb_arg2(c, "--mount", out.s);
}

static int mounts(ContainerBuild *c)
{
        _cleanup_strv_free_ char **w = NULL;
        const UnitEntry *e = unit_file_last(c->d->unit, "Container", "Mount");
        int r;

        /* Each assignment may hold several mounts as quoted words. */
        r = decl_get_words(c->g, c->d, "Mount", SPLIT_UNQUOTE | SPLIT_RELAX, &w);
        if (r < 0)
                return r;
        STRV_FOREACH (s, w) {
                r = mount_one(c, e, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int timezone(ContainerBuild *c)
{
        _cleanup_free_ char *tz = NULL, *spec = NULL, *zone = NULL;
        const UnitEntry *e;
        struct stat st;

        if (decl_get_string(c->d, "Timezone", &tz, &e) < 0)
                return log_oom();
        if (isempty(tz))
                return 0;
        if (streq(tz, "local"))
                return cb_arg2(c, "--volume", "/etc/localtime:/etc/localtime:ro");
        for (const char *p = tz; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
                        return decl_fail(c->g, c->d, e, "'%s' is not a time zone", tz);
        if (tz[0] == '/' || strstr(tz, ".."))
                return decl_fail(c->g, c->d, e, "'%s' is not a time zone", tz);
        if (asprintf(&zone, "/usr/share/zoneinfo/%s", tz) < 0)
                return log_oom();
        /* A zone the host does not know would fail every start. */
        if (stat(zone, &st) < 0 || !S_ISREG(st.st_mode))
                return decl_fail(c->g, c->d, e, "unknown time zone '%s' (no %s)", tz, zone);
        if (asprintf(&spec, "%s:/etc/localtime:ro", zone) < 0)
                return log_oom();
        return cb_arg2(c, "--volume", spec);
}

int container_storage(ContainerBuild *c)
{
        const UnitEntry **l = NULL;
        size_t n = 0;
        int ro, ro_tmpfs, vtmp, r;

        r = volumes(c);
        if (r < 0)
                return r;
        r = mounts(c);
        if (r < 0)
                return r;
        r = unit_file_lookup_all(c->d->unit, "Container", "Tmpfs", &l, &n);
        if (r < 0)
                return log_oom();
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (l[i]->value[0] != '/')
                        r = decl_fail(c->g, c->d, l[i], "'%s' is not an absolute path",
                                      l[i]->value);
                else
                        r = cb_arg2(c, "--tmpfs", l[i]->value);
        }
        free(l);
        if (r < 0)
                return r;

        ro = decl_get_bool(c->g, c->d, "ReadOnly", 0);
        ro_tmpfs = decl_get_bool(c->g, c->d, "ReadOnlyTmpfs", 1);
        vtmp = decl_get_bool(c->g, c->d, "VolatileTmp", 0);
        if (ro < 0 || ro_tmpfs < 0 || vtmp < 0)
                return -EINVAL;
        if (ro) {
                r = cb_arg(c, "--read-only");
                /* As podman's --read-only-tmpfs: the usual scratch places
                 * stay writable unless asked otherwise. */
                if (r >= 0 && ro_tmpfs)
                        r = cb_arg2(c, "--tmpfs", "/tmp");
                if (r >= 0 && ro_tmpfs)
                        r = cb_arg2(c, "--tmpfs", "/var/tmp");
                if (r >= 0 && ro_tmpfs)
                        r = cb_arg2(c, "--tmpfs", "/run");
        } else if (vtmp)
                r = cb_arg2(c, "--tmpfs", "/tmp:rw,size=512M,mode=1777");
        if (r < 0)
                return r;
        return timezone(c);
}
