/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI bundle's config.json -> Container. Parsed once per start. What
 * berth cannot honour is an error (user namespaces, hooks, unknown
 * capabilities and rlimits); cgroup settings (linux.resources,
 * cgroupsPath) are left to systemd, and limits asked for there get a
 * warning; annotations are ignored. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "limits.h"
#include "log.h"
#include "mount-opts.h"
#include "oci-config.h"
#include "security.h"
#include "strv.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int abs_path(const char *bundle, const char *p, char **ret)
{
        if (p[0] == '/')
                *ret = strdup(p);
        else if (asprintf(ret, "%s/%s", bundle, p) < 0)
                *ret = NULL;
        return *ret ? 0 : log_oom();
}

static int parse_mounts(Container *c, const char *bundle, json_t *a)
{
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v)
        {
                const char *dst = json_string_value(json_object_get(v, "destination"));
                const char *type = json_string_value(json_object_get(v, "type"));
                const char *src = json_string_value(json_object_get(v, "source"));
                _cleanup_strv_free_ char **opts = NULL;
                MountSpec m = {.tree_fd = -EBADF};
                int r;

                if (!dst || dst[0] != '/')
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "config.json: mounts[%zu].destination "
                                               "must be an absolute path",
                                               i);
                r = oci_strv_from_json(json_object_get(v, "options"),
                                       "config.json: ", "mounts[].options", &opts);
                if (r < 0)
                        return r;
                if (type && streq(type, "bind"))
                        m.kind = MOUNT_BIND;
                r = mount_spec_set_options(&m, opts);
                if (r < 0) {
                        mount_spec_done_static(&m);
                        return log_error_errno(r, "config.json: options of mount %s", dst);
                }
                if (m.kind == MOUNT_BIND) {
                        if (!src) {
                                mount_spec_done_static(&m);
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "config.json: bind mount %s has "
                                                       "no source",
                                                       dst);
                        }
                        r = abs_path(bundle, src, &m.source);
                } else {
                        if (!type) {
                                mount_spec_done_static(&m);
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "config.json: mount %s has no "
                                                       "type",
                                                       dst);
                        }
                        /* cgroup v1 cannot be mounted per container on a hybrid
                         * host; the container's own cgroup2 view can. */
                        if (streq(type, "cgroup")) {
                                type = "cgroup2";
                                m.optional = true;
                                free(m.data);
                                m.data = NULL;
                        }
                        m.fstype = strdup(type);
                        m.source = strdup(src ?: type);
                        if (!m.fstype || !m.source)
                                r = -ENOMEM;
                }
                if (r >= 0 && !(m.destination = strdup(dst)))
                        r = -ENOMEM;
                if (r >= 0)
                        r = container_add_mount(c, &m);
                mount_spec_done_static(&m);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

static int parse_namespaces(Container *c, json_t *a)
{
        static const struct {
                const char *name;
                int flag;
                bool joinable;
        } types[] = {
            {"pid", CLONE_NEWPID, false},   {"network", CLONE_NEWNET, true},
            {"mount", CLONE_NEWNS, false},  {"ipc", CLONE_NEWIPC, true},
            {"uts", CLONE_NEWUTS, true},    {"cgroup", CLONE_NEWCGROUP, false},
            {"time", CLONE_NEWTIME, false},
        };
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v)
        {
                const char *type = json_string_value(json_object_get(v, "type"));
                const char *path = json_string_value(json_object_get(v, "path"));
                size_t t;

                if (type && streq(type, "user"))
                        return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                               "config.json: user namespaces are not "
                                               "supported by berth-runtime");
                for (t = 0; t < ELEMENTSOF(types); t++)
                        if (type && streq(type, types[t].name))
                                break;
                if (t == ELEMENTSOF(types))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "config.json: unknown namespace type %s",
                                               strna(type));
                if (isempty(path)) {
                        c->clone_flags |= types[t].flag;
                        continue;
                }
                if (!types[t].joinable)
                        return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                               "config.json: joining a %s namespace "
                                               "by path is not supported",
                                               type);
                NamespaceJoin *n = realloc(c->joins, sizeof(NamespaceJoin) * (c->n_joins + 1));
                if (!n)
                        return log_oom();
                c->joins = n;
                n[c->n_joins].type = types[t].flag;
                if (!(n[c->n_joins++].path = strdup(path)))
                        return log_oom();
        }
        if (!(c->clone_flags & CLONE_NEWNS) || !(c->clone_flags & CLONE_NEWPID))
                return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                       "config.json: berth-runtime needs new mount "
                                       "and pid namespaces");
        return 0;
}

