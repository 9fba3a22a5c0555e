/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-container.h"
#include "container-options.h"
#include "container.h"
#include "image.h"
#include "log.h"
#include "macro.h"
#include "polkit.h"
#include "strv.h"
#include "transfer.h"

int bus_error_from_errno(sd_bus_error *error, int r, const char *what)
{
        return sd_bus_error_set_errnof(error, r, "%s: %m", what);
}

static int resolve_image(Manager *m, const char *ref, Image **ret, sd_bus_error *error)
{
        int r;

        if (!image_reference_is_plausible(ref))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid image reference");
        r = store_image_resolve(m->store, ref, ret);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "image %s not found",
                                         ref);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid image reference \"%s\"", ref);
        if (r < 0)
                return bus_error_from_errno(error, r, ref);
        return 0;
}

/* The name a container records: the image's name the reference stands for
 * ("busybox" for "docker.io/library/busybox:latest"), else its id. */
static const char *image_pick_name(Image *image, const char *ref)
{
        size_t n = strlen(ref);

        STRV_FOREACH (name, image->names) {
                size_t l = strlen(*name);
                const char *tail;

                if (streq(*name, ref))
                        return *name;
                if (l > n && (*name)[l - n - 1] == '/' && streq(*name + l - n, ref))
                        return *name;
                /* "busybox" against ".../busybox:latest" */
                tail = strrchr(*name, '/');
                if (tail && strneq(tail + 1, ref, n) && streq(tail + 1 + n, ":latest"))
                        return *name;
        }
        return image->names && image->names[0] ? image->names[0] : image->id;
}

static int lookup_container(Manager *m, sd_bus_message *call, Container **ret, sd_bus_error *error)
{
        const char *name;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        if (!container_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid container name");
        *ret = container_find(m, name);
        if (!*ret)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_CONTAINER,
                                         "no container named %s", name);
        return 0;
}

static int method_list_images(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        Image **images = NULL;
        size_t n = 0;
        int r;

        manager_touch(m);
        r = store_image_list(m->store, &images, &n);
        if (r < 0)
                return bus_error_from_errno(error, r, "cannot list images");
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sasttso)");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                Image *im = images[i];

                if (r >= 0)
                        r = image_object_path(im->id, &path);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'r', "sasttso");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", im->id);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, im->names);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ttso", im->size,
                                                  image_created_usec(im->config.created),
                                                  strempty(im->manifest_digest), path);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                image_free(im);
        }
        free(images);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_image(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        _cleanup_(image_freep) Image *image = NULL;
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;
        const char *ref;
        int r;

        manager_touch(m);
        r = sd_bus_message_read(call, "s", &ref);
        if (r < 0)
                return r;
        r = resolve_image(m, ref, &image, error);
        if (r < 0)
                return r;
        r = image_object_path(image->id, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "o", path);
}

static int method_remove_image(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        _cleanup_(image_freep) Image *image = NULL;
        _cleanup_(image_freep) Image *after = NULL;
        _cleanup_free_ char *path = NULL;
        Manager *m = userdata;
        const char *ref;
        int r;

        manager_touch(m);
        r = sd_bus_message_read(call, "s", &ref);
        if (r < 0)
                return r;
        r = resolve_image(m, ref, &image, error);
        if (r < 0)
                return r;
        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_IMAGES, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        if (image->containers && image->containers[0])
                return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_IN_USE,
                                         "image %s is in use by container %s", ref,
                                         image->containers[0]);
        r = store_image_remove(m->store, ref);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_IN_USE,
                                         "image %s is in use by a container", ref);
        if (r < 0)
                return bus_error_from_errno(error, r, "cannot remove image");
        log_info("removed image %s", ref);
        r = image_object_path(image->id, &path);
        if (r < 0)
                return r;
        /* the image itself stays while it has other names */
        if (store_image_resolve(m->store, image->id, &after) == -ENOENT) {
                (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER,
                                         "ImageRemoved", "so", image->id, path);
                (void)sd_bus_emit_object_removed(m->bus, path);
        } else
                (void)sd_bus_emit_properties_changed(m->bus, path, BERTH_IFACE_IMAGE, "Names",
                                                     NULL);
        return sd_bus_reply_method_return(call, NULL);
}

