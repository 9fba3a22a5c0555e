/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime exec: runs a command inside a running container (the
 * generator's ExecReload= for ReloadCmd=). The container is found by its
 * init's pid: $MAINPID, which systemd sets for ExecReload=, or --pid. The
 * command gets the init's namespaces, ids, groups, bounding set,
 * environment and working directory, no_new_privs when the init has it,
 * and the default seccomp filter when the init runs under one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-steps.h"
#include "console.h"
#include "fileio.h"
#include "handoff.h"
#include "log.h"
#include "parse-util.h"
#include "run.h"
#include "security.h"
#include "spawn.h"
#include "strv.h"
#include "verbs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

typedef struct InitInfo {
        uid_t uid;
        gid_t gid;
        gid_t groups[256];
        size_t n_groups;
        uint64_t cap_bnd;
        bool no_new_privs;
        bool seccomp;
        char **env;
} InitInfo;

static int read_status(pid_t pid, InitInfo *info)
{
        _cleanup_free_ char *buf = NULL, *path = NULL;
        int r;

        if (asprintf(&path, "/proc/%d/status", (int)pid) < 0)
                return log_oom();
        r = read_full_file(path, 64 * 1024, &buf, NULL);
        if (r < 0)
                return log_error_errno(r, "read %s", path);
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                unsigned long long v;
                unsigned a;

                if (sscanf(line, "Uid: %*u %u", &a) == 1)
                        info->uid = a;
                else if (sscanf(line, "Gid: %*u %u", &a) == 1)
                        info->gid = a;
                else if (sscanf(line, "CapBnd: %llx", &v) == 1)
                        info->cap_bnd = v;
                else if (sscanf(line, "NoNewPrivs: %u", &a) == 1)
                        info->no_new_privs = a;
                else if (sscanf(line, "Seccomp: %u", &a) == 1)
                        info->seccomp = a == 2;
                else if (strneq(line, "Groups:", 7)) {
                        char *p = line + 7, *end;
                        while (info->n_groups < ELEMENTSOF(info->groups)) {
                                unsigned long g = strtoul(p, &end, 10);
                                if (end == p)
                                        break;
                                info->groups[info->n_groups++] = (gid_t)g;
                                p = end;
                        }
                }
        }
        return 0;
}

static int read_environ(pid_t pid, char ***ret)
{
        _cleanup_free_ char *buf = NULL, *path = NULL;
        size_t len;
        int r;

        if (asprintf(&path, "/proc/%d/environ", (int)pid) < 0)
                return log_oom();
        r = read_full_file(path, 1024 * 1024, &buf, &len);
        if (r < 0)
                return log_error_errno(r, "read %s", path);
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
                if (buf[i] && strv_extend(ret, buf + i) < 0)
                        return log_oom();
        return 0;
}

/* Only a berth container's init: PID 1 of its own pid namespace, with the
 * container=berth marker the runtime sets. */
static int check_container_init(pid_t pid, char *const *env)
{
        char self[64], other[64];
        struct stat a, b;

        snprintf(self, sizeof(self), "/proc/self/ns/pid");
        snprintf(other, sizeof(other), "/proc/%d/ns/pid", (int)pid);
        if (stat(self, &a) < 0 || stat(other, &b) < 0)
                return log_error_errno(errno, "inspect process %d", (int)pid);
        if (a.st_ino == b.st_ino || !streq(strempty(strv_env_get(env, "container")), "berth"))
                return log_error_errno(ESRCH, "process %d is not a berth container's init",
                                       (int)pid);
        return 0;
}

/* The namespaces of pid that differ from ours. */
static int namespaces_to_join(pid_t pid)
{
        static const struct {
                const char *name;
                int flag;
        } ns[] = {{"mnt", CLONE_NEWNS},   {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
                  {"ipc", CLONE_NEWIPC},  {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
                  {"time", CLONE_NEWTIME}};
        int flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char p[64], q[64];
                struct stat a, b;

                snprintf(p, sizeof(p), "/proc/self/ns/%s", ns[i].name);
                snprintf(q, sizeof(q), "/proc/%d/ns/%s", (int)pid, ns[i].name);
                if (stat(p, &a) == 0 && stat(q, &b) == 0 && a.st_ino != b.st_ino)
                        flags |= ns[i].flag;
        }
        return flags;
}

static _noreturn_ void exec_child(InitInfo *info, int cwd_fd, char **argv, SeccompProgram *seccomp)
{
        char exe[PATH_MAX];
        int r;

        if (fchdir(cwd_fd) < 0)
                _exit((log_error_errno(errno, "change to the container's working directory"), 127));
        r = find_executable(argv[0], strv_env_get(info->env, "PATH"), exe, sizeof(exe));
        if (r < 0)
                _exit(127);
        if (seccomp && !info->no_new_privs && (r = seccomp_program_install(seccomp)) < 0)
                _exit((log_error_errno(r, "install seccomp filter"), 126));
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(info->n_groups, info->groups) < 0 ||
            setresgid(info->gid, info->gid, info->gid) < 0 ||
            setresuid(info->uid, info->uid, info->uid) < 0)
                _exit((log_error_errno(errno, "switch to the container's user"), 126));
        r = caps_apply(info->cap_bnd, info->uid == 0);
        if (r < 0)
                _exit((log_error_errno(r, "apply capabilities"), 126));
        if (info->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                _exit((log_error_errno(errno, "set no_new_privs"), 126));
        if (seccomp && info->no_new_privs && (r = seccomp_program_install(seccomp)) < 0)
                _exit((log_error_errno(r, "install seccomp filter"), 126));
        execve(exe, argv, info->env);
        log_error_errno(errno, "execute %s", exe);
        _exit(errno == ENOENT ? 127 : 126);
}

/* The init's filter: the profile `run` noted beside the container's layers
 * (a custom SeccompProfile=), else Docker's default. */
static int exec_seccomp(const char *name, const char *store, const char *upper, uint64_t caps,
                        SeccompProgram **ret)
{
        _cleanup_free_ char *note = NULL, *profile = NULL;
        int r;

        if (upper)
                r = asprintf(&note, "%s/seccomp-profile", upper);
        else if (name)
                r = asprintf(&note, "%s/containers/%s/seccomp-profile", store, name);
        else
                r = 0;
        if (r < 0)
                return log_oom();
        r = note ? read_full_file(note, PATH_MAX, &profile, NULL) : -ENOENT;
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "read %s", note);
        if (r >= 0) {
                r = seccomp_program_from_file(profile, caps, ret);
                return r < 0 ? log_error_errno(r, "load seccomp profile %s", profile) : 0;
        }
        r = seccomp_program_default(caps, ret);
        return r < 0 ? log_error_errno(r, "load the default seccomp profile") : 0;
}

