/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"
#include "fileio.h"
#include "image.h"
#include "log.h"
#include "macro.h"
#include "systemd.h"

void container_free(Container *c)
{
        if (!c)
                return;
        sd_bus_slot_unref(c->slot_changed);
        sd_bus_slot_unref(c->slot_get[0]);
        sd_bus_slot_unref(c->slot_get[1]);
        sd_event_source_disable_unref(c->remove_later);
        container_record_free(c->rec);
        free(c->unit);
        free(c->unit_path);
        free(c->object_path);
        free(c->load_state);
        free(c->active_state);
        free(c->sub_state);
        free(c);
}

Container *container_find(Manager *m, const char *name)
{
        for (Container *c = m->containers; c; c = c->next)
                if (streq(c->rec->name, name))
                        return c;
        return NULL;
}

bool container_is_active(Container *c)
{
        return c->active_state && !streq(c->active_state, "inactive") &&
               !streq(c->active_state, "failed");
}

const char *container_state(Container *c)
{
        _cleanup_free_ char *upper = NULL;
        const char *a = c->active_state, *s = strempty(c->sub_state);

        if (a && streq(a, "active"))
                return "running";
        if (a && streq(a, "activating"))
                return streq(s, "auto-restart") ? "restarting" : "starting";
        if (a && (streq(a, "deactivating") || streq(a, "reloading")))
                return "stopping";
        /* the unit is gone or never was: a container that ran has a
         * writable layer */
        if (c->started_at > 0 || c->was_active)
                return "exited";
        if (asprintf(&upper, "%s/%s/upper", c->manager->containers_dir, c->rec->name) >= 0 &&
            access(upper, F_OK) == 0)
                return "exited";
        return "created";
}

static int set_string(char **p, const char *v, bool *changed)
{
        if (*p && v && streq(*p, v))
                return 0;
        free(*p);
        *p = v ? strdup(v) : NULL;
        if (v && !*p)
                return -ENOMEM;
        *changed = true;
        return 0;
}

static int on_remove_later(sd_event_source *s, void *userdata)
{
        Container *c = userdata;

        c->remove_later = sd_event_source_disable_unref(c->remove_later);
        (void)container_remove(c);
        return 0;
}

int container_apply_unit_properties(Container *c, sd_bus_message *msg)
{
        const char *old_state = container_state(c);
        bool changed = false, pid_changed = false, status_changed = false, time_changed = false;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key, *s;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "ActiveState") || streq(key, "SubState") ||
                    streq(key, "LoadState")) {
                        char **p = streq(key, "ActiveState") ? &c->active_state
                                   : streq(key, "SubState")  ? &c->sub_state
                                                             : &c->load_state;
                        r = sd_bus_message_read(msg, "v", "s", &s);
                        if (r < 0)
                                return r;
                        r = set_string(p, s, &changed);
                } else if (streq(key, "MainPID")) {
                        uint32_t pid;
                        r = sd_bus_message_read(msg, "v", "u", &pid);
                        if (r >= 0 && pid != c->main_pid) {
                                c->main_pid = pid;
                                pid_changed = true;
                        }
                } else if (streq(key, "ExecMainStatus")) {
                        int32_t st;
                        r = sd_bus_message_read(msg, "v", "i", &st);
                        if (r >= 0 && st != c->exit_status) {
                                c->exit_status = st;
                                status_changed = true;
                        }
                } else if (streq(key, "ExecMainStartTimestamp")) {
                        uint64_t t;
                        r = sd_bus_message_read(msg, "v", "t", &t);
                        if (r >= 0 && t != 0 && t != c->started_at) {
                                c->started_at = t;
                                time_changed = true;
                        }
                } else
                        r = sd_bus_message_skip(msg, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;

        if (c->active_state && streq(c->active_state, "active"))
                c->was_active = true;

        if (!streq(old_state, container_state(c)) || changed)
                (void)sd_bus_emit_properties_changed(c->manager->bus, c->object_path,
                                                     BERTH_IFACE_CONTAINER, "State", NULL);
        if (pid_changed)
                (void)sd_bus_emit_properties_changed(c->manager->bus, c->object_path,
                                                     BERTH_IFACE_CONTAINER, "MainPID", NULL);
        if (status_changed)
                (void)sd_bus_emit_properties_changed(c->manager->bus, c->object_path,
                                                     BERTH_IFACE_CONTAINER, "ExitStatus", NULL);
        if (time_changed)
                (void)sd_bus_emit_properties_changed(c->manager->bus, c->object_path,
                                                     BERTH_IFACE_CONTAINER, "StartedAt", NULL);

        /* --rm on a detached container: the record goes once it stopped for
         * good (with a restart policy, auto-restart is not "for good") */
        if (c->rec->auto_remove && c->was_active && !c->removing &&
            streq(container_state(c), "exited")) {
                log_info("container %s exited, removing it (--rm)", c->rec->name);
                c->removing = true;
                /* not from within the callback of a match c itself owns */
                r = sd_event_add_defer(c->manager->event, &c->remove_later, on_remove_later, c);
                if (r < 0)
                        return log_error_errno(r, "schedule removal of %s", c->rec->name);
                return 1;
        }
        return 0;
}

