/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime exec: runs a command inside a running container. Two forms
 * share one command line (the rule is in form_of()):
 *  - berth's own (the generator's ExecReload= for ReloadCmd=, berthctl
 *    exec): the container is found by its init's pid, $MAINPID (which
 *    systemd sets for ExecReload=) or --pid, and the command gets the
 *    init's ids, groups, bounding set, environment and working directory,
 *    no_new_privs when the init has it, and the init's seccomp filter;
 *  - the OCI runtimes' (container engines, conmon): see oci-exec.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child-steps.h"
#include "console.h"
#include "exec.h"
#include "fileio.h"
#include "handoff.h"
#include "log.h"
#include "parse-util.h"
#include "run.h"
#include "security.h"
#include "spawn.h"
#include "strv.h"
#include "verbs.h"

typedef struct InitInfo {
        uid_t uid;
        gid_t gid;
        gid_t groups[256];
        size_t n_groups;
        uint64_t cap_bnd;
        bool no_new_privs;
        bool seccomp;
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
                return log_error_errno(SYNTHETIC_ERRNO(ESRCH),
                                       "process %d is not a berth container's init", (int)pid);
        return 0;
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

static int exec_berth(const ExecArgs *a)
{
        _cleanup_(seccomp_program_freep) SeccompProgram *seccomp = NULL;
        _cleanup_(container_freep) Container *c = container_new();
        _cleanup_close_pair_ int pair[2] = {-EBADF, -EBADF};
        _cleanup_close_ int init_pidfd = -EBADF, cwd_fd = -EBADF, pidfd = -EBADF;
        const char *pid_s = a->pid ?: getenv("MAINPID");
        InitInfo info = {};
        ExecContext x;
        char path[64];
        uint32_t init;
        pid_t pid;
        int r;

        if (!c)
                return log_oom(), 1;
        if (strv_length(a->positional) == 0) {
                log_error("exec needs a command");
                return 2;
        }
        if (!pid_s || parse_uint32(pid_s, &init) < 0 || init <= 1) {
                log_error("exec needs the container init's pid: --pid PID or $MAINPID");
                return 2;
        }

        init_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)init, 0);
        if (init_pidfd < 0)
                return log_error_errno(errno, "open process %u", init), 1;
        r = read_status(init, &info);
        if (r >= 0)
                r = read_environ(init, &c->env);
        if (r >= 0)
                r = check_container_init(init, c->env);
        STRV_FOREACH (e, a->env)
                if (r >= 0 && strv_env_set(&c->env, *e) < 0)
                        r = log_oom();
        if (r >= 0 && info.seccomp)
                r = exec_seccomp(a->name, a->store ?: BERTH_STATEDIR, a->upper, info.cap_bnd,
                                 &seccomp);
        if (r < 0)
                return 1;
        snprintf(path, sizeof(path), "/proc/%u/cwd", init);
        cwd_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cwd_fd < 0)
                return log_error_errno(errno, "open %s", path), 1;

        c->uid = info.uid;
        c->gid = info.gid;
        c->groups = malloc(sizeof(gid_t) * (info.n_groups ?: 1));
        c->args = strv_copy(a->positional);
        if (!c->groups || !c->args)
                return log_oom(), 1;
        memcpy(c->groups, info.groups, sizeof(gid_t) * info.n_groups);
        c->n_groups = info.n_groups;
        c->caps = info.cap_bnd;
        c->no_new_privileges = info.no_new_privs;
        c->tty = a->tty;
        /* the pty comes back to us over a pair, to relay as run --tty does */
        if (c->tty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(errno, "create the console socket pair"), 1;

        x = (ExecContext){.init_pid = (pid_t)init,
                          .init_pidfd = init_pidfd,
                          .cwd_fd = cwd_fd,
                          .seccomp = seccomp,
                          .console_fd = pair[1]};
        r = exec_spawn(c, &x, &pid, &pidfd);
        if (r != 0)
                return r < 0 ? 1 : r;
        pair[1] = safe_close(pair[1]);
        r = c->tty ? console_wait(pair[0], pid, pidfd) : foreground_wait(pid, pidfd);
        return r < 0 ? 1 : r;
}

typedef enum ExecForm {
        EXEC_FORM_BERTH,
        EXEC_FORM_OCI,
} ExecForm;

/* The OCI form has a container ID before any "--" or an option only it
 * knows; berth's form has --pid, --name, --store or --upper, or puts "--"
 * before its command. Mixing the two forms' own options is a usage error. */
static int form_of(const ExecArgs *a, bool dashdash_first, bool oci_option, ExecForm *ret)
{
        bool berth_option = a->pid || a->name || a->store || a->upper;

        if (berth_option && oci_option) {
                log_error("exec: --pid, --name, --store and --upper (berth's form) cannot be "
                          "combined with the OCI form's options");
                return -EINVAL;
        }
        if (berth_option || (!oci_option && (dashdash_first || !a->positional[0])))
                *ret = EXEC_FORM_BERTH;
        else
                *ret = EXEC_FORM_OCI;
        return 0;
}