int verb_exec(int argc, char **argv)
{
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},        {"name", required_argument, NULL, 'n'},
            {"pid", required_argument, NULL, 'p'},   {"env", required_argument, NULL, 'e'},
            {"tty", no_argument, NULL, 't'},         {"store", required_argument, NULL, 's'},
            {"upper", required_argument, NULL, 'u'}, {}};
        _cleanup_(seccomp_program_freep) SeccompProgram *seccomp = NULL;
        _cleanup_close_ int pidfd = -EBADF, cwd_fd = -EBADF, master = -EBADF;
        _cleanup_strv_free_ char **extra_env = NULL;
        bool tty = false;
        const char *pid_s = getenv("MAINPID"), *name = NULL, *store = BERTH_STATEDIR, *upper = NULL;
        InitInfo info = {};
        char path[64];
        uint32_t pid;
        sigset_t fwd, old;
        pid_t child;
        int opt, r, flags;

        optind = 0;
        while ((opt = getopt_long(argc, argv, "+he:t", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        printf(
                            "Usage: berth-runtime exec [--name NAME [--store DIR | --upper DIR]] "
                            "[--pid PID] [--env K=V] [--tty] -- COMMAND [ARG...]\n\nRuns "
                            "COMMAND in the container whose init is PID (default: $MAINPID, "
                            "as systemd sets it for ExecReload=). With --name, a custom "
                            "seccomp profile the container was started with applies.\n");
                        return 0;
                case 'e':
                        if (optarg[0] == '=' || !strchr(optarg, '=')) {
                                log_error("--env %s: expected KEY=VALUE", optarg);
                                return 2;
                        }
                        if (strv_extend(&extra_env, optarg) < 0)
                                return log_oom(), 1;
                        break;
                case 't':
                        tty = true;
                        break;
                case 'n':
                        if (!container_name_is_valid(optarg)) {
                                log_error("--name %s: not a valid container name", optarg);
                                return 2;
                        }
                        name = optarg;
                        break;
                case 's':
                        store = optarg;
                        break;
                case 'u':
                        upper = optarg;
                        break;
                case 'p':
                        pid_s = optarg;
                        break;
                default:
                        return 2;
                }
        if (optind >= argc) {
                log_error("exec needs a command");
                return 2;
        }
        if (!pid_s || parse_uint32(pid_s, &pid) < 0 || pid <= 1) {
                log_error("exec needs the container init's pid: --pid PID or $MAINPID");
                return 2;
        }

        pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
        if (pidfd < 0)
                return log_error_errno(errno, "open process %u", pid), 1;
        r = read_status(pid, &info);
        if (r >= 0)
                r = read_environ(pid, &info.env);
        if (r >= 0)
                r = check_container_init(pid, info.env);
        STRV_FOREACH (e, extra_env)
                if (r >= 0 && strv_env_set(&info.env, *e) < 0)
                        r = log_oom();
        if (r < 0)
                goto out;
        if (info.seccomp) {
                r = exec_seccomp(name, store, upper, info.cap_bnd, &seccomp);
                if (r < 0)
                        goto out;
        }
        snprintf(path, sizeof(path), "/proc/%u/cwd", pid);
        cwd_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cwd_fd < 0) {
                r = log_error_errno(errno, "open %s", path);
                goto out;
        }
        flags = namespaces_to_join(pid);
        if (flags != 0 && setns(pidfd, flags) < 0) {
                r = log_error_errno(errno, "join the namespaces of process %u", pid);
                goto out;
        }
        /* the container's own devpts, now that we see its mount tree */
        if (tty && (r = console_open_master(&master)) < 0)
                goto out;

        spawn_forward_signals(&fwd);
        sigprocmask(SIG_BLOCK, &fwd, &old);
        child = fork(); /* a fork enters the pid namespace */
        if (child < 0) {
                r = log_error_errno(errno, "fork");
                goto out;
        }
        if (child == 0) {
                sigprocmask(SIG_SETMASK, &old, NULL);
                int slave;
                if (master >= 0 && (console_open_slave(master, info.uid, NULL, &slave) < 0 ||
                                    console_take_stdio(slave, NULL) < 0))
                        _exit(126);
                exec_child(&info, cwd_fd, argv + optind, seccomp);
        }
        {
                _cleanup_close_ int child_fd = (int)syscall(SYS_pidfd_open, child, 0);
                r = master >= 0 ? console_relay(master, child, child_fd)
                                : foreground_wait(child, child_fd);
        }
out:
        strv_free(info.env);
        return r < 0 ? 1 : r;
}
