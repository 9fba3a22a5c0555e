/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "mount-opts.h"
#include "names.h"
#include "parse-util.h"
#include "strv.h"

void mount_spec_done_static(MountSpec *m)
{
        free(m->source);
        free(m->destination);
        free(m->fstype);
        free(m->data);
        safe_close(m->tree_fd);
        *m = (MountSpec){.tree_fd = -EBADF};
}

static const struct {
        const char *name;
        unsigned long set, clear;
} flag_words[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"dirsync", MS_DIRSYNC, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"defaults", 0, 0},
};

static const char *const ignored_words[] = {
    "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
    "z",       "Z",        "U",      "O",       "copy",  "nocopy", "tmpcopyup",  "notmpcopyup",
};

static int data_append(char **data, const char *opt)
{
        char *n;

        if (!*data) {
                *data = strdup(opt);
                return *data ? 0 : -ENOMEM;
        }
        if (asprintf(&n, "%s,%s", *data, opt) < 0)
                return -ENOMEM;
        free(*data);
        *data = n;
        return 0;
}

int mount_spec_set_options(MountSpec *m, char *const *options)
{
        STRV_FOREACH (o, options) {
                bool known = false;

                if (streq(*o, "bind") || streq(*o, "rbind")) {
                        m->kind = MOUNT_BIND;
                        m->recursive = streq(*o, "rbind");
                        continue;
                }
                for (size_t i = 0; i < ELEMENTSOF(ignored_words); i++)
                        if (streq(*o, ignored_words[i]))
                                known = true;
                for (size_t i = 0; !known && i < ELEMENTSOF(flag_words); i++)
                        if (streq(*o, flag_words[i].name)) {
                                m->flags = (m->flags | flag_words[i].set) & ~flag_words[i].clear;
                                known = true;
                        }
                if (known)
                        continue;
                /* fs data must not smuggle in more options via ',' */
                if (strchr(*o, ','))
                        return -EINVAL;
                if (data_append(&m->data, *o) < 0)
                        return -ENOMEM;
        }
        m->readonly = m->flags & MS_RDONLY;
        return 0;
}

