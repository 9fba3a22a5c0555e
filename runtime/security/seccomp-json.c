/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Docker-format seccomp profiles from a file. The file is untrusted input:
 * every field is type-checked and bounded, and the first problem is reported
 * with the file name and where in the profile it is. Unknown keys are
 * ignored, as Docker's decoder ignores them. */
#include <errno.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "seccomp-profile.h"
#include "security.h"

#define PROFILE_SIZE_MAX (4u << 20)
#define NAMES_MAX        16384
#define NAME_LEN_MAX     64
#define ERRNO_MAX        4095

typedef struct JsonProfile {
        SeccompProfile profile;
        json_t *root;
        void **allocs;
        size_t n_allocs;
        size_t n_names;
        const char *what;
} JsonProfile;

static void *track(JsonProfile *j, size_t n, size_t size)
{
        void **a;
        void *p;

        a = realloc(j->allocs, (j->n_allocs + 1) * sizeof(*a));
        if (!a)
                return NULL;
        j->allocs = a;
        p = calloc(n ?: 1, size);
        if (!p)
                return NULL;
        j->allocs[j->n_allocs++] = p;
        return p;
}

#define bad(j, where, ...)                                                                         \
        ({                                                                                         \
                char _m[256];                                                                      \
                snprintf(_m, sizeof(_m), __VA_ARGS__);                                             \
                log_error("seccomp profile %s: %s: %s", (j)->what, (where), _m);                   \
                -EINVAL;                                                                           \
        })

/* A NULL-terminated copy of a JSON array of strings; NULL for an absent or
 * empty array (Docker treats both as "no constraint"). */
static int string_list(JsonProfile *j, json_t *v, const char *where, size_t max_len,
                       const char *const **ret)
{
        const char **l;
        size_t i;
        json_t *e;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return bad(j, where, "expected an array of strings");
        if (json_array_size(v) == 0)
                return 0;
        if (json_array_size(v) > NAMES_MAX)
                return bad(j, where, "more than %d entries", NAMES_MAX);
        l = track(j, json_array_size(v) + 1, sizeof(*l));
        if (!l)
                return log_oom();
        json_array_foreach(v, i, e)
        {
                const char *s = json_string_value(e);

                if (!s || json_string_length(e) == 0 || json_string_length(e) > max_len ||
                    strlen(s) != json_string_length(e))
                        return bad(j, where,
                                   "entry %zu: expected a non-empty string of at most "
                                   "%zu characters",
                                   i, max_len);
                l[i] = s;
        }
        *ret = l;
        return 0;
}

static bool valid_syscall_name(const char *s)
{
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

static int parse_errno(JsonProfile *j, json_t *v, const char *where, int *ret)
{
        *ret = -1;
        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > ERRNO_MAX)
                return bad(j, where, "expected an integer between 0 and %d", ERRNO_MAX);
        *ret = (int)json_integer_value(v);
        return 0;
}

static int parse_action(JsonProfile *j, json_t *v, const char *where, SeccompAction *ret)
{
        const char *s = json_string_value(v);

        if (!s)
                return bad(j, where, "missing or not a string");
        if (streq(s, "SCMP_ACT_NOTIFY"))
                return bad(j, where, "SCMP_ACT_NOTIFY is not supported by berth");
        *ret = seccomp_action_from_string(s);
        if (*ret == _SECCOMP_ACTION_MAX)
                return bad(j, where, "unknown action \"%.64s\"", s);
        return 0;
}

static int parse_cond(JsonProfile *j, json_t *v, const char *where, SeccompCond *c)
{
        const char *const *caps = NULL;
        const char *k;
        json_t *e;
        int r;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return bad(j, where, "expected an object");

        json_object_foreach(v, k, e)
        {
                if (streq(k, "caps")) {
                        r = string_list(j, e, where, NAME_LEN_MAX, &caps);
                        if (r < 0)
                                return r;
                        for (const char *const *cap = caps; cap && *cap; cap++) {
                                /* Docker compares names with the bounding set:
                                 * a name it does not know is never held. */
                                int n = cap_from_name(*cap);
                                if (n < 0 || !strneq(*cap, "CAP_", 4))
                                        c->unknown_cap = true;
                                else
                                        c->caps |= UINT64_C(1) << n;
                        }
                } else if (streq(k, "arches")) {
                        r = string_list(j, e, where, NAME_LEN_MAX, &c->arches);
                        if (r < 0)
                                return r;
                } else if (streq(k, "minKernel")) {
                        const char *s = json_string_value(e);
                        char tail;

                        if (!s || sscanf(s, "%u.%u%c", &c->min_kernel_major, &c->min_kernel_minor,
                                         &tail) != 2)
                                return bad(j, where, "minKernel must look like \"4.8\"");
                        c->has_min_kernel = true;
                }
        }
        return 0;
}

