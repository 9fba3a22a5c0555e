/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec: run a command in a running container. berthctl joins the container
 * init's cgroup and namespaces through a pidfd, then forks the command with
 * the init's user, groups, capabilities, no_new_privs and (Docker's default)
 * seccomp filter, its environment and its working directory. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
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

#include "berthctl.h"
#include "container-record.h"
#include "fileio.h"
#include "macro.h"
#include "security.h"
#include "strv.h"

#define GROUPS_MAX 256

typedef struct Target {
        pid_t pid;
        uid_t uid;
        gid_t gid;
        gid_t groups[GROUPS_MAX];
        size_t n_groups;
        uint64_t caps; /* the init's bounding set */
        bool no_new_privs;
        bool seccomp;
        char **env;
        char *cgroup; /* "/system.slice/berth-web.service" */
} Target;

static void target_done(Target *t)
{
        strv_free(t->env);
        free(t->cgroup);
}

static int read_proc(pid_t pid, const char *file, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "/proc/%d/%s", (int)pid, file) < 0)
                return -ENOMEM;
        return read_full_file(path, 1 << 20, ret, ret_len);
}

static int read_status(Target *t)
{
        _cleanup_free_ char *text = NULL;
        char *line, *save = NULL;
        int r;

        r = read_proc(t->pid, "status", &text, NULL);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned long long v;
                unsigned a, b;

                if (sscanf(line, "Uid: %u %u", &a, &b) == 2)
                        t->uid = b;
                else if (sscanf(line, "Gid: %u %u", &a, &b) == 2)
                        t->gid = b;
                else if (strneq(line, "Groups:", 7)) {
                        char *end, *p = line + 7;
                        while (t->n_groups < GROUPS_MAX) {
                                unsigned long g = strtoul(p, &end, 10);
                                if (end == p)
                                        break;
                                t->groups[t->n_groups++] = (gid_t)g;
                                p = end;
                        }
                } else if (sscanf(line, "CapBnd: %llx", &v) == 1)
                        t->caps = v;
                else if (sscanf(line, "NoNewPrivs: %u", &a) == 1)
                        t->no_new_privs = a;
                else if (sscanf(line, "Seccomp: %u", &a) == 1)
                        t->seccomp = a == 2;
        }
        return 0;
}

static int read_environ(Target *t)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_proc(t->pid, "environ", &text, &len);
        if (r < 0)
                return r;
        for (size_t i = 0; i < len; i += strlen(text + i) + 1)
                if (text[i] && (r = strv_extend(&t->env, text + i)) < 0)
                        return r;
        return 0;
}

static int read_cgroup(Target *t)
{
        _cleanup_free_ char *text = NULL;
        char *line, *save = NULL;
        int r;

        r = read_proc(t->pid, "cgroup", &text, NULL);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (strneq(line, "0::", 3)) {
                        t->cgroup = strdup(line + 3);
                        return t->cgroup ? 0 : -ENOMEM;
                }
        return -ENOENT;
}

/* Into the container's unit cgroup, so that limits and "systemctl stop"
 * cover the command too (done before joining the cgroup namespace). */
static int join_cgroup(const Target *t)
{
        static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                _cleanup_free_ char *procs = NULL;
                _cleanup_close_ int fd = -EBADF;

                if (asprintf(&procs, "%s%s/cgroup.procs", roots[i], t->cgroup) < 0)
                        return -ENOMEM;
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (write(fd, "0", 1) != 1)
                        return negative_errno();
                return 0;
        }
        return -ENOENT;
}

/* The namespaces of pid that differ from ours; setns() refuses to join the
 * user namespace we are in already. */
static int namespaces_to_join(pid_t pid)
{
        static const struct {
                const char *name;
                int flag;
        } ns[] = {
            {"mnt", CLONE_NEWNS},    {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},
            {"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID},   {"cgroup", CLONE_NEWCGROUP},
            {"time", CLONE_NEWTIME}, {"user", CLONE_NEWUSER},
        };
        int flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char a[64], b[64];
                struct stat sa, sb;

                snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns[i].name);
                snprintf(b, sizeof(b), "/proc/self/ns/%s", ns[i].name);
                if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
                        continue;
                if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
                        flags |= ns[i].flag;
        }
        return flags;
}

_noreturn_ static void child(const Target *t, int cwd_fd, char **argv, SeccompProgram *prog)
{
        if (fchdir(cwd_fd) < 0) {
                fprintf(stderr, "berthctl: exec: cannot enter the working directory: %m\n");
                _exit(126);
        }
        if (prctl(PR_SET_KEEPCAPS, 1) < 0 ||
            (t->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)) {
                fprintf(stderr, "berthctl: exec: prctl: %m\n");
                _exit(126);
        }
        /* the filter first, while CAP_SYS_ADMIN allows it without NNP; the
         * default profile allows the calls that follow */
        if (prog && seccomp_program_install(prog) < 0) {
                fprintf(stderr, "berthctl: exec: cannot install the seccomp filter\n");
                _exit(126);
        }
        if (setgroups(t->n_groups, t->groups) < 0 || setresgid(t->gid, t->gid, t->gid) < 0 ||
            setresuid(t->uid, t->uid, t->uid) < 0) {
                fprintf(stderr, "berthctl: exec: cannot become %u:%u: %m\n", t->uid, t->gid);
                _exit(126);
        }
        if (caps_apply(t->caps, t->uid == 0) < 0) {
                fprintf(stderr, "berthctl: exec: cannot set the capabilities\n");
                _exit(126);
        }
        execvpe(argv[0], argv, t->env);
        fprintf(stderr, "berthctl: exec: %s: %m\n", argv[0]);
        _exit(errno == ENOENT ? 127 : 126);
}

