/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bus-container.h"
#include "log.h"
#include "macro.h"
#include "polkit.h"
#include "strv.h"
#include "systemd.h"

int bus_container_start(sd_bus_message *call, Container *c, sd_bus_error *error)
{
        Manager *m = c->manager;
        int r;

        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_CONTAINERS, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        r = systemd_start_container(m, c, call);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot start %s: %m", c->rec->name);
        return 1;
}

int bus_container_stop(sd_bus_message *call, Container *c, sd_bus_error *error)
{
        Manager *m = c->manager;
        int r;

        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_CONTAINERS, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        r = systemd_stop_container(m, c, call, false);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot stop %s: %m", c->rec->name);
        return 1;
}

int bus_container_kill(sd_bus_message *call, Container *c, int signo, sd_bus_error *error)
{
        Manager *m = c->manager;
        int r;

        if (signo <= 0 || signo >= _NSIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "invalid signal %d",
                                         signo);
        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_CONTAINERS, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        r = systemd_kill_container(m, c, call, signo);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot kill %s: %m", c->rec->name);
        return 1;
}

int bus_container_remove(sd_bus_message *call, Container *c, bool force, sd_bus_error *error)
{
        Manager *m = c->manager;
        int r;

        r = polkit_verify(m, call, POLKIT_ACTION_MANAGE_CONTAINERS, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 1: handled; polkit's answer dispatches it again */
        if (container_is_active(c)) {
                if (!force)
                        return sd_bus_error_setf(error, BERTH_ERROR_CONTAINER_RUNNING,
                                                 "container %s is %s; stop it first or force",
                                                 c->rec->name, container_state(c));
                r = systemd_stop_container(m, c, call, true);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "cannot stop %s: %m",
                                                       c->rec->name);
                return 1;
        }
        r = container_remove(c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot remove container: %m");
        return sd_bus_reply_method_return(call, NULL);
}

static int method_start(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        manager_touch(((Container *)userdata)->manager);
        return bus_container_start(call, userdata, error);
}

static int method_stop(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        manager_touch(((Container *)userdata)->manager);
        return bus_container_stop(call, userdata, error);
}

static int method_kill(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        int32_t signo;
        int r;

        manager_touch(((Container *)userdata)->manager);
        r = sd_bus_message_read(call, "i", &signo);
        if (r < 0)
                return r;
        return bus_container_kill(call, userdata, signo, error);
}

static int method_remove(sd_bus_message *call, void *userdata, sd_bus_error *error)
{
        int force, r;

        manager_touch(((Container *)userdata)->manager);
        r = sd_bus_message_read(call, "b", &force);
        if (r < 0)
                return r;
        return bus_container_remove(call, userdata, force, error);
}

static const char *container_property_string(Container *c, const char *p)
{
        ContainerRecord *r = c->rec;

        if (streq(p, "Name"))
                return r->name;
        if (streq(p, "Id"))
                return r->id;
        if (streq(p, "Image"))
                return r->image;
        if (streq(p, "ImageId"))
                return r->image_id;
        if (streq(p, "Unit"))
                return c->unit;
        if (streq(p, "State"))
                return container_state(c);
        if (streq(p, "Entrypoint"))
                return r->entrypoint;
        if (streq(p, "User"))
                return r->user;
        if (streq(p, "WorkingDirectory"))
                return r->workdir;
        if (streq(p, "Restart"))
                return restart_policy_to_string(r->restart);
        if (streq(p, "Network"))
                return r->network ?: "bridge";
        if (streq(p, "IP"))
                return r->ip;
        return NULL;
}

static int property_get_string(sd_bus *bus, const char *path, const char *iface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s",
                                     strempty(container_property_string(userdata, property)));
}

static int property_get_strv(sd_bus *bus, const char *path, const char *iface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        ContainerRecord *r = ((Container *)userdata)->rec;
        char **l = streq(property, "Command")     ? r->command
                   : streq(property, "Env")       ? r->env
                   : streq(property, "Publish")   ? r->publish
                   : streq(property, "DNS")       ? r->dns
                   : streq(property, "DNSSearch") ? r->dns_search
                   : streq(property, "DNSOption") ? r->dns_option
                   : streq(property, "AddHost")   ? r->add_host
                                                  : r->volumes;

        return sd_bus_message_append_strv(reply, l);
}

static int property_get_u64(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Container *c = userdata;
        uint64_t v = streq(property, "Created")     ? c->rec->created
                     : streq(property, "StartedAt") ? c->started_at
                     : streq(property, "MemoryMax") ? c->rec->memory_max
                     : streq(property, "TasksMax")  ? c->rec->tasks_max
                                                    : c->rec->cpu_quota;

        return sd_bus_message_append(reply, "t", v);
}

static int property_get_main_pid(sd_bus *bus, const char *path, const char *iface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Container *c = userdata;

        return sd_bus_message_append(reply, "u", container_is_active(c) ? c->main_pid : 0);
}

static int property_get_exit_status(sd_bus *bus, const char *path, const char *iface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error)
{
        return sd_bus_message_append(reply, "i", ((Container *)userdata)->exit_status);
}

static int property_get_auto_remove(sd_bus *bus, const char *path, const char *iface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error)
{
        return sd_bus_message_append(reply, "b", ((Container *)userdata)->rec->auto_remove);
}

#define CHANGES SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
const sd_bus_vtable container_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Id", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Image", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("ImageId", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Unit", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("State", "s", property_get_string, 0, CHANGES),
    SD_BUS_PROPERTY("MainPID", "u", property_get_main_pid, 0, CHANGES),
    SD_BUS_PROPERTY("ExitStatus", "i", property_get_exit_status, 0, CHANGES),
    SD_BUS_PROPERTY("Created", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("StartedAt", "t", property_get_u64, 0, CHANGES),
    SD_BUS_PROPERTY("Command", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Entrypoint", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Env", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Volumes", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("User", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("WorkingDirectory", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Restart", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("AutoRemove", "b", property_get_auto_remove, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("MemoryMax", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("CPUQuotaPerSecUSec", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("TasksMax", "t", property_get_u64, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Network", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("IP", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("Publish", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("DNS", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("DNSSearch", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("DNSOption", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_PROPERTY("AddHost", "as", property_get_strv, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_METHOD("Start", "", "", method_start, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Stop", "", "", method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Kill", "i", SD_BUS_PARAM(signal), "", , method_kill,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Remove", "b", SD_BUS_PARAM(force), "", , method_remove,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

int bus_container_find(sd_bus *bus, const char *path, const char *iface, void *userdata,
                       void **found, sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        Container *c;
        int r;

        r = sd_bus_path_decode(path, BERTH_CONTAINER_PATH, &name);
        if (r <= 0)
                return r;
        c = container_find(m, name);
        if (!c)
                return 0;
        *found = c;
        return 1;
}

int bus_container_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                            sd_bus_error *error)
{
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (Container *c = m->containers; c; c = c->next) {
                r = strv_extend(&l, c->object_path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