static int parse_args(JsonProfile *j, json_t *v, const char *where, SeccompRule *rule)
{
        SeccompArg *args;
        size_t i;
        json_t *e;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return bad(j, where, "args: expected an array");
        if (json_array_size(v) > SECCOMP_ARGS_MAX)
                return bad(j, where, "args: more than %d conditions", SECCOMP_ARGS_MAX);
        if (json_array_size(v) == 0)
                return 0;

        args = track(j, json_array_size(v), sizeof(*args));
        if (!args)
                return log_oom();
        json_array_foreach(v, i, e)
        {
                json_t *index = json_object_get(e, "index"), *value = json_object_get(e, "value"),
                       *two = json_object_get(e, "valueTwo");
                const char *op = json_string_value(json_object_get(e, "op"));

                if (!json_is_object(e))
                        return bad(j, where, "args[%zu]: expected an object", i);
                if (!json_is_integer(index) || json_integer_value(index) < 0 ||
                    json_integer_value(index) >= SECCOMP_ARGS_MAX)
                        return bad(j, where, "args[%zu].index: expected an integer 0..5", i);
                if (!json_is_integer(value) || json_integer_value(value) < 0)
                        return bad(j, where, "args[%zu].value: expected a non-negative integer", i);
                if (two && (!json_is_integer(two) || json_integer_value(two) < 0))
                        return bad(j, where, "args[%zu].valueTwo: expected a non-negative integer",
                                   i);
                if (!op || seccomp_op_from_string(op) == _SCMP_CMP_MIN)
                        return bad(j, where, "args[%zu].op: unknown comparison", i);

                args[i] = (SeccompArg){
                    .index = json_integer_value(index),
                    .op = seccomp_op_from_string(op),
                    .value = json_integer_value(value),
                    .value_two = two ? json_integer_value(two) : 0,
                };
        }
        rule->args = args;
        rule->n_args = json_array_size(v);
        return 0;
}

static int parse_syscall(JsonProfile *j, json_t *v, size_t idx, SeccompRule *rule)
{
        json_t *names = json_object_get(v, "names"), *name = json_object_get(v, "name");
        char where[64];
        int r;

        snprintf(where, sizeof(where), "syscalls[%zu]", idx);
        if (!json_is_object(v))
                return bad(j, where, "expected an object");

        if (name && names)
                return bad(j, where, "use either \"name\" or \"names\"");
        if (name) {
                const char **l = track(j, 2, sizeof(*l));

                if (!l)
                        return log_oom();
                if (!json_is_string(name) || json_string_length(name) == 0 ||
                    json_string_length(name) > NAME_LEN_MAX)
                        return bad(j, where, "name: expected a non-empty string");
                l[0] = json_string_value(name);
                rule->names = l;
        } else {
                r = string_list(j, names, where, NAME_LEN_MAX, &rule->names);
                if (r < 0)
                        return r;
                if (!rule->names)
                        return bad(j, where, "no system call names");
        }
        for (const char *const *n = rule->names; *n; n++) {
                if (!valid_syscall_name(*n))
                        return bad(j, where, "\"%.64s\" is not a system call name", *n);
                if (++j->n_names > NAMES_MAX)
                        return bad(j, where, "more than %d system call names in total", NAMES_MAX);
        }

        r = parse_action(j, json_object_get(v, "action"), where, &rule->action);
        if (r < 0)
                return r;
        r = parse_errno(j, json_object_get(v, "errnoRet"), where, &rule->errno_ret);
        if (r < 0)
                return r;
        r = parse_args(j, json_object_get(v, "args"), where, rule);
        if (r < 0)
                return r;
        r = parse_cond(j, json_object_get(v, "includes"), where, &rule->includes);
        if (r < 0)
                return r;
        return parse_cond(j, json_object_get(v, "excludes"), where, &rule->excludes);
}

static int check_arch(JsonProfile *j, const char *name, const char *where)
{
        if (seccomp_arch_from_name(name) == 0)
                return bad(j, where, "unknown architecture \"%.64s\"", name);
        return 0;
}

static int parse_arches(JsonProfile *j, json_t *root)
{
        json_t *list = json_object_get(root, "architectures"),
               *map = json_object_get(root, "archMap");
        SeccompProfile *p = &j->profile;
        SeccompArchMap *m;
        size_t i;
        json_t *e;
        int r;

        if (list && map && !json_is_null(list) && !json_is_null(map))
                return bad(j, "architectures", "both \"architectures\" and \"archMap\" given");

        r = string_list(j, list, "architectures", NAME_LEN_MAX, &p->architectures);
        if (r < 0)
                return r;
        for (const char *const *a = p->architectures; a && *a; a++) {
                r = check_arch(j, *a, "architectures");
                if (r < 0)
                        return r;
        }

        if (!map || json_is_null(map))
                return 0;
        if (!json_is_array(map) || json_array_size(map) > 64)
                return bad(j, "archMap", "expected an array of at most 64 entries");
        m = track(j, json_array_size(map), sizeof(*m));
        if (!m)
                return log_oom();
        json_array_foreach(map, i, e)
        {
                char where[32];

                snprintf(where, sizeof(where), "archMap[%zu]", i);
                m[i].arch = json_string_value(json_object_get(e, "architecture"));
                if (!json_is_object(e) || !m[i].arch)
                        return bad(j, where, "expected an object with \"architecture\"");
                r = string_list(j, json_object_get(e, "subArchitectures"), where, NAME_LEN_MAX,
                                &m[i].sub_arches);
                if (r < 0)
                        return r;
                /* Only the native entry is used. Others may name
                 * architectures a newer libseccomp knows (Docker's own
                 * profile lists SCMP_ARCH_LOONGARCH64, unknown to 2.5). */
                if (seccomp_arch_from_name(m[i].arch) != seccomp_arch_native())
                        continue;
                for (const char *const *a = m[i].sub_arches; a && *a; a++) {
                        r = check_arch(j, *a, where);
                        if (r < 0)
                                return r;
                }
        }
        p->arch_map = m;
        p->n_arch_map = json_array_size(map);
        return 0;
}

