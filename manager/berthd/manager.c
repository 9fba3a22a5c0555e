/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "container.h"
#include "image.h"
#include "log.h"
#include "macro.h"
#include "polkit.h"
#include "strv.h"
#include "systemd.h"
#include "transfer.h"

static uint64_t now_monotonic(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

void manager_touch(Manager *m)
{
        m->last_activity_usec = now_monotonic();
}

bool manager_is_idle(Manager *m)
{
        return m->n_busy == 0 && !m->transfers;
}

int manager_new(Manager **ret)
{
        _cleanup_(manager_freep) Manager *m = NULL;
        const char *e;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->idle_timeout_usec = 30 * 1000000ULL;
        e = getenv("BERTH_STATE_DIR");
        m->state_dir = strdup(e ?: BERTH_STATEDIR);
        e = getenv("BERTH_RUNTIME");
        m->runtime_path = strdup(e ?: BERTH_RUNTIME_PATH);
        if (!m->state_dir || !m->runtime_path)
                return -ENOMEM;
        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        manager_touch(m);
        *ret = TAKE_PTR(m);
        return 0;
}

void manager_free(Manager *m)
{
        if (!m)
                return;
        transfers_cancel_all(m);
        systemd_jobs_free(m);
        polkit_queries_free(m);
        while (m->containers) {
                Container *c = m->containers;
                m->containers = c->next;
                container_free(c);
        }
        image_free(m->image_cache);
        store_free(m->store);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m->state_dir);
        free(m->containers_dir);
        free(m->runtime_path);
        free(m);
}

int manager_load(Manager *m)
{
        _cleanup_strv_free_ char **names = NULL;
        int r;

        free(m->containers_dir);
        if (asprintf(&m->containers_dir, "%s/containers", m->state_dir) < 0)
                return log_oom();
        r = store_open(m->state_dir, &m->store);
        if (r < 0)
                return log_error_errno(r, "open the image store in %s", m->state_dir);
        r = container_record_list(m->containers_dir, &names);
        if (r < 0)
                return log_error_errno(r, "list containers in %s", m->containers_dir);
        STRV_FOREACH (n, names) {
                ContainerRecord *rec;

                r = container_record_load(m->containers_dir, *n, &rec);
                if (r < 0) {
                        /* one bad record must not take the others down */
                        log_warning_errno(r, "ignoring unreadable container record %s", *n);
                        continue;
                }
                r = container_add(m, rec, true, NULL);
                if (r < 0)
                        return log_error_errno(r, "load container %s", *n);
        }
        image_drop_stale_refs(m);
        return 0;
}

int manager_connect(Manager *m, const char *address)
{
        int r;

        if (address) {
                r = sd_bus_new(&m->bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->bus, true);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
        } else
                r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "connect to the bus");

        r = sd_bus_add_object_vtable(m->bus, NULL, BERTH_OBJECT_PATH, BERTH_IFACE_MANAGER,
                                     manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "register the manager object");
        r = sd_bus_add_fallback_vtable(m->bus, NULL, BERTH_CONTAINER_PATH, BERTH_IFACE_CONTAINER,
                                       container_vtable, bus_container_find, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, BERTH_CONTAINER_PATH,
                                               bus_container_enumerate, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(m->bus, NULL, BERTH_IMAGE_PATH, BERTH_IFACE_IMAGE,
                                               image_vtable, bus_image_find, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, BERTH_IMAGE_PATH, bus_image_enumerate,
                                               m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(m->bus, NULL, BERTH_TRANSFER_PATH,
                                               BERTH_IFACE_TRANSFER, transfer_vtable,
                                               bus_transfer_find, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, BERTH_TRANSFER_PATH,
                                               bus_transfer_enumerate, m);
        if (r >= 0)
                r = sd_bus_add_object_manager(m->bus, NULL, BERTH_OBJECT_PATH);
        if (r < 0)
                return log_error_errno(r, "register objects");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "attach the bus to the event loop");
        r = systemd_subscribe(m);
        if (r < 0)
                return r;
        return 0;
}

static int request_name(Manager *m)
{
        int r;

        /* synchronous: until we own the name there is nothing to serve */
        r = sd_bus_request_name(m->bus, BERTH_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "acquire the bus name %s", BERTH_BUS_NAME);
        return 0;
}

int manager_run(Manager *m)
{
        int r;

        r = request_name(m);
        if (r < 0)
                return r;
        (void)sd_notify(false, "READY=1\nSTATUS=Serving " BERTH_BUS_NAME);

        for (;;) {
                uint64_t now, left = UINT64_MAX;

                if (m->idle_timeout_usec > 0 && manager_is_idle(m)) {
                        now = now_monotonic();
                        if (now >= m->last_activity_usec + m->idle_timeout_usec)
                                break;
                        left = m->last_activity_usec + m->idle_timeout_usec - now;
                }
                r = sd_event_run(m->event, left);
                if (r < 0)
                        return log_error_errno(r, "event loop");
                if (sd_event_get_state(m->event) == SD_EVENT_FINISHED)
                        return 0;
        }

        /* Give the name back before leaving so that the next call starts a
         * new berthd instead of being queued for this dying one; calls that
         * arrived meanwhile are still answered. */
        log_info("idle, exiting");
        (void)sd_notify(false, "STOPPING=1");
        r = sd_bus_release_name(m->bus, BERTH_BUS_NAME);
        if (r < 0)
                log_warning_errno(r, "release the bus name");
        for (;;) {
                r = sd_bus_process(m->bus, NULL);
                if (r <= 0)
                        break;
        }
        return 0;
}
