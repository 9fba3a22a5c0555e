/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI process object -> Container: config.json's "process", and the
 * process.json that container engines hand to `exec --process`. Both are
 * untrusted: every field is type-checked, numbers are range-checked, and
 * arrays are converted in one pass (no quadratic appends), so a hostile
 * file costs at most its size. apparmorProfile, selinuxLabel, ioPriority,
 * scheduler and execCPUAffinity are ignored. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "limits.h"
#include "log.h"
#include "oci-config.h"
#include "security.h"
#include "strv.h"

int oci_json_load(const char *path, size_t max, json_t **ret)
{
        _cleanup_free_ char *text = NULL;
        json_error_t err;
        size_t len;
        json_t *j;
        int r;

        /* One read: json_load_file() goes through stdio a byte at a time. */
        r = read_full_file(path, max, &text, &len);
        if (r == -EFBIG)
                return log_error_errno(r, "read %s: larger than %zu bytes", path, max);
        if (r < 0)
                return log_error_errno(r, "read %s", path);
        j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
        if (!j)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "read %s: line %d: %s", path,
                                       err.line, err.text);
        if (!json_is_object(j)) {
                json_decref(j);
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s: not a JSON object", path);
        }
        *ret = j;
        return 0;
}

int oci_strv_from_json(json_t *a, const char *w, const char *what, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        size_t i, n, old;
        json_t *v;

        if (!a)
                return 0;
        if (!json_is_array(a))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s%s must be an array", w, what);
        n = json_array_size(a);
        old = strv_length(*ret);
        l = calloc(old + n + 1, sizeof(char *));
        if (!l)
                return log_oom();
        json_array_foreach(a, i, v)
        {
                if (!json_is_string(v))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%s%s[%zu] must be a string", w, what, i);
                if (!(l[old + i] = strdup(json_string_value(v))))
                        return log_oom();
        }
        /* the old entries move over only once nothing can fail */
        for (i = 0; i < old; i++)
                l[i] = (*ret)[i];
        free(*ret);
        *ret = TAKE_PTR(l);
        return 0;
}

static int parse_caps(json_t *caps, const char *w, uint64_t *ret)
{
        static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
                                           "ambient"};
        uint64_t result = 0;
        bool have = false;

        if (!json_is_object(caps))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%scapabilities must be an object",
                                       w);
        for (size_t s = 0; s < ELEMENTSOF(sets); s++) {
                json_t *a = json_object_get(caps, sets[s]), *v;
                uint64_t set = 0;
                size_t i;

                if (!a)
                        continue;
                if (!json_is_array(a))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%scapabilities.%s must be an array", w, sets[s]);
                json_array_foreach(a, i, v)
                {
                        int cap = json_is_string(v) ? cap_from_name(json_string_value(v)) : -EINVAL;
                        if (cap < 0)
                                return log_error_errno(
                                    SYNTHETIC_ERRNO(EINVAL),
                                    "%sunknown capability %s in "
                                    "capabilities.%s",
                                    w, json_is_string(v) ? json_string_value(v) : "(not a string)",
                                    sets[s]);
                        set |= 1ULL << cap;
                }
                /* One set for all, like Docker: the bounding set, or the
                 * permitted set when that is narrower. */
                if (!have || s == 2) {
                        result = have ? (result & set) : set;
                        have = true;
                }
        }
        *ret = result;
        return 0;
}

static int parse_rlimits(Container *c, json_t *a, const char *w)
{
        size_t i;
        json_t *v;

        if (!json_is_array(a))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%srlimits must be an array", w);
        json_array_foreach(a, i, v)
        {
                const char *type = json_string_value(json_object_get(v, "type"));
                json_t *soft = json_object_get(v, "soft"), *hard = json_object_get(v, "hard");
                Rlimit rl;

                if (!type || (rl.resource = rlimit_from_name(type)) < 0)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%sunknown rlimit %s", w,
                                               strna(type));
                if (!json_is_integer(soft) || !json_is_integer(hard))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "%srlimit %s needs soft and hard", w, type);
                rl.limit.rlim_cur = (rlim_t)json_integer_value(soft);
                rl.limit.rlim_max = (rlim_t)json_integer_value(hard);
                /* at most one entry per resource: a long list stays short */
                if (container_add_rlimit(c, &rl) < 0)
                        return log_oom();
        }
        return 0;
}

static int parse_console_size(Container *c, json_t *o, const char *w)
{
        json_t *h = json_object_get(o, "height"), *wd = json_object_get(o, "width");

        if (!json_is_integer(h) || !json_is_integer(wd) || json_integer_value(h) < 0 ||
            json_integer_value(h) > UINT16_MAX || json_integer_value(wd) < 0 ||
            json_integer_value(wd) > UINT16_MAX)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "%sconsoleSize needs height and width from 0 to %u", w,
                                       UINT16_MAX);
        c->tty_rows = (unsigned short)json_integer_value(h);
        c->tty_cols = (unsigned short)json_integer_value(wd);
        return 0;
}

/* v must be an integer in [min, max]; a missing one is def. */
static int json_int_in(json_t *v, long long min, long long max, long long def, const char *w,
                       const char *what, long long *ret)
{
        if (!v) {
                *ret = def;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "%s%s must be an integer from %lld to %lld", w, what, min,
                                       max);
        *ret = json_integer_value(v);
        return 0;
}

/* (uid_t)-1 means "unchanged" to the kernel: never a user. */
#define ID_MAX ((long long)UINT32_MAX - 1)

