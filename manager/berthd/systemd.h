/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Containers as transient systemd units. Each operation answers the client's
 * call itself once systemd reported the job's result (JobRemoved). */

#include "berthd.h"
#include "container.h"

int systemd_subscribe(Manager *m);

int systemd_start_container(Manager *m, Container *c, sd_bus_message *call);
int systemd_stop_container(Manager *m, Container *c, sd_bus_message *call, bool then_remove);
int systemd_kill_container(Manager *m, Container *c, sd_bus_message *call, int signo);

void systemd_jobs_free(Manager *m);
/* Drops a "failed" unit left by a container's last run (fire and forget). */
void systemd_reset_failed(Manager *m, const char *unit);

/* The properties of berth-NAME.service, appended as StartTransientUnit's a(sv). */
int systemd_append_unit_properties(sd_bus_message *msg, const ContainerRecord *rec,
                                   const char *runtime_path, const char *store_root);
