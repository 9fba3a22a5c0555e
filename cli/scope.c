/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "macro.h"
#include "scope.h"

#define SD_DEST    "org.freedesktop.systemd1"
#define SD_PATH    "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

typedef struct JobWait {
        const char *job;
        const char *result;
        char result_buf[64];
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        JobWait *w = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        if (w->job && streq(job, w->job)) {
                snprintf(w->result_buf, sizeof(w->result_buf), "%s", result);
                w->result = w->result_buf;
        }
        return 0;
}

static int open_systemd(sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        /* root talks to systemd directly, skipping the broker: faster, and
         * it works before dbus is up */
        if (geteuid() == 0 && access("/run/systemd/private", F_OK) == 0) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
                if (r >= 0)
                        r = sd_bus_start(bus);
                if (r >= 0) {
                        *ret = bus;
                        return 1;
                }
                sd_bus_unref(bus);
        }
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        *ret = bus;
        return 0;
}

int scope_enter(const char *unit, const ContainerRecord *rec)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *desc = NULL;
        JobWait w = {};
        const char *job;
        int r, direct;

        direct = open_systemd(&bus);
        if (direct < 0) {
                fprintf(stderr, "berthctl: cannot connect to systemd: %s\n", strerror(-direct));
                return direct;
        }
        /* a direct connection gets every signal; on the bus, ask for them */
        r = sd_bus_match_signal(bus, NULL, direct ? NULL : SD_DEST, SD_PATH, SD_MANAGER,
                                "JobRemoved", on_job_removed, &w);
        if (r >= 0 && !direct)
                r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &e, NULL,
                                       NULL);
        if (r < 0)
                goto fail;
        if (asprintf(&desc, "berth container %s", rec->name) < 0)
                return -ENOMEM;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                           "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)", "Description", "s", desc, "PIDs", "au", 1,
                                          (uint32_t)getpid());
        if (r >= 0 && rec->memory_max > 0)
                r = sd_bus_message_append(m, "(sv)", "MemoryMax", "t", rec->memory_max);
        if (r >= 0 && rec->cpu_quota > 0)
                r = sd_bus_message_append(m, "(sv)", "CPUQuotaPerSecUSec", "t", rec->cpu_quota);
        if (r >= 0 && rec->tasks_max > 0)
                r = sd_bus_message_append(m, "(sv)", "TasksMax", "t", rec->tasks_max);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                goto fail;
        r = sd_bus_call(bus, m, 0, &e, &reply);
        if (r < 0)
                goto fail;
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                goto fail;
        w.job = job;
        while (!w.result) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        goto fail;
                if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0)
                        goto fail;
        }
        if (!streq(w.result, "done")) {
                fprintf(stderr, "berthctl: creating %s failed: job %s\n", unit, w.result);
                return -EIO;
        }
        return 0;
fail:
        if (sd_bus_error_is_set(&e))
                fprintf(stderr, "berthctl: cannot create %s: %s\n", unit, e.message ?: e.name);
        else
                fprintf(stderr, "berthctl: cannot create %s: %s\n", unit, strerror(-r));
        return sd_bus_error_has_name(&e, SD_BUS_ERROR_ACCESS_DENIED) ? -EACCES : r;
}
