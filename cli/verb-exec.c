/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec: run a command in a running container. berthctl finds the init
 * through berthd, moves itself into the container's unit cgroup (so limits
 * and "systemctl stop" cover the command too) and becomes `berth-runtime
 * exec`, which joins the init's namespaces through a pidfd and runs the
 * command with the init's user, groups, capabilities, no_new_privs, seccomp
 * filter, environment and working directory (and a pty for -t). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "container-record.h"
#include "fileio.h"
#include "macro.h"
#include "strv.h"

static int extend2(char ***l, const char *a, const char *b)
{
        int r = strv_extend(l, a);
        return r < 0 ? r : strv_extend(l, b);
}

static int read_cgroup(pid_t pid, char **ret)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *line, *save = NULL;
        int r;

        if (asprintf(&path, "/proc/%d/cgroup", (int)pid) < 0)
                return -ENOMEM;
        r = read_full_file(path, 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (strneq(line, "0::", 3)) {
                        *ret = strdup(line + 3);
                        return *ret ? 0 : -ENOMEM;
                }
        return -ENOENT;
}

/* Into the container's unit cgroup, "/system.slice/berth-web.service"
 * (done before the runtime joins the cgroup namespace). */
static int join_cgroup(const char *cgroup)
{
        static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                _cleanup_free_ char *procs = NULL;
                _cleanup_close_ int fd = -EBADF;

                if (asprintf(&procs, "%s%s/cgroup.procs", roots[i], cgroup) < 0)
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
                return ctl_error(ctl, &e, r, "exec");
        if (pid == 0) {
                fprintf(stderr, "berthctl: exec: container %s is not running\n", name);
                return -ESRCH;
        }
        *ret = (pid_t)pid;
        return 0;
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
        const char *runtime = getenv("BERTH_RUNTIME") ?: BERTH_RUNTIME_PATH;
        _cleanup_strv_free_ char **args = NULL;
        _cleanup_free_ char *cgroup = NULL;
        bool interactive = false, tty = false;
        char pid_s[32];
        pid_t pid = 0;
        int c, r;

        r = extend2(&args, runtime, "exec");
        if (r < 0)
                return r;
        while ((c = getopt_long(argc, argv, "+hite:", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl exec [-i] [-t] [-e KEY=VALUE] NAME COMMAND [ARG...]\n\n"
                               "Run COMMAND in the running container NAME, as its init runs:\n"
                               "same namespaces, cgroup, user, capabilities and seccomp filter.\n\n"
                               "  -i --interactive       Keep stdin attached\n"
                               "  -t --tty               Give the command a pty of the container\n"
                               "  -e --env KEY=VALUE     Set an environment variable\n");
                        return 0;
                case 'i':
                        interactive = true;
                        break;
                case 't':
                        tty = true;
                        break;
                case 'e':
                        if (!env_assignment_is_valid(optarg)) {
                                fprintf(stderr, "berthctl: invalid --env \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        if ((r = extend2(&args, "--env", optarg)) < 0)
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
        r = get_main_pid(ctl, argv[optind], &pid);
        if (r < 0)
                return r;
        r = read_cgroup(pid, &cgroup);
        if (r >= 0)
                r = join_cgroup(cgroup);
        if (r < 0)
                return fprintf(stderr, "berthctl: exec: cannot join the container's cgroup: %s\n",
                               strerror(-r)),
                       r;
        snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
        r = extend2(&args, "--pid", pid_s);
        /* lets the runtime find the seccomp profile the container runs with */
        if (r >= 0 && container_name_is_valid(argv[optind]))
                r = extend2(&args, "--name", argv[optind]);
        if (r >= 0 && getenv("BERTH_STATE_DIR"))
                r = extend2(&args, "--store", getenv("BERTH_STATE_DIR"));
        if (r >= 0 && tty)
                r = strv_extend(&args, "--tty");
        if (r >= 0)
                r = strv_extend(&args, "--");
        for (int i = optind + 1; r >= 0 && i < argc; i++)
                r = strv_extend(&args, argv[i]);
        if (r < 0)
                return r;
        if (!interactive) {
                r = stdin_from_null();
                if (r < 0)
                        return r;
        }
        sd_bus_flush_close_unref(TAKE_PTR(ctl->bus));
        execv(runtime, args);
        fprintf(stderr, "berthctl: cannot execute %s: %m\n", runtime);
        return -errno;
}
