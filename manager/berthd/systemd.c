/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "strv.h"
#include "systemd.h"

#define SD_DEST    "org.freedesktop.systemd1"
#define SD_PATH    "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

typedef enum JobKind {
        JOB_START,
        JOB_STOP,
        JOB_STOP_THEN_REMOVE,
} JobKind;

struct PendingJob {
        Manager *manager;
        JobKind kind;
        sd_bus_message *call; /* the client's call, answered when the job ends */
        char *container;
        char *unit;
        char *job_path; /* known once systemd accepted the job */
        sd_bus_slot *slot;
        PendingJob *next;
};

static void job_free(PendingJob *j)
{
        sd_bus_slot_unref(j->slot);
        sd_bus_message_unref(j->call);
        free(j->container);
        free(j->unit);
        free(j->job_path);
        free(j);
}

/* Drops j and everything it holds; the client must have been answered. */
static void job_done(PendingJob *j)
{
        Manager *m = j->manager;

        for (PendingJob **p = &m->jobs; *p; p = &(*p)->next)
                if (*p == j) {
                        *p = j->next;
                        break;
                }
        m->n_busy--;
        manager_touch(m);
        job_free(j);
}

void systemd_jobs_free(Manager *m)
{
        while (m->jobs) {
                PendingJob *j = m->jobs;
                m->jobs = j->next;
                job_free(j);
        }
}

static int job_new(Manager *m, JobKind kind, Container *c, sd_bus_message *call, PendingJob **ret)
{
        PendingJob *j = calloc(1, sizeof(*j));

        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->kind = kind;
        j->call = sd_bus_message_ref(call);
        j->container = strdup(c->rec->name);
        j->unit = strdup(c->unit);
        if (!j->container || !j->unit) {
                job_free(j);
                return -ENOMEM;
        }
        j->next = m->jobs;
        m->jobs = j;
        m->n_busy++;
        *ret = j;
        return 0;
}

_printf_(3, 4) static void job_reply_error(PendingJob *j, const char *name, const char *fmt, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;

        va_start(ap, fmt);
        sd_bus_error_setfv(&e, name, fmt, ap);
        va_end(ap);
        (void)sd_bus_reply_method_error(j->call, &e);
}

static void job_finish_stop(PendingJob *j)
{
        Container *c;
        int r;

        if (j->kind == JOB_STOP_THEN_REMOVE) {
                c = container_find(j->manager, j->container);
                if (c) {
                        r = container_remove(c);
                        if (r < 0) {
                                job_reply_error(j, SD_BUS_ERROR_FAILED,
                                                "stopped %s but could not remove it", j->container);
                                job_done(j);
                                return;
                        }
                }
        }
        (void)sd_bus_reply_method_return(j->call, NULL);
        job_done(j);
}

static int on_service_result(sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        PendingJob *j = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *result = NULL;

        j->slot = sd_bus_slot_unref(j->slot);
        if (!sd_bus_message_is_method_error(reply, NULL))
                (void)sd_bus_message_read(reply, "v", "s", &result);
        sd_bus_error_setf(&e, BERTH_ERROR_UNIT_FAILED,
                          "%s failed to start (service result: %s); see \"journalctl -u %s\"",
                          j->unit, result ?: "unknown", j->unit);
        (void)sd_bus_reply_method_error(j->call, &e);
        job_done(j);
        return 0;
}

static void job_answer_success(PendingJob *j)
{
        if (j->kind == JOB_START) {
                log_info("started container %s as %s", j->container, j->unit);
                (void)sd_bus_reply_method_return(j->call, NULL);
                job_done(j);
        } else
                job_finish_stop(j);
}

static int on_state_after_job(sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        PendingJob *j = userdata;
        Container *c = container_find(j->manager, j->container);

        j->slot = sd_bus_slot_unref(j->slot);
        if (c && !sd_bus_message_is_method_error(reply, NULL))
                (void)container_apply_unit_properties(c, reply);
        job_answer_success(j);
        return 0;
}

/* systemd sends JobRemoved before the unit's PropertiesChanged: read the
 * state now, so that a client sees it as soon as its call returns */
static void job_succeeded(PendingJob *j)
{
        _cleanup_free_ char *unit_path = NULL;
        int r;

        r = sd_bus_path_encode(SD_PATH "/unit", j->unit, &unit_path);
        if (r >= 0)
                r = sd_bus_call_method_async(j->manager->bus, &j->slot, SD_DEST, unit_path,
                                             "org.freedesktop.DBus.Properties", "GetAll",
                                             on_state_after_job, j, "s",
                                             "org.freedesktop.systemd1.Unit");
        if (r < 0)
                job_answer_success(j);
}