static int get_main_pid(Ctl *ctl, const char *name, pid_t *ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *path;
        uint32_t pid;
        int r;

        r = ctl_call(ctl, "GetContainer", &reply, "exec", "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_property_trivial(ctl->bus, "org.berth1", path,
                                                "org.berth1.Container", "MainPID", &e, 'u', &pid);
        if (r < 0)
                return ctl_error(&e, r, "exec");
        if (pid == 0) {
                fprintf(stderr, "berthctl: exec: container %s is not running\n", name);
                return -ESRCH;
        }
        *ret = (pid_t)pid;
        return 0;
}

static pid_t forward_to;

static void forward_signal(int sig)
{
        if (forward_to > 0)
                kill(forward_to, sig);
}

int verb_exec(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"interactive", no_argument, NULL, 'i'},
            {"tty", no_argument, NULL, 't'},
            {"env", required_argument, NULL, 'e'},
            {},
        };
        _cleanup_(target_done) Target t = {};
        _cleanup_(seccomp_program_freep) SeccompProgram *prog = NULL;
        _cleanup_close_ int pidfd = -EBADF, cwd_fd = -EBADF;
        _cleanup_strv_free_ char **extra_env = NULL;
        _cleanup_free_ char *cwd_path = NULL;
        struct sigaction sa = {.sa_handler = forward_signal};
        int c, r, flags, status;
        pid_t pid;

        while ((c = getopt_long(argc, argv, "+hite:", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl exec [-i] [-t] [-e KEY=VALUE] NAME COMMAND [ARG...]\n\n"
                               "Run COMMAND in the running container NAME, as its init runs:\n"
                               "same namespaces, cgroup, user, capabilities and seccomp filter.\n"
                               "-i and -t keep this terminal attached.\n");
                        return 0;
                case 'i':
                case 't':
                        break;
                case 'e':
                        if (!env_assignment_is_valid(optarg)) {
                                fprintf(stderr, "berthctl: invalid --env \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        if ((r = strv_extend(&extra_env, optarg)) < 0)
                                return r;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 2 > argc) {
                fprintf(stderr, "berthctl: exec: give a container and a command\n");
                return -EINVAL;
        }
        if (geteuid() != 0) {
                fprintf(stderr,
                        "berthctl: exec: not authorized: entering a container needs root\n");
                return -EACCES;
        }
        r = get_main_pid(ctl, argv[optind], &t.pid);
        if (r < 0)
                return r;
        /* a pidfd pins the process: the checks below and setns() all see
         * the same init even if it exits and the PID is reused meanwhile */
        pidfd = (int)syscall(SYS_pidfd_open, t.pid, 0);
        if (pidfd < 0)
                return fprintf(stderr, "berthctl: exec: cannot open the container's init: %m\n"),
                       -errno;
        if ((r = read_status(&t)) < 0 || (r = read_environ(&t)) < 0 || (r = read_cgroup(&t)) < 0)
                return fprintf(stderr, "berthctl: exec: cannot read the container's init: %s\n",
                               strerror(-r)),
                       r;
        STRV_FOREACH (e, extra_env)
                if ((r = strv_env_set(&t.env, *e)) < 0)
                        return r;
        if (asprintf(&cwd_path, "/proc/%d/cwd", (int)t.pid) < 0)
                return -ENOMEM;
        cwd_fd = open(cwd_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cwd_fd < 0)
                return fprintf(stderr, "berthctl: exec: %s: %m\n", cwd_path), -errno;
        /* the init still runs? (the pidfd is readable once it exited) */
        if (kill(t.pid, 0) < 0 || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return fprintf(stderr, "berthctl: exec: the container's init exited\n"), -ESRCH;
        if (t.seccomp) {
                r = seccomp_program_default(t.caps, &prog);
                if (r < 0)
                        return fprintf(stderr, "berthctl: exec: cannot build the seccomp filter\n"),
                               r;
        }

        r = join_cgroup(&t);
        if (r < 0)
                return fprintf(stderr, "berthctl: exec: cannot join the container's cgroup: %s\n",
                               strerror(-r)),
                       r;
        flags = namespaces_to_join(t.pid);
        if (flags && setns(pidfd, flags) < 0)
                return fprintf(stderr, "berthctl: exec: cannot enter the namespaces: %m\n"), -errno;
        sd_bus_flush_close_unref(TAKE_PTR(ctl->bus));

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                child(&t, cwd_fd, argv + optind + 1, prog);
        forward_to = pid;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        /* ^C on a shared terminal reaches the command itself */
        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}