static int method_pull_image(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        Transfer *t;
        const char *ref;
        int r;

        manager_touch(m);
        r = sd_bus_message_read(call, "s", &ref);
        if (r < 0)
                return r;
        if (!image_reference_is_plausible(ref))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid image reference");
        r = polkit_verify(m, call, POLKIT_ACTION_PULL, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        r = transfer_pull(m, ref, &t, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "o", t->object_path);
}

static int method_import_image(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *name;
        Transfer *t;
        int fd, r;

        manager_touch(m);
        r = sd_bus_message_read(call, "hs", &fd, &name);
        if (r < 0)
                return r;
        if (!isempty(name) && !image_reference_is_plausible(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid image reference");
        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_IMAGES, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        r = transfer_import(m, fd, isempty(name) ? NULL : name, &t, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "o", t->object_path);
}

static int method_export_image(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        _cleanup_(image_freep) Image *image = NULL;
        Manager *m = userdata;
        const char *ref;
        Transfer *t;
        int fd, r;

        manager_touch(m);
        r = sd_bus_message_read(call, "sh", &ref, &fd);
        if (r < 0)
                return r;
        r = resolve_image(m, ref, &image, error);
        if (r < 0)
                return r;
        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_IMAGES, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        r = transfer_export(m, image->id, fd, &t, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "o", t->object_path);
}

static int method_list_containers(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        manager_touch(m);
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssssto)");
        for (Container *c = m->containers; c && r >= 0; c = c->next)
                r = sd_bus_message_append(reply, "(sssssto)", c->rec->name, c->rec->id,
                                          c->rec->image, container_state(c), c->unit,
                                          c->rec->created, c->object_path);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_container(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        Container *c;
        int r;

        manager_touch(m);
        r = lookup_container(m, call, &c, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "o", c->object_path);
}

/* The network settings together, and a named network must exist: its
 * configuration is STATE/networks/NAME.json, where berth-netns create (a
 * NAME-network.service) writes it and the runtime reads it. */
static int check_network(Manager *m, const ContainerRecord *rec, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;
        const char *why = container_record_network_error(rec);

        if (why)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", why);
        if (!rec->network || !network_name_is_valid(rec->network))
                return 0;
        if (asprintf(&path, "%s/networks/%s.json", m->state_dir, rec->network) < 0)
                return -ENOMEM;
        if (access(path, F_OK) < 0)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_NETWORK,
                                         "no network named %s (create it with a .network file "
                                         "or berth-netns create)",
                                         rec->network);
        return 0;
}

static int method_create_container(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        _cleanup_(container_record_freep) ContainerRecord *rec = NULL;
        _cleanup_(image_freep) Image *image = NULL;
        Manager *m = userdata;
        const char *ref;
        Container *c;
        int r;

        manager_touch(m);
        r = container_create_args_read(call, &rec, &ref, error);
        if (r < 0)
                return r;
        r = check_network(m, rec, error);
        if (r < 0)
                return r;
        r = resolve_image(m, ref, &image, error);
        if (r < 0)
                return r;
        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_CONTAINERS, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        if (container_find(m, rec->name))
                return sd_bus_error_setf(error, BERTH_ERROR_CONTAINER_EXISTS,
                                         "a container named %s exists already", rec->name);

        rec->image = strdup(image_pick_name(image, ref));
        rec->image_id = strdup(image->id);
        if (!rec->image || !rec->image_id)
                return -ENOMEM;

        r = container_record_save(m->containers_dir, rec);
        if (r < 0)
                return bus_error_from_errno(error, r, "cannot save the container record");
        r = image_ref_container(m, rec->image_id, rec->name);
        if (r < 0) {
                (void)container_record_remove(m->containers_dir, rec->name);
                return bus_error_from_errno(error, r, "cannot reference the image");
        }
        r = container_add(m, TAKE_PTR(rec), false, &c);
        if (r < 0)
                return bus_error_from_errno(error, r, "cannot load the new container");
        log_info("created container %s from %s", c->rec->name, c->rec->image);
        (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "ContainerNew",
                                 "so", c->rec->name, c->object_path);
        (void)sd_bus_emit_object_added(m->bus, c->object_path);
        return sd_bus_reply_method_return(call, "o", c->object_path);
}

static int method_start_container(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Container *c;
        int r;

        manager_touch(userdata);
        r = lookup_container(userdata, call, &c, error);
        return r < 0 ? r : bus_container_start(call, c, error);
}

static int method_stop_container(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Container *c;
        int r;

        manager_touch(userdata);
        r = lookup_container(userdata, call, &c, error);
        return r < 0 ? r : bus_container_stop(call, c, error);
}

static int method_kill_container(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Container *c;
        int32_t signo;
        int r;

        manager_touch(userdata);
        r = lookup_container(userdata, call, &c, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "i", &signo);
        return r < 0 ? r : bus_container_kill(call, c, signo, error);
}

static int method_remove_container(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        Container *c;
        int force, r;

        manager_touch(userdata);
        r = lookup_container(userdata, call, &c, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "b", &force);
        return r < 0 ? r : bus_container_remove(call, c, force, error);
}

#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED
const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("ListImages", "", , "a(sasttso)", SD_BUS_PARAM(images),
                             method_list_images, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("GetImage", "s", SD_BUS_PARAM(image), "o", SD_BUS_PARAM(path),
                             method_get_image, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("PullImage", "s", SD_BUS_PARAM(reference), "o", SD_BUS_PARAM(transfer),
                             method_pull_image, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("ImportImage", "hs", SD_BUS_PARAM(fd) SD_BUS_PARAM(name), "o",
                             SD_BUS_PARAM(transfer), method_import_image, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("ExportImage", "sh", SD_BUS_PARAM(image) SD_BUS_PARAM(fd), "o",
                             SD_BUS_PARAM(transfer), method_export_image, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("RemoveImage", "s", SD_BUS_PARAM(image), "", , method_remove_image,
                             UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("ListContainers", "", , "a(sssssto)", SD_BUS_PARAM(containers),
                             method_list_containers, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("GetContainer", "s", SD_BUS_PARAM(name), "o", SD_BUS_PARAM(path),
                             method_get_container, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("CreateContainer", "ssa{sv}",
                             SD_BUS_PARAM(name) SD_BUS_PARAM(image) SD_BUS_PARAM(options), "o",
                             SD_BUS_PARAM(path), method_create_container, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("StartContainer", "s", SD_BUS_PARAM(name), "", ,
                             method_start_container, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("StopContainer", "s", SD_BUS_PARAM(name), "", , method_stop_container,
                             UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("KillContainer", "si", SD_BUS_PARAM(name) SD_BUS_PARAM(signal), "", ,
                             method_kill_container, UNPRIV),
    SD_BUS_METHOD_WITH_NAMES("RemoveContainer", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(force), "", ,
                             method_remove_container, UNPRIV),
    SD_BUS_SIGNAL_WITH_NAMES("ImageNew", "so", SD_BUS_PARAM(id) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ImageRemoved", "so", SD_BUS_PARAM(id) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ContainerNew", "so", SD_BUS_PARAM(name) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("ContainerRemoved", "so", SD_BUS_PARAM(name) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("TransferNew", "uo", SD_BUS_PARAM(id) SD_BUS_PARAM(path), 0),
    SD_BUS_SIGNAL_WITH_NAMES("TransferRemoved", "uos",
                             SD_BUS_PARAM(id) SD_BUS_PARAM(path) SD_BUS_PARAM(result), 0),
    SD_BUS_VTABLE_END,
};
