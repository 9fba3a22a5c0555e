/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `exec` as OCI runtimes have it (runc, crun), for container engines:
 * conmon runs `exec --pid-file F --process P [--console-socket S --tty]
 * [--detach] ID`. The container is ROOT/ID (oci-state.c); the process is
 * --process FILE (an OCI process object), or the bundle's config.json
 * process with COMMAND and the options over it. It joins the init's
 * namespaces (exec-spawn.c), runs under the container's linux.seccomp
 * filter, and gets its own user, capabilities and no_new_privs. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "exec.h"
#include "handoff.h"
#include "log.h"
#include "oci-config.h"
#include "oci.h"
#include "parse-util.h"
#include "run.h"
#include "strv.h"

/* process.json holds no more than execve() takes (ARG_MAX) and a few
 * fields besides; this bounds what a hostile file can make us allocate. */
#define PROCESS_JSON_MAX (4U * 1024 * 1024)

/* The command-line form: the bundle's process with COMMAND and the
 * options over it, as runc does. Returns 2 for a usage error. */
static int process_from_options(Container *c, const ExecArgs *a, const char *bundle, char **cmd)
{
        _cleanup_(json_decrefp) json_t *config = NULL;
        _cleanup_free_ char *path = NULL;
        uint32_t uid, gid;
        int r;

        if (asprintf(&path, "%s/config.json", bundle) < 0)
                return log_oom();
        r = oci_json_load(path, CONFIG_JSON_MAX, &config);
        if (r < 0)
                return r;
        r = oci_process_from_json(c, json_object_get(config, "process"), "config.json: process.");
        if (r < 0)
                return r;
        strv_free(c->args);
        if (!(c->args = strv_copy(cmd)))
                return log_oom();
        c->tty = a->tty;
        if (a->cwd) {
                free(c->cwd);
                if (!(c->cwd = strdup(a->cwd)))
                        return log_oom();
        }
        STRV_FOREACH (e, a->env)
                if (strv_env_set(&c->env, *e) < 0)
                        return log_oom();
        if (a->user) {
                _cleanup_free_ char *u = strdup(a->user), *spec = NULL;
                const char *gid_s;
                char *colon;

                if (!u)
                        return log_oom();
                if ((colon = strchr(u, ':'))) {
                        *colon = 0;
                        gid_s = colon + 1;
                } else {
                        /* without a gid, the process keeps the bundle's */
                        gid_s = strchr(c->user_spec, ':');
                        gid_s = gid_s ? gid_s + 1 : "0";
                }
                if (parse_uint32(u, &uid) < 0 || uid == UINT32_MAX ||
                    parse_uint32(gid_s, &gid) < 0 || gid == UINT32_MAX) {
                        log_error("--user %s: expected UID[:GID], numbers", a->user);
                        return 2;
                }
                if (asprintf(&spec, "%u:%u", uid, gid) < 0)
                        return log_oom();
                free(c->user_spec);
                c->user_spec = TAKE_PTR(spec);
        }
        STRV_FOREACH (g, a->gids) {
                if (parse_uint32(*g, &gid) < 0 || gid == UINT32_MAX) {
                        log_error("--additional-gids %s: expected a number", *g);
                        return 2;
                }
                if (strv_extend(&c->group_add, *g) < 0)
                        return log_oom();
        }
        STRV_FOREACH (name, a->caps) {
                int cap = cap_from_name(*name);
                if (cap < 0) {
                        log_error("--cap %s: unknown capability", *name);
                        return 2;
                }
                c->caps |= UINT64_C(1) << cap;
        }
        if (a->no_new_privs)
                c->no_new_privileges = true;
        return 0;
}

static int process_from_file(Container *c, const ExecArgs *a)
{
        _cleanup_(json_decrefp) json_t *p = NULL;
        _cleanup_free_ char *w = NULL;
        int r;

        if (asprintf(&w, "%s: ", a->process) < 0)
                return log_oom();
        r = oci_json_load(a->process, PROCESS_JSON_MAX, &p);
        if (r < 0)
                return r;
        r = oci_process_from_json(c, p, w);
        if (r < 0)
                return r;
        /* conmon passes --tty along with a process.json that says so */
        c->tty = c->tty || a->tty;
        return 0;
}

/* The running (or created) container's init, as a pidfd that cannot hit a
 * recycled pid: its start time is checked after the pidfd was opened. */
static int open_init(const OciArgs *oa, pid_t *ret_pid, int *ret_pidfd, char **ret_bundle)
{
        _cleanup_close_ int pidfd = -EBADF;
        unsigned long long start;
        OciState s = {};
        char st;
        int r;

        r = oci_state_read(oa, &s);
        if (r < 0) {
                free(s.bundle);
                return r;
        }
        *ret_bundle = s.bundle;
        if (!streq(s.status, "stopped"))
                pidfd = (int)syscall(SYS_pidfd_open, s.pid, 0);
        if (pidfd < 0 || oci_proc_stat(s.pid, &start, &st) < 0 || st == 'Z' || start != s.starttime)
                return log_error_errno(SYNTHETIC_ERRNO(ESRCH), "container %s is stopped", oa->id);
        *ret_pid = s.pid;
        *ret_pidfd = TAKE_FD(pidfd);
        return 0;
}