static void exec_help(void)
{
        printf("Usage: berth-runtime exec [--name NAME [--store DIR | --upper DIR]] [--pid PID]\n"
               "                          [--env K=V] [--tty] -- COMMAND [ARG...]\n"
               "       berth-runtime [--root DIR] exec [--process FILE] [--tty]\n"
               "                          [--console-socket PATH] [--detach] [--pid-file FILE]\n"
               "                          [--cwd DIR] [--env K=V] [--user UID[:GID]]\n"
               "                          [--additional-gids GID] [--cap CAP] [--no-new-privs]\n"
               "                          [--preserve-fds N] ID [COMMAND [ARG...]]\n\n"
               "The first form runs COMMAND in the container whose init is PID (default:\n"
               "$MAINPID, as systemd sets it for ExecReload=). With --name, a custom\n"
               "seccomp profile the container was started with applies.\n"
               "The second (OCI) form runs a process in the container ID that create or\n"
               "run --bundle made under --root. The form with an ID before \"--\" or an\n"
               "option only the OCI form has is the OCI form. runc's --process-label,\n"
               "--apparmor and --ignore-paused are accepted and change nothing.\n"
               "See berth-runtime(8).\n");
}

int verb_exec(int argc, char **argv, const char *root)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"env", required_argument, NULL, 'e'},
                                                {"tty", no_argument, NULL, 't'},
                                                /* berth form */
                                                {"name", required_argument, NULL, 'N'},
                                                {"pid", required_argument, NULL, 'P'},
                                                {"store", required_argument, NULL, 'S'},
                                                {"upper", required_argument, NULL, 'U'},
                                                /* OCI form */
                                                {"process", required_argument, NULL, 'p'},
                                                {"console-socket", required_argument, NULL, 'C'},
                                                {"pid-file", required_argument, NULL, 'F'},
                                                {"detach", no_argument, NULL, 'd'},
                                                {"cwd", required_argument, NULL, 'W'},
                                                {"user", required_argument, NULL, 'u'},
                                                {"additional-gids", required_argument, NULL, 'g'},
                                                {"cap", required_argument, NULL, 'c'},
                                                {"no-new-privs", no_argument, NULL, 'n'},
                                                {"preserve-fds", required_argument, NULL, 'R'},
                                                {"process-label", required_argument, NULL, 'L'},
                                                {"apparmor", required_argument, NULL, 'A'},
                                                {"ignore-paused", no_argument, NULL, 'I'},
                                                {}};
        _cleanup_strv_free_ char **env = NULL, **caps = NULL, **gids = NULL;
        ExecArgs a = {.root = root ?: BERTH_RUNDIR "/oci"};
        const char *last_optarg = NULL;
        bool oci_option = false, dashdash_first;
        ExecForm form;
        uint32_t n;
        int opt;

        optind = 0;
        while ((opt = getopt_long(argc, argv, "+he:tp:du:g:c:", options, NULL)) >= 0) {
                last_optarg = optarg;
                oci_option = oci_option || strchr("pCFdWugcnRLAI", opt);
                switch (opt) {
                case 'h':
                        exec_help();
                        return 0;
                case 'e':
                        if (optarg[0] == '=' || !strchr(optarg, '=')) {
                                log_error("--env %s: expected KEY=VALUE", optarg);
                                return 2;
                        }
                        if (strv_extend(&env, optarg) < 0)
                                return log_oom(), 1;
                        break;
                case 't':
                        a.tty = true;
                        break;
                case 'N':
                        if (!container_name_is_valid(optarg)) {
                                log_error("--name %s: not a valid container name", optarg);
                                return 2;
                        }
                        a.name = optarg;
                        break;
                case 'P':
                        a.pid = optarg;
                        break;
                case 'S':
                        a.store = optarg;
                        break;
                case 'U':
                        a.upper = optarg;
                        break;
                case 'p':
                        a.process = optarg;
                        break;
                case 'C':
                        a.console_socket = optarg;
                        break;
                case 'F':
                        a.pid_file = optarg;
                        break;
                case 'd':
                        a.detach = true;
                        break;
                case 'W':
                        if (optarg[0] != '/') {
                                log_error("--cwd %s: must be an absolute path", optarg);
                                return 2;
                        }
                        a.cwd = optarg;
                        break;
                case 'u':
                        a.user = optarg;
                        break;
                case 'g':
                        if (strv_extend(&gids, optarg) < 0)
                                return log_oom(), 1;
                        break;
                case 'c':
                        if (strv_extend(&caps, optarg) < 0)
                                return log_oom(), 1;
                        break;
                case 'n':
                        a.no_new_privs = true;
                        break;
                case 'R':
                        if (parse_uint32(optarg, &n) < 0 || n > 65536) {
                                log_error("--preserve-fds %s: expected a number of fds", optarg);
                                return 2;
                        }
                        a.preserve_fds = n;
                        break;
                case 'L':
                case 'A':
                case 'I':
                        break; /* no SELinux or AppArmor labels; nothing is paused */
                default:
                        return 2;
                }
        }
        /* "--" ended the options: the word before the first positional */
        dashdash_first = optind > 1 && optind <= argc && streq(argv[optind - 1], "--") &&
                         argv[optind - 1] != last_optarg;
        a.env = env;
        a.caps = caps;
        a.gids = gids;
        a.positional = argv + optind;
        if (form_of(&a, dashdash_first, oci_option, &form) < 0)
                return 2;
        return form == EXEC_FORM_OCI ? oci_exec(&a) : exec_berth(&a);
}
