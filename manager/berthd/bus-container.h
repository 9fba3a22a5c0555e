/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"

/* Shared by org.berth1.Container and the Manager's by-name variants. Each
 * checks polkit first and answers the call itself (now or later). */
int bus_container_start(sd_bus_message *call, Container *c, sd_bus_error *error);
int bus_container_stop(sd_bus_message *call, Container *c, sd_bus_error *error);
int bus_container_kill(sd_bus_message *call, Container *c, int signo, sd_bus_error *error);
int bus_container_remove(sd_bus_message *call, Container *c, bool force, sd_bus_error *error);