static int parse_flags(JsonProfile *j, json_t *v)
{
        static const struct {
                const char *name;
                unsigned flag;
        } known[] = {
            {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
            {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
            {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
        };
        const char *const *l;
        int r;

        r = string_list(j, v, "flags", NAME_LEN_MAX, &l);
        if (r < 0)
                return r;
        for (; l && *l; l++) {
                size_t i;

                for (i = 0; i < ELEMENTSOF(known); i++)
                        if (streq(*l, known[i].name))
                                break;
                if (i == ELEMENTSOF(known))
                        return bad(j, "flags", "unknown or unsupported flag \"%.64s\"", *l);
                j->profile.flags |= known[i].flag;
        }
        return 0;
}

static int parse_root(JsonProfile *j, json_t *root)
{
        SeccompProfile *p = &j->profile;
        json_t *syscalls = json_object_get(root, "syscalls"), *e;
        const char *listener = json_string_value(json_object_get(root, "listenerPath"));
        SeccompRule *rules;
        size_t i;
        int r;

        if (!json_is_object(root))
                return bad(j, "top level", "expected a JSON object");

        r = parse_action(j, json_object_get(root, "defaultAction"), "defaultAction",
                         &p->default_action);
        if (r < 0)
                return r;
        r = parse_errno(j, json_object_get(root, "defaultErrnoRet"), "defaultErrnoRet",
                        &p->default_errno);
        if (r < 0)
                return r;
        if (!isempty(listener))
                return bad(j, "listenerPath", "seccomp notification is not supported by berth");

        r = parse_arches(j, root);
        if (r < 0)
                return r;
        r = parse_flags(j, json_object_get(root, "flags"));
        if (r < 0)
                return r;

        if (!syscalls || json_is_null(syscalls))
                return 0;
        if (!json_is_array(syscalls))
                return bad(j, "syscalls", "expected an array");
        if (json_array_size(syscalls) > NAMES_MAX)
                return bad(j, "syscalls", "more than %d entries", NAMES_MAX);
        rules = track(j, json_array_size(syscalls), sizeof(*rules));
        if (!rules)
                return log_oom();
        json_array_foreach(syscalls, i, e)
        {
                r = parse_syscall(j, e, i, &rules[i]);
                if (r < 0)
                        return r;
        }
        p->rules = rules;
        p->n_rules = json_array_size(syscalls);
        return 0;
}

void seccomp_profile_free(SeccompProfile *p)
{
        JsonProfile *j;

        if (!p || !p->owner)
                return;
        j = p->owner;
        for (size_t i = 0; i < j->n_allocs; i++)
                free(j->allocs[i]);
        free(j->allocs);
        json_decref(j->root);
        free(j);
}

int seccomp_profile_parse_json(const char *text, size_t len, const char *what, SeccompProfile **ret)
{
        JsonProfile *j;
        json_error_t err;
        int r;

        j = calloc(1, sizeof(*j));
        if (!j)
                return log_oom();
        j->profile.owner = j;
        j->what = what;

        j->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
        if (!j->root) {
                log_error("seccomp profile %s: line %d column %d: %s", what, err.line, err.column,
                          err.text);
                seccomp_profile_free(&j->profile);
                return -EINVAL;
        }
        r = parse_root(j, j->root);
        if (r < 0) {
                seccomp_profile_free(&j->profile);
                return r;
        }
        j->what = NULL; /* borrowed, only valid during the parse */
        *ret = &j->profile;
        return 0;
}

int seccomp_profile_load_json(const char *path, SeccompProfile **ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_full_file(path, PROFILE_SIZE_MAX, &text, &len);
        if (r == -EFBIG)
                return log_error_errno(r, "seccomp profile %s: larger than %u bytes", path,
                                       PROFILE_SIZE_MAX);
        if (r < 0)
                return log_error_errno(r, "read seccomp profile %s", path);
        return seccomp_profile_parse_json(text, len, path, ret);
}