static int parse_devices(Container *c, json_t *a)
{
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v)
        {
                const char *path = json_string_value(json_object_get(v, "path"));
                const char *type = json_string_value(json_object_get(v, "type"));
                json_t *fm = json_object_get(v, "fileMode");
                mode_t kind;
                DeviceSpec *n;

                if (!path || path[0] != '/' || !type)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "config.json: linux.devices[%zu] needs an "
                                               "absolute path and a type",
                                               i);
                if (streq(type, "c") || streq(type, "u"))
                        kind = S_IFCHR;
                else if (streq(type, "b"))
                        kind = S_IFBLK;
                else if (streq(type, "p"))
                        kind = S_IFIFO;
                else
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "config.json: device %s: unknown type %s", path,
                                               type);
                n = realloc(c->devices, sizeof(DeviceSpec) * (c->n_devices + 1));
                if (!n)
                        return log_oom();
                c->devices = n;
                n[c->n_devices] = (DeviceSpec){
                    .path = strdup(path),
                    .mode = kind | (fm ? (mode_t)json_integer_value(fm) & 07777 : 0666),
                    .rdev = makedev(json_integer_value(json_object_get(v, "major")),
                                    json_integer_value(json_object_get(v, "minor"))),
                    .uid = (uid_t)json_integer_value(json_object_get(v, "uid")),
                    .gid = (gid_t)json_integer_value(json_object_get(v, "gid"))};
                if (!n[c->n_devices++].path)
                        return log_oom();
        }
        return 0;
}

static int parse_sysctls(Container *c, json_t *o)
{
        const char *k;
        json_t *v;

        json_object_foreach(o, k, v)
        {
                int r = sysctl_check(k, !(c->clone_flags & CLONE_NEWNET));
                if (r < 0 || !json_is_string(v))
                        return log_error_errno(r < 0 ? r : EINVAL,
                                               "config.json: sysctl %s is not "
                                               "allowed in a container",
                                               k);
                if (container_add_sysctl(c, k, json_string_value(v)) < 0)
                        return log_oom();
        }
        return 0;
}

static bool json_asks_limit(json_t *v)
{
        const char *key;
        json_t *m;
        size_t i;

        if (json_is_integer(v))
                return json_integer_value(v) != 0;
        if (json_is_real(v))
                return json_real_value(v) != 0;
        if (json_is_string(v))
                return json_string_length(v) > 0;
        if (json_is_array(v)) {
                json_array_foreach(v, i, m) if (json_asks_limit(m)) return true;
                return false;
        }
        if (json_is_object(v))
                json_object_foreach(v, key, m) if (json_asks_limit(m)) return true;
        return false;
}

int oci_resources_unapplied(json_t *resources, char **ret)
{
        _cleanup_free_ char *list = NULL;
        const char *key;
        json_t *v;
        int n = 0;

        *ret = NULL;
        if (!json_is_object(resources))
                return 0;
        json_object_foreach(resources, key, v)
        {
                char *l;

                if (streq(key, "devices") || !json_asks_limit(v))
                        continue;
                if (asprintf(&l, "%s%s%s", strempty(list), list ? ", " : "", key) < 0)
                        return -ENOMEM;
                free(list);
                list = l;
                n++;
        }
        *ret = TAKE_PTR(list);
        return n;
}

