/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "names.h"
#include "parse-util.h"
#include "split.h"
#include "strv.h"

#define PODMAN "it configures podman"

static const KeyInfo volume_keys[] = {
    {"VolumeName", KEY_SUPPORTED, NULL},
    {"ServiceName", KEY_SUPPORTED, NULL},
    {"User", KEY_SUPPORTED, NULL},
    {"Group", KEY_SUPPORTED, NULL},
    {"Driver", KEY_SUPPORTED, NULL}, /* "local" only, checked by value */
    {"Label", KEY_IGNORED, "volume labels are not recorded"},
    {"Copy", KEY_IGNORED, "berth-runtime decides the first-use copy"},
    {"Device", KEY_UNSUPPORTED, "volumes are directories; mount devices with a .mount unit"},
    {"Type", KEY_UNSUPPORTED, "volumes are directories; mount devices with a .mount unit"},
    {"Options", KEY_UNSUPPORTED, "volumes are directories; mount devices with a .mount unit"},
    {"Image", KEY_UNSUPPORTED, "image volumes are not implemented"},
    {"ContainersConfModule", KEY_UNSUPPORTED, PODMAN},
    {"GlobalArgs", KEY_UNSUPPORTED, PODMAN},
    {"PodmanArgs", KEY_UNSUPPORTED, PODMAN},
    {NULL, 0, NULL},
};

char *volume_name_of(const Decl *d)
{
        const char *vn = unit_file_lookup(d->unit, "Volume", "VolumeName");
        _cleanup_free_ char *prefix = NULL, *instance = NULL;
        char *s = NULL;

        if (!isempty(vn))
                return strdup(vn);
        /* "cache@.volume" gives each instance its own volume. */
        if (unit_name_split_instance(d->filename, &prefix, &instance)) {
                if (asprintf(&s, "%s-%s", prefix, isempty(instance) ? "%i" : instance) < 0)
                        return NULL;
                return s;
        }
        return strndup(d->filename, strlen(d->filename) - strlen(".volume"));
}

/* lib/names.c's rule, with the specifiers systemd resolves */
bool volume_name_valid(const char *n)
{
        return object_name_is_valid(n, VOLUME_NAME_MAX, "%");
}

static int owner(Generator *g, Decl *d, const char *key, char **ret)
{
        const UnitEntry *e = unit_file_last(d->unit, "Volume", key);
        uint32_t id;

        *ret = NULL;
        if (!e || isempty(e->value))
                return 0;
        /* Host ids: names would be resolved against the host's passwd at
         * start, which is not what a volume shared with a container means. */
        if (parse_uint32(e->value, &id) < 0)
                return decl_fail(g, d, e, "'%s' is not a numeric id", e->value);
        *ret = strdup(e->value);
        return *ret ? 0 : log_oom();
}

int convert_volume(Generator *g, Decl *d)
{
        _cleanup_unit_file_ UnitFile *service = NULL;
        _cleanup_free_ char *name = NULL, *dir = NULL, *data = NULL, *uid = NULL, *gid = NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const char *driver = unit_file_lookup(d->unit, "Volume", "Driver");
        int r;

        r = decl_check_keys(g, d, volume_keys);
        if (r < 0)
                return r;
        if (!isempty(driver) && !streq(driver, "local"))
                return decl_fail(g, d, unit_file_last(d->unit, "Volume", "Driver"),
                                 "not supported by berth: volume driver %s", driver);
        name = volume_name_of(d);
        if (!name)
                return log_oom();
        if (!volume_name_valid(name))
                return decl_fail(g, d, unit_file_last(d->unit, "Volume", "VolumeName"),
                                 "'%s' is not a valid volume name", name);
        if (owner(g, d, "User", &uid) < 0 || owner(g, d, "Group", &gid) < 0)
                return -EINVAL;

        r = service_init(g, d, &service);
        if (r < 0)
                return r;
        if (asprintf(&dir, "%s/volumes/%s", g->state_dir, name) < 0 ||
            asprintf(&data, "%s/_data", dir) < 0)
                return log_oom();

        /* coreutils' install creates the directories with their owner in one
         * step and leaves existing data alone: nothing of berth must run. */
        strbuf_append(&b, "/usr/bin/install -d -m 0755");
        if (uid) {
                strbuf_append(&b, " -o ");
                strbuf_append(&b, uid);
        }
        if (gid) {
                strbuf_append(&b, " -g ");
                strbuf_append(&b, gid);
        }
        strbuf_putc(&b, ' ');
        escape_word(&b, dir);
        strbuf_putc(&b, ' ');
        escape_word(&b, data);
        if (strbuf_failed(&b) || unit_file_set(service, "Service", "Type", "oneshot") < 0 ||
            unit_file_set(service, "Service", "RemainAfterExit", "yes") < 0 ||
            unit_file_add(service, "Service", "ExecStart", b.s) < 0 ||
            unit_file_add(service, "Unit", "RequiresMountsFor", g->state_dir) < 0)
                return log_oom();
        if (!unit_file_has_key(service, "Service", "SyslogIdentifier") &&
            unit_file_set(service, "Service", "SyslogIdentifier", "%N") < 0)
                return log_oom();
        return service_finish(g, d, service);
}
