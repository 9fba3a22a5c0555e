/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "container-record.h"
#include "fileio.h"
#include "json-util.h"
#include "macro.h"
#include "strv.h"

#define RECORD_FILE     "config.json"
#define RECORD_MAX_SIZE (1024 * 1024)
#define STRV_MAX_ITEMS  4096
#define STRING_MAX      65536

static const char *const restart_names[_RESTART_MAX] = {
    [RESTART_NO] = "no",
    [RESTART_ON_FAILURE] = "on-failure",
    [RESTART_ALWAYS] = "always",
    [RESTART_UNLESS_STOPPED] = "unless-stopped",
};

/* unless-stopped differs from always only in what Docker does at daemon
 * start; with systemd both restart on every exit that was not a stop. */
static const char *const restart_systemd[_RESTART_MAX] = {
    [RESTART_NO] = "no",
    [RESTART_ON_FAILURE] = "on-failure",
    [RESTART_ALWAYS] = "always",
    [RESTART_UNLESS_STOPPED] = "always",
};

void container_record_free(ContainerRecord *c)
{
        if (!c)
                return;
        free(c->name);
        free(c->id);
        free(c->image);
        free(c->image_id);
        strv_free(c->command);
        free(c->entrypoint);
        strv_free(c->env);
        strv_free(c->volumes);
        free(c->user);
        free(c->workdir);
        free(c->network);
        free(c->ip);
        strv_free(c->publish);
        strv_free(c->dns);
        strv_free(c->dns_search);
        strv_free(c->dns_option);
        strv_free(c->add_host);
        free(c);
}