static void job_removed(PendingJob *j, const char *result)
{
        _cleanup_free_ char *unit_path = NULL;
        int r;

        if (j->kind != JOB_START) {
                if (streq(result, "done"))
                        job_succeeded(j);
                else {
                        job_reply_error(j, BERTH_ERROR_UNIT_FAILED,
                                        "stopping %s did not complete: job %s", j->unit, result);
                        job_done(j);
                }
                return;
        }
        if (streq(result, "done")) {
                job_succeeded(j);
                return;
        }
        /* systemd's own reason is the service's Result property */
        r = sd_bus_path_encode(SD_PATH "/unit", j->unit, &unit_path);
        if (r >= 0)
                r = sd_bus_call_method_async(j->manager->bus, &j->slot, SD_DEST, unit_path,
                                             "org.freedesktop.DBus.Properties", "Get",
                                             on_service_result, j, "ss",
                                             "org.freedesktop.systemd1.Service", "Result");
        if (r < 0) {
                job_reply_error(j, BERTH_ERROR_UNIT_FAILED, "%s failed to start: job %s", j->unit,
                                result);
                job_done(j);
        }
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        for (PendingJob *j = m->jobs; j; j = j->next)
                if (j->job_path && streq(j->job_path, job)) {
                        job_removed(j, result);
                        break;
                }
        return 0;
}

int systemd_subscribe(Manager *m)
{
        int r;

        r = sd_bus_match_signal_async(m->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                                      on_job_removed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "watch systemd jobs");
        /* systemd sends unit and job signals only while someone subscribed */
        r = sd_bus_call_method_async(m->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", NULL,
                                     NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "subscribe to systemd");
        return 0;
}

static int on_job_queued(sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        PendingJob *j = userdata;
        const sd_bus_error *e;
        const char *path;

        j->slot = sd_bus_slot_unref(j->slot);
        e = sd_bus_message_get_error(reply);
        if (e) {
                if (j->kind != JOB_START &&
                    sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit")) {
                        /* not running: stopping is done already */
                        job_finish_stop(j);
                        return 0;
                }
                if (sd_bus_error_has_name(e, "org.freedesktop.systemd1.UnitExists"))
                        job_reply_error(j, BERTH_ERROR_CONTAINER_RUNNING,
                                        "container %s is already running (%s)", j->container,
                                        j->unit);
                else
                        job_reply_error(j, e->name, "%s: %s", j->unit, e->message ?: e->name);
                job_done(j);
                return 0;
        }
        if (sd_bus_message_read(reply, "o", &path) < 0 || !(j->job_path = strdup(path))) {
                job_reply_error(j, SD_BUS_ERROR_FAILED, "%s: unreadable reply from systemd",
                                j->unit);
                job_done(j);
        }
        return 0;
}