/* Where the pty master goes: the caller's --console-socket, or, in the
 * foreground without one, back to us to relay (*ret_relay). */
static int console_target(Container *c, const ExecArgs *a, int *ret_send, int *ret_relay)
{
        int pair[2];

        if (a->console_socket && !c->tty) {
                log_error("--console-socket %s: the process has no terminal "
                          "(--tty, or process.terminal in --process)",
                          a->console_socket);
                return a->process ? -EINVAL : 2;
        }
        if (!c->tty)
                return 0;
        if (a->console_socket)
                return console_socket_connect(a->console_socket, ret_send);
        if (a->detach) {
                log_error("a terminal with --detach needs --console-socket: nobody would hold "
                          "it");
                return a->process ? -EINVAL : 2;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(errno, "create the console socket pair");
        *ret_relay = pair[0];
        *ret_send = pair[1];
        return 0;
}

static int write_pid_file(const char *path, pid_t pid)
{
        char buf[32];
        int r;

        snprintf(buf, sizeof(buf), "%d", (int)pid);
        r = oci_write_file_replace(path, buf);
        return r < 0 ? log_error_errno(r, "write %s", path) : 0;
}

/* Returns the exit status of the verb. */
static int oci_exec_run(const ExecArgs *a, const OciArgs *oa, char **cmd)
{
        _cleanup_(seccomp_program_freep) SeccompProgram *seccomp = NULL;
        _cleanup_(container_freep) Container *c = container_new();
        _cleanup_close_ int init_pidfd = -EBADF, pidfd = -EBADF, send_fd = -EBADF,
                            relay_fd = -EBADF;
        _cleanup_free_ char *bundle = NULL, *profile = NULL;
        ExecContext x;
        pid_t init = 0, pid;
        int r;

        if (!c)
                return log_oom(), 1;
        r = open_init(oa, &init, &init_pidfd, &bundle);
        if (r < 0)
                return 1;
        r = a->process ? process_from_file(c, a) : process_from_options(c, a, bundle, cmd);
        if (r != 0)
                return r < 0 ? 1 : r;
        /* the container's linux.seccomp, as create compiled it */
        r = oci_state_dir(oa, "seccomp.json", &profile);
        if (r < 0)
                return 1;
        if (access(profile, F_OK) == 0) {
                r = seccomp_program_from_file(profile, c->caps, &seccomp);
                if (r < 0)
                        return log_error_errno(r, "load seccomp profile %s", profile), 1;
        }
        r = console_target(c, a, &send_fd, &relay_fd);
        if (r != 0)
                return r < 0 ? 1 : r;

        x = (ExecContext){.init_pid = init,
                          .init_pidfd = init_pidfd,
                          .cwd_fd = -EBADF,
                          .resolve_user = true,
                          .seccomp = seccomp,
                          .console_fd = send_fd,
                          .console_to = a->console_socket,
                          .preserve_fds = a->preserve_fds};
        r = exec_spawn(c, &x, &pid, &pidfd);
        if (r != 0)
                return r < 0 || a->detach ? 1 : r;
        send_fd = safe_close(send_fd);
        if (a->pid_file && write_pid_file(a->pid_file, pid) < 0) {
                /* nobody could find it: it must not run on unseen */
                (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                (void)waitpid(pid, NULL, 0);
                return 1;
        }
        if (a->detach)
                return 0;
        r = relay_fd >= 0 ? console_wait(relay_fd, pid, pidfd) : foreground_wait(pid, pidfd);
        return r < 0 ? 1 : r;
}

int oci_exec(const ExecArgs *a)
{
        OciArgs oa = {.root = a->root, .id = a->positional[0]};
        char **cmd = a->positional + 1;

        if (!container_name_is_valid(oa.id)) {
                log_error("exec: %s is not a container ID (letters, digits, '_', '.', '-')", oa.id);
                return 2;
        }
        if (cmd[0] && streq(cmd[0], "--"))
                cmd++;
        if (a->process &&
            (cmd[0] || a->cwd || a->env || a->user || a->gids || a->caps || a->no_new_privs)) {
                log_error("exec --process %s: the file describes the whole process; COMMAND, "
                          "--cwd, --env, --user, --additional-gids, --cap and --no-new-privs "
                          "belong into it",
                          a->process);
                return 2;
        }
        if (!a->process && !cmd[0]) {
                log_error("exec %s: give a COMMAND or --process FILE", oa.id);
                return 2;
        }
        /* they are ours to hand on: not open, our own fds would take
         * their place and leak into the container */
        for (unsigned i = 0; i < a->preserve_fds; i++)
                if (fcntl(3 + (int)i, F_GETFD) < 0) {
                        log_error("--preserve-fds %u: fd %u is not open", a->preserve_fds, 3 + i);
                        return 2;
                }
        return oci_exec_run(a, &oa, cmd);
}
