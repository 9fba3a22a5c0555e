/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container-record.h"

/* Moves this process into a new transient scope unit (as systemd-run --scope
 * does) carrying the container's resource limits, and returns once systemd
 * finished the job. */
int scope_enter(const char *unit, const ContainerRecord *rec);