static int parse_linux(Container *c, json_t *l, const char *seccomp_path)
{
        _cleanup_free_ char *unapplied = NULL;
        json_t *v;
        int r;

        if (!json_is_object(l))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "config.json: linux is missing");
        if (json_array_size(json_object_get(l, "uidMappings")) > 0 ||
            json_array_size(json_object_get(l, "gidMappings")) > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                                       "config.json: uid/gid mappings are not "
                                       "supported by berth-runtime");
        r = parse_namespaces(c, json_object_get(l, "namespaces"));
        if (r < 0)
                return r;
        /* Limits are the unit's (MemoryMax=, CPUQuota=, TasksMax=, IOWeight=):
         * the runtime never writes cgroups. Running without the asked-for
         * limits in silence would be worse than saying so. */
        r = oci_resources_unapplied(json_object_get(l, "resources"), &unapplied);
        if (r < 0)
                return log_oom();
        if (r > 0)
                log_warning("config.json: linux.resources %s not applied: berth-runtime leaves "
                            "cgroups to the systemd unit it runs in (MemoryMax=, CPUQuota=, "
                            "TasksMax=, IOWeight=)",
                            unapplied);
        r = oci_strv_from_json(json_object_get(l, "maskedPaths"),
                               "config.json: ", "linux.maskedPaths", &c->masked_paths);
        if (r < 0)
                return r;
        r = oci_strv_from_json(json_object_get(l, "readonlyPaths"),
                               "config.json: ", "linux.readonlyPaths", &c->readonly_paths);
        if (r < 0)
                return r;
        r = parse_devices(c, json_object_get(l, "devices"));
        if (r < 0)
                return r;
        r = parse_sysctls(c, json_object_get(l, "sysctl"));
        if (r < 0)
                return r;
        c->seccomp_mode = SECCOMP_MODE_UNCONFINED;
        if ((v = json_object_get(l, "seccomp")) && json_is_object(v)) {
                /* The OCI form is the subset of Docker's profile format that
                 * the security code reads; it gets a file of its own. */
                if (!seccomp_path)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "config.json: linux.seccomp needs a state "
                                               "directory");
                if (json_dump_file(v, seccomp_path, JSON_COMPACT) < 0)
                        return log_error_errno(EIO, "write %s", seccomp_path);
                c->seccomp_mode = SECCOMP_MODE_FILE;
                if (!(c->seccomp_file = strdup(seccomp_path)))
                        return log_oom();
        }
        return 0;
}

int container_from_oci_bundle(const char *bundle, const char *id, const char *seccomp_path,
                              Container **ret)
{
        _cleanup_(container_freep) Container *c = container_new();
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_free_ char *path = NULL;
        json_t *r_obj, *v, *hooks;
        int r;

        if (!c || asprintf(&path, "%s/config.json", bundle) < 0)
                return log_oom();
        r = oci_json_load(path, CONFIG_JSON_MAX, &root);
        if (r < 0)
                return r;
        if (!(c->name = strdup(id)))
                return log_oom();

        r_obj = json_object_get(root, "root");
        v = json_object_get(r_obj, "path");
        if (!json_is_string(v))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "%s: root.path is missing", path);
        r = abs_path(bundle, json_string_value(v), &c->root_path);
        if (r < 0)
                return r;
        c->rootfs_kind = ROOTFS_BIND;
        c->read_only = json_is_true(json_object_get(r_obj, "readonly"));
        hooks = json_object_get(root, "hooks");
        if (json_object_size(hooks) > 0) {
                const char *k;
                json_object_foreach(hooks, k, v) if (json_array_size(v) > 0) return log_error_errno(
                    SYNTHETIC_ERRNO(EOPNOTSUPP),
                    "%s: hooks are not supported "
                    "by berth-runtime",
                    path);
        }
        if ((v = json_object_get(root, "hostname")) && json_is_string(v) &&
            !(c->hostname = strdup(json_string_value(v))))
                return log_oom();

        v = json_object_get(root, "process");
        if (!json_is_object(v))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "config.json: process is missing");
        r = oci_process_from_json(c, v, "config.json: process.");
        if (r < 0)
                return r;
        r = parse_linux(c, json_object_get(root, "linux"), seccomp_path);
        if (r < 0)
                return r;
        r = parse_mounts(c, bundle, json_object_get(root, "mounts"));
        if (r < 0)
                return r;
        c->default_devices = true;
        *ret = TAKE_PTR(c);
        return 0;
}