static int parse_user(Container *c, json_t *user, const char *w)
{
        long long uid, gid, umask_v;
        json_t *gids, *v;
        char buf[64];
        size_t i, n;
        int r;

        if (user && !json_is_object(user))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%suser must be an object", w);
        if ((r = json_int_in(json_object_get(user, "uid"), 0, ID_MAX, 0, w, "user.uid", &uid)) <
                0 ||
            (r = json_int_in(json_object_get(user, "gid"), 0, ID_MAX, 0, w, "user.gid", &gid)) < 0)
                return r;
        snprintf(buf, sizeof(buf), "%lld:%lld", uid, gid);
        free(c->user_spec);
        if (!(c->user_spec = strdup(buf)))
                return log_oom();

        gids = json_object_get(user, "additionalGids");
        if (gids && !json_is_array(gids))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "%suser.additionalGids must be an array", w);
        n = json_array_size(gids);
        if (n > (size_t)sysconf(_SC_NGROUPS_MAX))
                return log_error_errno(E2BIG,
                                       "%suser.additionalGids has %zu entries, more than %ld", w, n,
                                       sysconf(_SC_NGROUPS_MAX));
        strv_free(c->group_add);
        c->group_add = n ? calloc(n + 1, sizeof(char *)) : NULL;
        if (n && !c->group_add)
                return log_oom();
        json_array_foreach(gids, i, v)
        {
                long long g;
                r = json_int_in(v, 0, ID_MAX, 0, w, "user.additionalGids[]", &g);
                if (r < 0)
                        return r;
                snprintf(buf, sizeof(buf), "%lld", g);
                if (!(c->group_add[i] = strdup(buf)))
                        return log_oom();
        }
        if ((v = json_object_get(user, "umask"))) {
                r = json_int_in(v, 0, 0777, 0, w, "user.umask", &umask_v);
                if (r < 0)
                        return r;
                c->umask = (mode_t)umask_v;
                c->set_umask = true;
        }
        return 0;
}

/* What execve() would refuse with E2BIG, refused here with a message. */
static int check_arg_size(Container *c, const char *w)
{
        long max = sysconf(_SC_ARG_MAX);
        size_t total = 0;

        STRV_FOREACH (s, c->args)
                total += strlen(*s) + 1 + sizeof(char *);
        STRV_FOREACH (s, c->env)
                total += strlen(*s) + 1 + sizeof(char *);
        if (max > 0 && total > (size_t)max)
                return log_error_errno(E2BIG,
                                       "%sargs and env take %zu bytes, more than the %ld that "
                                       "the kernel accepts for a command",
                                       w, total, max);
        return 0;
}

static int parse_bool(json_t *p, const char *key, const char *w, bool *ret)
{
        json_t *v = json_object_get(p, key);

        if (v && !json_is_boolean(v))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s%s must be a boolean", w, key);
        *ret = json_is_true(v);
        return 0;
}

int oci_process_from_json(Container *c, json_t *p, const char *w)
{
        long long oom;
        json_t *v;
        int r;

        if (!json_is_object(p))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "%s: the process is not a JSON object", w);
        r = parse_bool(p, "terminal", w, &c->tty);
        if (r < 0)
                return r;
        /* The spec has runtimes ignore consoleSize without a terminal. */
        if (c->tty && (v = json_object_get(p, "consoleSize"))) {
                r = parse_console_size(c, v, w);
                if (r < 0)
                        return r;
        }
        /* before anything is copied: execve() takes at most ARG_MAX bytes,
         * a pointer and a NUL for each string included */
        if (json_array_size(json_object_get(p, "args")) +
                json_array_size(json_object_get(p, "env")) >
            (size_t)sysconf(_SC_ARG_MAX) / (sizeof(char *) + 1))
                return log_error_errno(E2BIG,
                                       "%sargs and env have more entries than a command "
                                       "can take",
                                       w);
        strv_free(c->args);
        c->args = NULL;
        r = oci_strv_from_json(json_object_get(p, "args"), w, "args", &c->args);
        if (r < 0)
                return r;
        if (!c->args || !c->args[0])
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%sargs must name a command", w);
        r = oci_strv_from_json(json_object_get(p, "env"), w, "env", &c->env);
        if (r < 0)
                return r;
        r = check_arg_size(c, w);
        if (r < 0)
                return r;
        v = json_object_get(p, "cwd");
        if (!json_is_string(v) || json_string_value(v)[0] != '/')
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%scwd must be an absolute path",
                                       w);
        free(c->cwd);
        if (!(c->cwd = strdup(json_string_value(v))))
                return log_oom();
        r = parse_user(c, json_object_get(p, "user"), w);
        if (r < 0)
                return r;
        c->caps = 0;
        if ((v = json_object_get(p, "capabilities"))) {
                r = parse_caps(v, w, &c->caps);
                if (r < 0)
                        return r;
        }
        if ((v = json_object_get(p, "rlimits"))) {
                r = parse_rlimits(c, v, w);
                if (r < 0)
                        return r;
        }
        r = parse_bool(p, "noNewPrivileges", w, &c->no_new_privileges);
        if (r < 0)
                return r;
        if ((v = json_object_get(p, "oomScoreAdj"))) {
                r = json_int_in(v, -1000, 1000, 0, w, "oomScoreAdj", &oom);
                if (r < 0)
                        return r;
                c->oom_score_adj = (int)oom;
                c->set_oom_score_adj = true;
        }
        return 0;
}