static int split_commas(const char *s, char ***ret)
{
        _cleanup_free_ char *copy = strdup(s);
        _cleanup_strv_free_ char **l = NULL;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (strv_extend(&l, t) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int volume_source(const char *src, const char *volumes_dir, char **ret)
{
        char *p;
        int r;

        if (isempty(src))
                return -EINVAL;
        if (src[0] == '/') {
                p = strdup(src);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        if (!volume_name_is_valid(src))
                return -EINVAL;
        if (asprintf(&p, "%s/%s/_data", volumes_dir, src) < 0)
                return -ENOMEM;
        r = mkdir_p(p, 0755);
        if (r < 0) {
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int volume_parse(const char *s, const char *volumes_dir, MountSpec *ret)
{
        _cleanup_free_ char *copy = strdup(s);
        _cleanup_strv_free_ char **opts = NULL;
        MountSpec m = {.kind = MOUNT_BIND, .recursive = true, .tree_fd = -EBADF};
        char *dst, *o;
        int r;

        if (!copy)
                return -ENOMEM;
        dst = strchr(copy, ':');
        if (!dst) {
                /* "--volume DST": an anonymous volume; the caller picks its
                 * source directory. */
                if (copy[0] != '/')
                        return -EINVAL;
                m.destination = TAKE_PTR(copy);
                m.create_source = true;
                *ret = m;
                return 0;
        }
        *dst++ = 0;
        o = strchr(dst, ':');
        if (o) {
                *o++ = 0;
                r = split_commas(o, &opts);
                if (r < 0)
                        return r;
        }
        if (dst[0] != '/')
                return -EINVAL;
        r = volume_source(copy, volumes_dir, &m.source);
        if (r >= 0 && !(m.destination = strdup(dst)))
                r = -ENOMEM;
        if (r >= 0)
                r = mount_spec_set_options(&m, opts);
        if (r >= 0 && m.kind != MOUNT_BIND)
                r = -EINVAL;
        if (r < 0) {
                mount_spec_done_static(&m);
                return r;
        }
        *ret = m;
        return 0;
}

static bool key_is(const char *kv, const char *key, const char **value)
{
        size_t n = strlen(key);

        if (!strneq(kv, key, n))
                return false;
        if (kv[n] == '=') {
                *value = kv + n + 1;
                return true;
        }
        if (kv[n] == 0) {
                *value = NULL;
                return true;
        }
        return false;
}

int mount_parse(const char *s, const char *volumes_dir, MountSpec *ret)
{
        _cleanup_strv_free_ char **kvs = NULL;
        _cleanup_free_ char *type = NULL, *src = NULL;
        MountSpec m = {.tree_fd = -EBADF};
        uint64_t size = 0;
        int r;

        r = split_commas(s, &kvs);
        if (r < 0)
                return r;
        STRV_FOREACH (kv, kvs) {
                const char *v;
                char **target = NULL;

                if (key_is(*kv, "type", &v))
                        target = &type;
                else if (key_is(*kv, "source", &v) || key_is(*kv, "src", &v))
                        target = &src;
                else if (key_is(*kv, "destination", &v) || key_is(*kv, "dst", &v) ||
                         key_is(*kv, "target", &v))
                        target = &m.destination;
                else if (key_is(*kv, "readonly", &v) || key_is(*kv, "ro", &v)) {
                        r = v ? parse_boolean(v) : 1;
                        if (r < 0)
                                goto fail;
                        m.readonly = r;
                        continue;
                } else if (key_is(*kv, "tmpfs-size", &v)) {
                        r = v ? parse_size(v, &size) : -EINVAL;
                        if (r < 0)
                                goto fail;
                        continue;
                } else if (key_is(*kv, "tmpfs-mode", &v) || key_is(*kv, "bind-propagation", &v) ||
                           key_is(*kv, "consistency", &v) || key_is(*kv, "volume-nocopy", &v) ||
                           key_is(*kv, "relabel", &v)) {
                        /* modes go to the tmpfs below; the rest has no
                         * effect on a private mount tree */
                        if (strneq(*kv, "tmpfs-mode=", 11) && v) {
                                char buf[32];
                                snprintf(buf, sizeof(buf), "mode=%s", v);
                                if (strchr(v, ',') || data_append(&m.data, buf) < 0) {
                                        r = -EINVAL;
                                        goto fail;
                                }
                        }
                        continue;
                } else {
                        r = -EINVAL;
                        goto fail;
                }
                if (!v) {
                        r = -EINVAL;
                        goto fail;
                }
                free(*target);
                *target = strdup(v);
                if (!*target) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        r = -EINVAL;
        if (!type || !m.destination || m.destination[0] != '/')
                goto fail;
        if (streq(type, "bind") || streq(type, "volume")) {
                if (!src || (streq(type, "bind") && src[0] != '/'))
                        goto fail;
                m.kind = MOUNT_BIND;
                m.recursive = true;
                r = volume_source(src, volumes_dir, &m.source);
                if (r < 0)
                        goto fail;
        } else if (streq(type, "tmpfs")) {
                char buf[48];
                m.kind = MOUNT_FS;
                m.flags = MS_NOSUID | MS_NODEV | (m.readonly ? MS_RDONLY : 0);
                if (!(m.source = strdup("tmpfs")) || !(m.fstype = strdup("tmpfs"))) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (size > 0) {
                        snprintf(buf, sizeof(buf), "size=%llu", (unsigned long long)size);
                        if (data_append(&m.data, buf) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
        } else
                goto fail;
        *ret = m;
        return 0;
fail:
        mount_spec_done_static(&m);
        return r;
}

int tmpfs_parse(const char *s, MountSpec *ret)
{
        _cleanup_free_ char *copy = strdup(s);
        _cleanup_strv_free_ char **opts = NULL;
        MountSpec m = {
            .kind = MOUNT_FS, .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC, .tree_fd = -EBADF};
        char *o;
        int r;

        if (!copy)
                return -ENOMEM;
        o = strchr(copy, ':');
        if (o) {
                *o++ = 0;
                r = split_commas(o, &opts);
                if (r < 0)
                        return r;
        }
        if (copy[0] != '/')
                return -EINVAL;
        if (!(m.destination = strdup(copy)) || !(m.source = strdup("tmpfs")) ||
            !(m.fstype = strdup("tmpfs")))
                r = -ENOMEM;
        else
                r = mount_spec_set_options(&m, opts);
        if (r >= 0 && m.kind != MOUNT_FS)
                r = -EINVAL;
        if (r < 0) {
                mount_spec_done_static(&m);
                return r;
        }
        *ret = m;
        return 0;
}
