/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* NOTIFY_SOCKET is set: we run as a Type=notify unit's main process. */
bool handoff_wanted(void);
/* Sends MAINPID= (and READY=1 unless the app sends it) and waits until
 * systemd has read it. */
int handoff_to_systemd(pid_t pid, bool app_notifies);
/* Forwards signals until the container exits; returns its exit status, or
 * 128+signal. The forwarded signals must be blocked (container_spawn does). */
int foreground_wait(pid_t pid, int pidfd);
