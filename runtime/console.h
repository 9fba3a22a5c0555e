/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/ioctl.h>
#include <sys/types.h>

/* --tty: the container gets a pseudo-terminal of its own devpts instance
 * (/dev/pts inside its mount namespace), as Docker and crun do. The pty
 * lives in the container, so `tty` there names /dev/pts/N of that instance
 * and the host's devpts never sees it. The runtime in the foreground keeps
 * the master and relays it to its own terminal. */

/* Opens and unlocks /dev/pts/ptmx of the mount namespace we are in. */
int console_open_master(int *ret_master);
/* In the process that becomes the container command (before the uid
 * switch): opens the master's peer (close-on-exec), gives it size (OCI
 * process.consoleSize) or, when NULL, the size of our current terminal (if
 * stdin/stdout is one), and uid as owner, and starts a new session with it
 * as controlling terminal. */
int console_open_slave(int master, uid_t uid, const struct winsize *size, int *ret_slave);
/* Both of the above: a pty of rows x cols (0 x 0: the size of our terminal)
 * owned by uid, its terminal side our controlling terminal. */
int console_open_pty(uid_t uid, unsigned short rows, unsigned short cols, int *ret_master,
                     int *ret_slave);
/* Puts the slave on stdin/stdout/stderr and closes it. Messages go to the
 * terminal from then on; ret_saved_stderr (or NULL) gets a close-on-exec
 * copy of the stderr we had, for a message after a failed exec. */
int console_take_stdio(int slave, int *ret_saved_stderr);
/* The container init's terminal is also its /dev/console (a bind mount of
 * the pty over an empty file), as runc and crun set it up. */
int console_mount_dev_console(int master);

/* The master travels from the container init over an AF_UNIX socket
 * (SCM_RIGHTS): the init is the only one that can open it. The data byte
 * string is the terminal's name (/dev/pts/N, NUL-terminated), as runc and
 * crun send it; to names the receiver in the error message. */
int console_send(int sock, int master, const char *to);
/* -EPIPE if the other end closed without sending (its start failed). */
int console_receive(int sock, int *ret_master);
/* OCI --console-socket: a stream connection to the caller's listening
 * socket at path, over which the init sends the master. */
int console_socket_connect(const char *path, int *ret_fd);

/* Relays between our stdin/stdout and the master until the process pid
 * exits, and returns its exit status (128+signal when killed). Our terminal
 * is put in raw mode meanwhile and restored; window size changes (SIGWINCH)
 * are passed on; the other forwarded signals (spawn_forward_signals(),
 * blocked by the caller) go to pidfd. */
int console_relay(int master, pid_t pid, int pidfd);
/* The foreground runtime's wait: receives the master on sock (-EBADF: no
 * terminal) and relays it; without one (the init failed before sending it)
 * just waits. Returns the exit status as console_relay(). */
int console_wait(int sock, pid_t pid, int pidfd);
