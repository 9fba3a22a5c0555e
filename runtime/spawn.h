/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "container.h"
#include "security.h"

/* Everything the child needs besides the Container; prepared by the parent
 * before the clone so the child does no lookups of its own on the host. */
typedef struct SpawnContext {
        int error_fd;     /* child -> parent: int32 records, see spawn.c */
        int exec_fifo_fd; /* OCI create: O_PATH fd of exec.fifo, or -EBADF */
        int net_fd;       /* --network bridge|NAME: parent -> child, the /etc files, or -EBADF */
        int console_fd;   /* --tty: child -> parent, the pty master (console.h), or -EBADF */
        int tty_fd;       /* child: the pty's terminal side, on stdio just before the exec */
        const char *notify_path; /* --notify: $NOTIFY_SOCKET to bind into the container */
        int notify_fd;
        unsigned n_listen_fds;
        char *root_target; /* where the rootfs is mounted before pivot_root */
        SeccompProgram *seccomp;
        sigset_t saved_mask;
        bool unshare_time; /* CLONE_VM child: CLONE_NEWTIME left to the child */
} SpawnContext;

/* Record the child sends once it is set up and waits for `start` (OCI create). */
#define SPAWN_READY 1

/* The blocked signals the foreground runtime forwards to the container. */
void spawn_forward_signals(sigset_t *ret);

typedef enum SpawnWait {
        SPAWN_WAIT_NONE,  /* return right after the clone: the foreground waits for the
                           * exit anyway, so one wake-up less; see container_spawn_result() */
        SPAWN_WAIT_EXEC,  /* return once the container command runs */
        SPAWN_WAIT_READY, /* OCI create: return once it waits for `start` */
} SpawnWait;

/* Prepares the host side (writable layer directories, seccomp program),
 * clones the container init into its namespaces and waits until it has
 * exec'd (or is ready, for OCI create). On failure nothing is left behind:
 * the child is reaped and the directories this call created are removed.
 * The error has been logged (by the child, naming the step and path).
 * console_fd (or -EBADF): --tty or OCI process.terminal, the socket on
 * which the init sends its pty master (console_send()): one end of a pair
 * (console_receive()) or a connected --console-socket; the caller keeps
 * and closes it. */
int container_spawn(Container *c, SpawnWait wait, int exec_fifo_fd, int console_fd, pid_t *ret_pid,
                    int *ret_pidfd, int *ret_status_fd);
/* SPAWN_WAIT_NONE: once the child has exited, tells whether the start had
 * failed (its error is logged already) and undoes the layer directories. */
int container_spawn_result(Container *c, int status_fd);

/* Runs in the child; never returns. */
_noreturn_ void child_main(Container *c, SpawnContext *ctx);