bool container_id_is_valid(const char *id)
{
        if (!id || strlen(id) != CONTAINER_ID_LEN)
                return false;
        for (const char *p = id; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

bool record_string_is_safe(const char *s)
{
        /* Values end up on an ExecStart= line and in the journal: no control
         * characters that could split or forge a line. */
        if (!s || strlen(s) > STRING_MAX)
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x20 && *p != '\t')
                        return false;
        return true;
}

bool env_assignment_is_valid(const char *s)
{
        const char *eq;

        if (!record_string_is_safe(s))
                return false;
        eq = strchr(s, '=');
        return eq && eq != s;
}

bool volume_spec_is_valid(const char *s)
{
        _cleanup_free_ char *copy = NULL;
        char *src, *dst, *mode;

        if (!record_string_is_safe(s) || isempty(s))
                return false;
        copy = strdup(s);
        if (!copy)
                return false;
        src = copy;
        dst = strchr(src, ':');
        if (!dst)
                return false;
        *dst++ = '\0';
        mode = strchr(dst, ':');
        if (mode) {
                *mode++ = '\0';
                if (!streq(mode, "ro") && !streq(mode, "rw"))
                        return false;
        }
        if (isempty(src) || dst[0] != '/')
                return false;
        return src[0] == '/' || volume_name_is_valid(src);
}

const char *restart_policy_to_string(RestartPolicy p)
{
        return p >= 0 && p < _RESTART_MAX ? restart_names[p] : NULL;
}

const char *restart_policy_to_systemd(RestartPolicy p)
{
        return p >= 0 && p < _RESTART_MAX ? restart_systemd[p] : NULL;
}

RestartPolicy restart_policy_from_string(const char *s)
{
        if (!s)
                return _RESTART_INVALID;
        for (int i = 0; i < _RESTART_MAX; i++)
                if (streq(s, restart_names[i]))
                        return i;
        return _RESTART_INVALID;
}

static int random_hex(size_t nbytes, char **ret)
{
        unsigned char buf[64];
        char *s;

        if (nbytes > sizeof(buf))
                return -EINVAL;
        if (getrandom(buf, nbytes, 0) != (ssize_t)nbytes)
                return negative_errno();
        s = malloc(nbytes * 2 + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < nbytes; i++)
                sprintf(s + 2 * i, "%02x", buf[i]);
        *ret = s;
        return 0;
}

int container_generate_name(char **ret)
{
        _cleanup_free_ char *hex = NULL;
        int r;

        r = random_hex(6, &hex);
        if (r < 0)
                return r;
        if (asprintf(ret, "berth-%s", hex) < 0)
                return -ENOMEM;
        return 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

int container_record_new(const char *name, ContainerRecord **ret)
{
        _cleanup_(container_record_freep) ContainerRecord *c = NULL;
        int r;

        if (name && !container_name_is_valid(name))
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (name) {
                c->name = strdup(name);
                if (!c->name)
                        return -ENOMEM;
        } else {
                r = container_generate_name(&c->name);
                if (r < 0)
                        return r;
        }
        r = random_hex(CONTAINER_ID_LEN / 2, &c->id);
        if (r < 0)
                return r;
        c->created = now_usec();
        *ret = TAKE_PTR(c);
        return 0;
}

static int json_set_opt_string(json_t *o, const char *key, const char *value)
{
        if (!value)
                return 0;
        return json_object_set_new(o, key, json_string(value)) < 0 ? -ENOMEM : 0;
}

static int json_set_opt_strv(json_t *o, const char *key, char **l)
{
        if (!l)
                return 0;
        return json_object_set_new(o, key, strv_to_json(l)) < 0 ? -ENOMEM : 0;
}

int container_record_to_json(const ContainerRecord *c, char **ret)
{
        json_t *o;
        char *s;
        int r = 0;

        /* JSON integers are signed: a larger value would come back negative
         * and make the record unloadable */
        if (c->memory_max > INT64_MAX || c->cpu_quota > INT64_MAX || c->tasks_max > INT64_MAX ||
            c->created > INT64_MAX)
                return -ERANGE;
        o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:I, s:I, s:I, s:b, s:I}", "name",
                      c->name, "id", c->id, "image", c->image, "image_id", c->image_id, "command",
                      strv_to_json(c->command), "env", strv_to_json(c->env), "volumes",
                      strv_to_json(c->volumes), "restart", restart_policy_to_string(c->restart),
                      "memory_max", (json_int_t)c->memory_max, "cpu_quota",
                      (json_int_t)c->cpu_quota, "tasks_max", (json_int_t)c->tasks_max,
                      "auto_remove", c->auto_remove, "created", (json_int_t)c->created);
        if (!o)
                return -EINVAL;
        r = json_set_opt_string(o, "entrypoint", c->entrypoint);
        if (r >= 0)
                r = json_set_opt_string(o, "user", c->user);
        if (r >= 0)
                r = json_set_opt_string(o, "workdir", c->workdir);
        if (r >= 0)
                r = json_set_opt_string(o, "network", c->network);
        if (r >= 0)
                r = json_set_opt_string(o, "ip", c->ip);
        if (r >= 0)
                r = json_set_opt_strv(o, "publish", c->publish);
        if (r >= 0)
                r = json_set_opt_strv(o, "dns", c->dns);
        if (r >= 0)
                r = json_set_opt_strv(o, "dns_search", c->dns_search);
        if (r >= 0)
                r = json_set_opt_strv(o, "dns_option", c->dns_option);
        if (r >= 0)
                r = json_set_opt_strv(o, "add_host", c->add_host);
        if (r < 0) {
                json_decref(o);
                return r;
        }
        s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(o);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int json_get_strv(json_t *o, const char *key, bool (*valid)(const char *), char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        json_t *a = json_object_get(o, key), *v;
        size_t i;
        int r;

        if (!a || json_is_null(a)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_array(a) || json_array_size(a) > STRV_MAX_ITEMS)
                return -EBADMSG;
        json_array_foreach(a, i, v)
        {
                if (!json_is_string(v) || !record_string_is_safe(json_string_value(v)))
                        return -EBADMSG;
                if (valid && !valid(json_string_value(v)))
                        return -EBADMSG;
                r = strv_extend(&l, json_string_value(v));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int json_get_string(json_t *o, const char *key, bool required, char **ret)
{
        json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v)) {
                *ret = NULL;
                return required ? -EBADMSG : 0;
        }
        if (!json_is_string(v) || !record_string_is_safe(json_string_value(v)))
                return -EBADMSG;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

static int json_get_u64(json_t *o, const char *key, uint64_t *ret)
{
        json_t *v = json_object_get(o, key);

        if (!v) {
                *ret = 0;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return -EBADMSG;
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

int container_record_from_json(const char *text, ContainerRecord **ret)
{
        _cleanup_(container_record_freep) ContainerRecord *c = NULL;
        _cleanup_free_ char *restart = NULL;
        json_t *o;
        json_t *b;
        int r;

        o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        if (!o)
                return -EBADMSG;
        if (!json_is_object(o)) {
                json_decref(o);
                return -EBADMSG;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                json_decref(o);
                return -ENOMEM;
        }
        if ((r = json_get_string(o, "name", true, &c->name)) < 0 ||
            (r = json_get_string(o, "id", true, &c->id)) < 0 ||
            (r = json_get_string(o, "image", true, &c->image)) < 0 ||
            (r = json_get_string(o, "image_id", true, &c->image_id)) < 0 ||
            (r = json_get_string(o, "entrypoint", false, &c->entrypoint)) < 0 ||
            (r = json_get_string(o, "user", false, &c->user)) < 0 ||
            (r = json_get_string(o, "workdir", false, &c->workdir)) < 0 ||
            (r = json_get_string(o, "restart", false, &restart)) < 0 ||
            (r = json_get_strv(o, "command", NULL, &c->command)) < 0 ||
            (r = json_get_strv(o, "env", env_assignment_is_valid, &c->env)) < 0 ||
            (r = json_get_strv(o, "volumes", volume_spec_is_valid, &c->volumes)) < 0 ||
            (r = json_get_u64(o, "memory_max", &c->memory_max)) < 0 ||
            (r = json_get_u64(o, "cpu_quota", &c->cpu_quota)) < 0 ||
            (r = json_get_u64(o, "tasks_max", &c->tasks_max)) < 0 ||
            (r = json_get_u64(o, "created", &c->created)) < 0 ||
            (r = json_get_string(o, "network", false, &c->network)) < 0 ||
            (r = json_get_string(o, "ip", false, &c->ip)) < 0 ||
            (r = json_get_strv(o, "publish", publish_spec_is_valid, &c->publish)) < 0 ||
            (r = json_get_strv(o, "dns", ip_address_is_valid, &c->dns)) < 0 ||
            (r = json_get_strv(o, "dns_search", dns_search_is_valid, &c->dns_search)) < 0 ||
            (r = json_get_strv(o, "dns_option", dns_option_is_valid, &c->dns_option)) < 0 ||
            (r = json_get_strv(o, "add_host", add_host_is_valid, &c->add_host)) < 0) {
                json_decref(o);
                return r;
        }
        b = json_object_get(o, "auto_remove");
        if (b && !json_is_boolean(b)) {
                json_decref(o);
                return -EBADMSG;
        }
        c->auto_remove = b && json_is_true(b);
        json_decref(o);

        c->restart = restart ? restart_policy_from_string(restart) : RESTART_NO;
        if (c->restart < 0 || !container_name_is_valid(c->name) || !container_id_is_valid(c->id) ||
            (c->workdir && c->workdir[0] != '/') || (c->ip && !ipv4_address_is_valid(c->ip)) ||
            container_record_network_error(c))
                return -EBADMSG;
        *ret = TAKE_PTR(c);
        return 0;
}

static int record_path(const char *dir, const char *name, const char *file, char **ret)
{
        if (!container_name_is_valid(name))
                return -EINVAL;
        if (asprintf(ret, "%s/%s%s%s", dir, name, file ? "/" : "", strempty(file)) < 0)
                return -ENOMEM;
        return 0;
}

int container_record_save(const char *containers_dir, const ContainerRecord *c)
{
        _cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
        int r;

        r = record_path(containers_dir, c->name, NULL, &dir);
        if (r < 0)
                return r;
        r = record_path(containers_dir, c->name, RECORD_FILE, &path);
        if (r < 0)
                return r;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        r = container_record_to_json(c, &text);
        if (r < 0)
                return r;
        return write_file_atomic(path, text, strlen(text), 0600);
}

int container_record_load(const char *containers_dir, const char *name, ContainerRecord **ret)
{
        _cleanup_(container_record_freep) ContainerRecord *c = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        r = record_path(containers_dir, name, RECORD_FILE, &path);
        if (r < 0)
                return r;
        r = read_full_file(path, RECORD_MAX_SIZE, &text, NULL);
        if (r < 0)
                return r;
        r = container_record_from_json(text, &c);
        if (r < 0)
                return r;
        /* a record moved by hand under another name is not trusted */
        if (!streq(c->name, name))
                return -EBADMSG;
        *ret = TAKE_PTR(c);
        return 0;
}

int container_record_remove(const char *containers_dir, const char *name)
{
        _cleanup_free_ char *dir = NULL;
        int r;

        r = record_path(containers_dir, name, NULL, &dir);
        if (r < 0)
                return r;
        r = rm_rf(dir);
        return r == -ENOENT ? 0 : r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int container_record_list(const char *containers_dir, char ***ret)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;
        int r;

        d = opendir(containers_dir);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = NULL;
                        return 0;
                }
                return negative_errno();
        }
        while ((de = readdir(d))) {
                if (!container_name_is_valid(de->d_name))
                        continue;
                _cleanup_free_ char *f = NULL;
                if (asprintf(&f, "%s/" RECORD_FILE, de->d_name) < 0)
                        return -ENOMEM;
                if (faccessat(dirfd(d), f, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                r = strv_extend(&l, de->d_name);
                if (r < 0)
                        return r;
        }
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(l);
        return 0;
}

int container_unit_name(const char *name, const char *suffix, char **ret)
{
        if (!container_name_is_valid(name))
                return -EINVAL;
        if (asprintf(ret, "berth-%s.%s", name, suffix) < 0)
                return -ENOMEM;
        return 0;
}
