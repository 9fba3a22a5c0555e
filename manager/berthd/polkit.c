/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "polkit.h"

/* CheckAuthorization flag: the caller is willing to wait for an agent */
#define POLKIT_ALLOW_USER_INTERACTION 1u

struct PolkitQuery {
        Manager *manager;
        sd_bus_message *request;
        sd_bus_slot *slot;
        char *action;
        bool done;
        bool authorized;
        char *error_name; /* when polkit itself failed */
        PolkitQuery *next;
};

static void query_free(PolkitQuery *q)
{
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q->error_name);
        free(q);
}

static void query_unlink(Manager *m, PolkitQuery *q)
{
        for (PolkitQuery **p = &m->polkit_queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        break;
                }
}

void polkit_queries_free(Manager *m)
{
        while (m->polkit_queries) {
                PolkitQuery *q = m->polkit_queries;
                m->polkit_queries = q->next;
                query_free(q);
        }
}

static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        PolkitQuery *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->done = true;
        q->manager->n_busy--;
        manager_touch(q->manager);

        e = sd_bus_message_get_error(reply);
        if (e) {
                log_warning("polkit check for %s failed: %s", q->action, e->message ?: e->name);
                q->error_name = strdup(e->name);
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        log_warning_errno(r, "unreadable polkit reply for %s", q->action);
                q->authorized = r >= 0 && authorized;
        }

        /* run the original call again; this time the answer is known */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_error_errno(r, "re-queue call after polkit answer");
                query_unlink(q->manager, q);
                query_free(q);
        }
        return 0;
}

static int sender_is_root(sd_bus_message *call)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        return uid == 0;
}

int polkit_verify(Manager *m, sd_bus_message *call, const char *action, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *req = NULL;
        PolkitQuery *q;
        const char *sender;
        int r;

        for (q = m->polkit_queries; q; q = q->next)
                if (q->request == call && streq(q->action, action))
                        break;
        if (q) {
                bool ok = q->authorized;
                _cleanup_free_ char *err = TAKE_PTR(q->error_name);

                if (!q->done) /* dispatched twice while waiting: keep waiting */
                        return 0;
                query_unlink(m, q);
                query_free(q);
                if (ok)
                        return 1;
                if (err)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "not authorized: polkit could not check %s (%s)",
                                                 action, err),
                               -EACCES;
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "not authorized to perform %s", action),
                       -EACCES;
        }

        r = sender_is_root(call);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot identify the caller: %m");
        if (r > 0)
                return 1;

        sender = sd_bus_message_get_sender(call);
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "not authorized: caller without a bus name"),
                       -EACCES;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->manager = m;
        q->action = strdup(action);
        if (!q->action) {
                query_free(q);
                return -ENOMEM;
        }

        r = sd_bus_message_new_method_call(
            m->bus, &req, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
            "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(req, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name",
                                          "s", sender, action, 0,
                                          sd_bus_message_get_allow_interactive_authorization(call)
                                              ? POLKIT_ALLOW_USER_INTERACTION
                                              : 0u,
                                          "");
        if (r >= 0)
                /* an interactive agent may take a while; don't let sd-bus' 25 s
                 * default cut the user off */
                r = sd_bus_call_async(m->bus, &q->slot, req, on_check_reply, q,
                                      5 * 60 * 1000000ULL);
        if (r < 0) {
                query_free(q);
                return sd_bus_error_set_errnof(error, r, "cannot ask polkit: %m");
        }
        q->request = sd_bus_message_ref(call);
        q->next = m->polkit_queries;
        m->polkit_queries = q;
        m->n_busy++;
        return 0;
}