static int append_exec(sd_bus_message *msg, const char *key, char **argv)
{
        int r;

        r = sd_bus_message_open_container(msg, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'v', "a(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "(sasb)");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'r', "sasb");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(msg, argv);
        if (r >= 0)
                r = sd_bus_message_append(msg, "b", 0);
        for (int i = 0; i < 4 && r >= 0; i++)
                r = sd_bus_message_close_container(msg);
        return r;
}

static int append_log_fields(sd_bus_message *msg, const ContainerRecord *rec)
{
        const char *fields[3][2] = {
            {"CONTAINER_NAME", rec->name},
            {"CONTAINER_ID", rec->id},
            {"IMAGE", rec->image},
        };
        int r;

        r = sd_bus_message_open_container(msg, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", "LogExtraFields");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'v', "aay");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "ay");
        for (size_t i = 0; i < ELEMENTSOF(fields) && r >= 0; i++) {
                _cleanup_free_ char *f = NULL;
                if (asprintf(&f, "%s=%s", fields[i][0], strempty(fields[i][1])) < 0)
                        return -ENOMEM;
                r = sd_bus_message_append_array(msg, 'y', f, strlen(f));
        }
        for (int i = 0; i < 3 && r >= 0; i++)
                r = sd_bus_message_close_container(msg);
        return r;
}

int systemd_append_unit_properties(sd_bus_message *msg, const ContainerRecord *rec,
                                   const char *runtime_path, const char *store_root)
{
        _cleanup_strv_free_ char **exec = NULL, **cleanup = NULL;
        _cleanup_free_ char *desc = NULL;
        char *stop[] = {(char *)runtime_path, (char *)"stop", (char *)"--time", (char *)"10", NULL};
        int r;

        r = container_runtime_argv(rec, runtime_path, store_root, &exec);
        if (r < 0)
                return r;
        r = container_cleanup_argv(rec, runtime_path, store_root, &cleanup);
        if (r < 0)
                return r;
        if (asprintf(&desc, "berth container %s", rec->name) < 0)
                return -ENOMEM;

        r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", desc, "Type",
                                  "s", "notify", "NotifyAccess", "s", "all", "Restart", "s",
                                  restart_policy_to_systemd(rec->restart), "SyslogIdentifier", "s",
                                  rec->name);
        if (r >= 0)
                r = append_exec(msg, "ExecStart", exec);
        /* systemd cannot wait for an init that is not its child: the
         * runtime keeps Docker's grace period (10 s) before SIGKILL. */
        if (r >= 0)
                r = append_exec(msg, "ExecStop", stop);
        if (r >= 0)
                r = sd_bus_message_append(msg, "(sv)", "TimeoutStopUSec", "t",
                                          (uint64_t)15 * 1000 * 1000);
        if (r >= 0)
                r = append_exec(msg, "ExecStopPost", cleanup);
        if (r >= 0)
                r = append_log_fields(msg, rec);
        if (r >= 0 && rec->memory_max > 0)
                r = sd_bus_message_append(msg, "(sv)", "MemoryMax", "t", rec->memory_max);
        if (r >= 0 && rec->cpu_quota > 0)
                r = sd_bus_message_append(msg, "(sv)", "CPUQuotaPerSecUSec", "t", rec->cpu_quota);
        if (r >= 0 && rec->tasks_max > 0)
                r = sd_bus_message_append(msg, "(sv)", "TasksMax", "t", rec->tasks_max);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        return r;
}

void systemd_reset_failed(Manager *m, const char *unit)
{
        (void)sd_bus_call_method_async(m->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER,
                                       "ResetFailedUnit", NULL, NULL, "s", unit);
}

int systemd_start_container(Manager *m, Container *c, sd_bus_message *call)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        PendingJob *j;
        int r;

        r = job_new(m, JOB_START, c, call, &j);
        if (r < 0)
                return r;
        /* a unit left "failed" by an earlier run blocks a new transient unit
         * of that name; ordered before the start on the same connection */
        systemd_reset_failed(m, c->unit);

        r = sd_bus_message_new_method_call(m->bus, &msg, SD_DEST, SD_PATH, SD_MANAGER,
                                           "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", c->unit, "fail");
        if (r >= 0)
                r = systemd_append_unit_properties(msg, c->rec, m->runtime_path, m->state_dir);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r >= 0)
                r = sd_bus_call_async(m->bus, &j->slot, msg, on_job_queued, j, 0);
        if (r < 0) {
                job_done(j);
                return log_error_errno(r, "start %s", c->unit);
        }
        return 0;
}

int systemd_stop_container(Manager *m, Container *c, sd_bus_message *call, bool then_remove)
{
        PendingJob *j;
        int r;

        r = job_new(m, then_remove ? JOB_STOP_THEN_REMOVE : JOB_STOP, c, call, &j);
        if (r < 0)
                return r;
        r = sd_bus_call_method_async(m->bus, &j->slot, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit",
                                     on_job_queued, j, "ss", c->unit, "replace");
        if (r < 0) {
                job_done(j);
                return log_error_errno(r, "stop %s", c->unit);
        }
        return 0;
}

static int on_kill_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        PendingJob *j = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        j->slot = sd_bus_slot_unref(j->slot);
        if (e && sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit"))
                job_reply_error(j, BERTH_ERROR_UNIT_FAILED, "container %s is not running",
                                j->container);
        else if (e)
                job_reply_error(j, e->name, "%s: %s", j->unit, e->message ?: e->name);
        else
                (void)sd_bus_reply_method_return(j->call, NULL);
        job_done(j);
        return 0;
}

int systemd_kill_container(Manager *m, Container *c, sd_bus_message *call, int signo)
{
        PendingJob *j;
        int r;

        r = job_new(m, JOB_STOP, c, call, &j);
        if (r < 0)
                return r;
        /* the container's init, like docker kill; systemd's stop logic still
         * handles the rest of the cgroup */
        r = sd_bus_call_method_async(m->bus, &j->slot, SD_DEST, SD_PATH, SD_MANAGER, "KillUnit",
                                     on_kill_reply, j, "ssi", c->unit, "main", (int32_t)signo);
        if (r < 0) {
                job_done(j);
                return log_error_errno(r, "kill %s", c->unit);
        }
        return 0;
}
