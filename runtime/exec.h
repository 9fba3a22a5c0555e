/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `exec`: a process started in a running container. Two front ends share
 * exec-spawn.c: berth's own form (exec.c: the container named by its
 * init's pid, the process shaped after the init) and the OCI form
 * (oci-exec.c: the container named by its OCI ID, the process described
 * by an OCI process object). */

#include <stdbool.h>
#include <sys/types.h>

#include "container.h"
#include "security.h"

typedef struct ExecContext {
        pid_t init_pid;
        int init_pidfd;
        /* berth form: the init's working directory; -EBADF: c->cwd */
        int cwd_fd;
        /* OCI: c->user_spec is looked up in the container's /etc files and
         * the environment completed (PATH, HOME) as for an init; berth
         * form: c->uid, gid, groups and env are the init's */
        bool resolve_user;
        const SeccompProgram *seccomp; /* or NULL */
        /* c->tty: where the process sends its pty master (console_send()):
         * a connected --console-socket, or one end of a pair whose other
         * end the caller relays (console_wait()); to names it */
        int console_fd;
        const char *console_to;
        unsigned preserve_fds; /* fds 3 .. 3+N-1 stay open in the process */
} ExecContext;

/* Joins the namespaces of the init that differ from ours and starts
 * c->args there with c's user, groups, capabilities, no_new_privs, rlimits
 * and the seccomp filter; with c->tty on a pty of the container's devpts.
 * Returns 0 once the command runs (*ret_pid, *ret_pidfd: it is our
 * child); a positive exit status (127: not found, 126: other) when the
 * process failed before its exec (it logged why, and is reaped); -errno
 * when the runtime itself failed (logged). Leaves the forwarded signals
 * (spawn_forward_signals()) blocked for foreground_wait()/console_wait(). */
int exec_spawn(Container *c, const ExecContext *x, pid_t *ret_pid, int *ret_pidfd);

/* Parsed `exec` command line, both forms (exec.c decides which). */
typedef struct ExecArgs {
        const char *root; /* global --root (OCI state) */
        /* shared */
        char **env; /* --env K=V */
        bool tty;
        /* berth form */
        const char *pid, *name, *store, *upper;
        /* OCI form */
        const char *process, *console_socket, *pid_file, *cwd, *user;
        char **caps, **gids;
        bool detach, no_new_privs;
        unsigned preserve_fds;
        char **positional; /* ID [COMMAND...] (OCI) or COMMAND... (berth) */
} ExecArgs;

int oci_exec(const ExecArgs *a);
