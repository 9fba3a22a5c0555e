/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "berthd.h"

/* Checks that the sender of call may perform action, without blocking the
 * event loop. Returns 1 when authorized now (root always is), 0 when a polkit
 * query was started: the handler must then return 1 (sd-bus takes 0 as "no
 * such method") and is called again with the same message once polkit
 * answered. A negative value means denied or failed;
 * error is then set ("not authorized to ..."). Handlers must be idempotent up
 * to this call. */
int polkit_verify(Manager *m, sd_bus_message *call, const char *action, sd_bus_error *error);

void polkit_queries_free(Manager *m);
