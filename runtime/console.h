/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* --tty: the container gets a pseudo-terminal of its own devpts instance
 * (/dev/pts inside its mount namespace), as Docker and crun do. The pty
 * lives in the container, so `tty` there names /dev/pts/N of that instance
 * and the host's devpts never sees it. The runtime in the foreground keeps
 * the master and relays it to its own terminal. */

/* Opens and unlocks /dev/pts/ptmx of the mount namespace we are in. */
int console_open_master(int *ret_master);
/* In the process that becomes the container command (before the uid
 * switch): opens the master's peer, gives it the size of our current
 * terminal (if stdin/stdout is one) and uid as owner, starts a new session
 * with it as controlling terminal and puts it on stdin/stdout/stderr. */
int console_attach_slave(int master, uid_t uid);

/* The master travels from the container init to the runtime over an
 * AF_UNIX socket (SCM_RIGHTS): the init is the only one that can open it. */
int console_send(int sock, int master);
/* -EPIPE if the other end closed without sending (its start failed). */
int console_receive(int sock, int *ret_master);

/* Relays between our stdin/stdout and the master until the process pid
 * exits, and returns its exit status (128+signal when killed). Our terminal
 * is put in raw mode meanwhile and restored; window size changes (SIGWINCH)
 * are passed on; the other forwarded signals (spawn_forward_signals(),
 * blocked by the caller) go to pidfd. */
int console_relay(int master, pid_t pid, int pidfd);