static int on_unit_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Container *c = userdata;
        const char *iface;
        bool unit_iface;
        int r;

        r = sd_bus_message_read(msg, "s", &iface);
        if (r < 0)
                return 0;
        unit_iface = streq(iface, "org.freedesktop.systemd1.Unit");
        if (!unit_iface && !streq(iface, "org.freedesktop.systemd1.Service"))
                return 0;
        r = container_apply_unit_properties(c, msg);
        if (r < 0)
                log_debug_errno(r, "unreadable PropertiesChanged of %s", c->unit);
        /* The service's MainPID and exit status are not always in its own
         * signal, and replies to earlier reads may be stale: read them again
         * whenever the unit's state moves. */
        else if (r == 0 && unit_iface)
                (void)container_refresh(c);
        return 0;
}

static int on_get_all_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Container *c = userdata;
        int r;

        if (sd_bus_message_is_method_error(reply, NULL))
                return 0; /* systemd gone or unit unknown: keep what we have */
        r = container_apply_unit_properties(c, reply);
        if (r < 0)
                log_debug_errno(r, "unreadable properties of %s", c->unit);
        return 0;
}

int container_refresh(Container *c)
{
        static const char *const ifaces[] = {"org.freedesktop.systemd1.Unit",
                                             "org.freedesktop.systemd1.Service"};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(ifaces); i++) {
                c->slot_get[i] = sd_bus_slot_unref(c->slot_get[i]);
                r = sd_bus_call_method_async(c->manager->bus, &c->slot_get[i],
                                             "org.freedesktop.systemd1", c->unit_path,
                                             "org.freedesktop.DBus.Properties", "GetAll",
                                             on_get_all_reply, c, "s", ifaces[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* At start-up: a client's first call may come before any asynchronous
 * answer, and must not see a running container as stopped. */
static int container_refresh_sync(Container *c)
{
        static const char *const ifaces[] = {"org.freedesktop.systemd1.Unit",
                                             "org.freedesktop.systemd1.Service"};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(ifaces); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                r = sd_bus_call_method(c->manager->bus, "org.freedesktop.systemd1", c->unit_path,
                                       "org.freedesktop.DBus.Properties", "GetAll", &e, &reply, "s",
                                       ifaces[i]);
                if (r < 0) /* systemd unreachable: the state stays unknown */
                        return log_debug_errno(r, "read the state of %s", c->unit);
                r = container_apply_unit_properties(c, reply);
                if (r < 0)
                        return log_debug_errno(r, "unreadable state of %s", c->unit);
        }
        return 0;
}

int container_add(Manager *m, ContainerRecord *rec, bool sync_state, Container **ret)
{
        Container *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c) {
                container_record_free(rec);
                return -ENOMEM;
        }
        c->manager = m;
        c->rec = rec;
        r = container_unit_name(rec->name, "service", &c->unit);
        if (r >= 0)
                r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", c->unit, &c->unit_path);
        if (r >= 0)
                r = sd_bus_path_encode(BERTH_CONTAINER_PATH, rec->name, &c->object_path);
        if (r < 0)
                goto fail;
        if (m->bus) {
                r = sd_bus_match_signal_async(m->bus, &c->slot_changed, "org.freedesktop.systemd1",
                                              c->unit_path, "org.freedesktop.DBus.Properties",
                                              "PropertiesChanged", on_unit_properties_changed, NULL,
                                              c);
                if (r < 0)
                        goto fail;
                if (sync_state)
                        (void)container_refresh_sync(c);
                else {
                        r = container_refresh(c);
                        if (r < 0)
                                goto fail;
                }
        }
        c->next = m->containers;
        m->containers = c;
        if (ret)
                *ret = c;
        return 0;
fail:
        container_free(c);
        return r;
}

static void container_unlink(Manager *m, Container *c)
{
        for (Container **p = &m->containers; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        return;
                }
}

int container_remove(Container *c)
{
        Manager *m = c->manager;
        int r;

        r = image_unref_container(m, c->rec->image_id, c->rec->name);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "drop image reference of container %s", c->rec->name);
        r = container_record_remove(m->containers_dir, c->rec->name);
        if (r < 0)
                return log_error_errno(r, "remove container %s", c->rec->name);
        /* a removed container leaves no failed unit behind */
        systemd_reset_failed(m, c->unit);
        log_info("removed container %s", c->rec->name);
        (void)sd_bus_emit_signal(m->bus, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER, "ContainerRemoved",
                                 "so", c->rec->name, c->object_path);
        (void)sd_bus_emit_object_removed(m->bus, c->object_path);
        container_unlink(m, c);
        container_free(c);
        return 0;
}
