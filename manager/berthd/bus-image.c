/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "image.h"
#include "macro.h"
#include "strv.h"

static int property_get_string(sd_bus *bus, const char *path, const char *iface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        Image *i = userdata;
        const char *v = streq(property, "Id")             ? i->id
                        : streq(property, "Digest")       ? i->manifest_digest
                        : streq(property, "Architecture") ? i->config.architecture
                        : streq(property, "User")         ? i->config.user
                                                          : i->config.workdir;

        return sd_bus_message_append(reply, "s", strempty(v));
}

static int property_get_strv(sd_bus *bus, const char *path, const char *iface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Image *i = userdata;
        char **v = streq(property, "Names")          ? i->names
                   : streq(property, "Entrypoint")   ? i->config.entrypoint
                   : streq(property, "Cmd")          ? i->config.cmd
                   : streq(property, "Env")          ? i->config.env
                   : streq(property, "ExposedPorts") ? i->config.exposed_ports
                                                     : i->containers;

        return sd_bus_message_append_strv(reply, v);
}

static int property_get_labels(sd_bus *bus, const char *path, const char *iface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        Image *i = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        STRV_FOREACH (l, i->config.labels) {
                _cleanup_free_ char *key = NULL;
                const char *eq = strchr(*l, '=');

                key = eq ? strndup(*l, eq - *l) : strdup(*l);
                if (!key)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "{ss}", key, eq ? eq + 1 : "");
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_u64(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Image *i = userdata;

        return sd_bus_message_append(
            reply, "t", streq(property, "Size") ? i->size : image_created_usec(i->config.created));
}

const sd_bus_vtable image_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Id", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Names", "as", property_get_strv, 0, 0),
    SD_BUS_PROPERTY("Digest", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Size", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Created", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Architecture", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Entrypoint", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Cmd", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Env", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("User", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("WorkingDir", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("ExposedPorts", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Labels", "a{ss}", property_get_labels, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Containers", "as", property_get_strv, 0, 0),
    SD_BUS_VTABLE_END,
};

int bus_image_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                   sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *hex = NULL, *id = NULL;
        Image *image = NULL;
        int r;

        r = sd_bus_path_decode(path, BERTH_IMAGE_PATH, &hex);
        if (r <= 0)
                return r;
        if (asprintf(&id, "sha256:%s", hex) < 0)
                return -ENOMEM;
        if (!digest_is_valid(id))
                return 0;
        r = store_image_resolve(m->store, id, &image);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        image_free(m->image_cache);
        m->image_cache = image;
        *found = image;
        return 1;
}

int bus_image_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                        sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        Image **images = NULL;
        size_t n = 0;
        int r;

        r = store_image_list(m->store, &images, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char *p = NULL;
                if (r >= 0)
                        r = image_object_path(images[i]->id, &p);
                if (r >= 0)
                        r = strv_consume(&l, p);
                image_free(images[i]);
        }
        free(images);
        if (r < 0)
                return r;
        *nodes = TAKE_PTR(l);
        return 1;
}
