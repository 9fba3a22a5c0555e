/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sends msg to $NOTIFY_SOCKET; -ENOTCONN when it is not set. */
int notify_message(const char *msg);
/* Returns once systemd has processed all messages sent before. */
int notify_barrier(int timeout_ms);
