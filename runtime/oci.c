/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OCI runtime command line: create, start, state, kill, delete and run
 * on a bundle, so the same bundle runs under crun, runc and berth. State
 * lives in ROOT/ID/ (ROOT defaults to /run/berth/oci): state.json and, until
 * `start`, exec.fifo on which the created init waits. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "fileio.h"
#include "handoff.h"
#include "log.h"
#include "oci-config.h"
#include "oci.h"
#include "parse-util.h"
#include "run.h"
#include "spawn.h"
#include "verbs.h"

/* Where the init sends the pty master when process.terminal is true: to
 * the caller's --console-socket, or in a foreground run without one back
 * to us (*ret_relay_fd) to relay to our stdio, as `run --tty` does. */
static int console_prepare(const OciArgs *a, Container *c, SpawnWait wait, int *ret_send_fd,
                           int *ret_relay_fd)
{
        int pair[2];

        if (a->console_socket && !c->tty)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "--console-socket %s: config.json has no "
                                       "process.terminal, so there is no terminal to send",
                                       a->console_socket);
        if (!c->tty)
                return 0;
        if (a->console_socket) {
                if (!(c->console_socket = strdup(a->console_socket)))
                        return log_oom();
                return console_socket_connect(a->console_socket, ret_send_fd);
        }
        if (wait != SPAWN_WAIT_NONE || !ret_relay_fd)
                /* we exit before the container: nobody would hold the master */
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "config.json: process.terminal needs --console-socket "
                                       "for %s",
                                       wait == SPAWN_WAIT_READY ? "create"
                                       : a->detach              ? "run --detach"
                                                                : "run under systemd "
                                                                  "(NOTIFY_SOCKET)");
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return log_error_errno(errno, "create the console socket pair");
        *ret_relay_fd = pair[0];
        *ret_send_fd = pair[1];
        return 0;
}

/* ret_relay_fd (foreground run only, else NULL): see console_prepare(). */
static int oci_create(const OciArgs *a, SpawnWait wait, int *ret_relay_fd, pid_t *ret_pid,
                      int *ret_pidfd, int *ret_status_fd)
{
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_free_ char *dir = NULL, *fifo = NULL, *seccomp = NULL, *bundle = NULL;
        _cleanup_close_ int fifo_fd = -EBADF, console_fd = -EBADF;
        int r;

        bundle = realpath(a->bundle, NULL);
        if (!bundle)
                return log_error_errno(errno, "bundle %s", a->bundle);
        r = mkdir_p(a->root, 0700);
        if (r < 0)
                return log_error_errno(r, "create %s", a->root);
        if ((r = oci_state_dir(a, NULL, &dir)) < 0 ||
            (r = oci_state_dir(a, "exec.fifo", &fifo)) < 0 ||
            (r = oci_state_dir(a, "seccomp.json", &seccomp)) < 0)
                return r;
        if (mkdir(dir, 0700) < 0)
                return log_error_errno(
                    errno, errno == EEXIST ? "container %s exists" : "create state directory of %s",
                    a->id);
        r = container_from_oci_bundle(bundle, a->id, seccomp, &c);
        if (r < 0)
                goto fail;
        r = console_prepare(a, c, wait, &console_fd, ret_relay_fd);
        if (r < 0)
                goto fail;
        if (wait == SPAWN_WAIT_READY) {
                if (mkfifo(fifo, 0600) < 0) {
                        r = log_error_errno(errno, "create %s", fifo);
                        goto fail;
                }
                fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
                if (fifo_fd < 0) {
                        r = log_error_errno(errno, "open %s", fifo);
                        goto fail;
                }
        }
        r = container_spawn(c, wait, fifo_fd, console_fd, ret_pid, ret_pidfd, ret_status_fd);
        if (r < 0)
                goto fail;
        r = oci_state_write(a, *ret_pid, bundle);
        if (r < 0) {
                kill(*ret_pid, SIGKILL);
                goto fail;
        }
        return 0;
fail:
        if (ret_relay_fd)
                *ret_relay_fd = safe_close(*ret_relay_fd);
        (void)rm_rf(dir);
        return r;
}

static int oci_start(const OciArgs *a)
{
        _cleanup_free_ char *fifo = NULL;
        _cleanup_close_ int fd = -EBADF;
        OciState s = {};
        struct pollfd p;
        char b;
        int r;

        r = oci_state_read(a, &s);
        free(s.bundle);
        if (r < 0)
                return r;
        if (!streq(s.status, "created"))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "container %s is %s, not created",
                                       a->id, s.status);
        r = oci_state_dir(a, "exec.fifo", &fifo);
        if (r < 0)
                return r;
        /* Non-blocking, so a dead init cannot hang us; the init's blocked
         * open for writing completes as soon as we are a reader. */
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "open %s", fifo);
        p = (struct pollfd){.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0 || read(fd, &b, 1) != 1)
                return log_error_errno(SYNTHETIC_ERRNO(ETIMEDOUT), "container %s did not start",
                                       a->id);
        if (unlink(fifo) < 0)
                return log_error_errno(errno, "remove %s", fifo);
        return 0;
}

static int oci_state(const OciArgs *a)
{
        OciState s = {};
        json_t *j;
        char *text;
        int r;

        r = oci_state_read(a, &s);
        if (r < 0) {
                free(s.bundle);
                return r;
        }
        j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", OCI_VERSION, "id", a->id, "status",
                      s.status, "pid", streq(s.status, "stopped") ? 0 : (int)s.pid, "bundle",
                      s.bundle);
        free(s.bundle);
        if (!j)
                return log_oom();
        text = json_dumps(j, JSON_INDENT(2));
        json_decref(j);
        if (!text)
                return log_oom();
        printf("%s\n", text);
        free(text);
        return 0;
}

static int oci_kill(const OciArgs *a)
{
        OciState s = {};
        int sig, r;

        sig = parse_signal(a->signal ?: "TERM");
        if (sig < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "unknown signal %s", a->signal);
        r = oci_state_read(a, &s);
        free(s.bundle);
        if (r < 0)
                return r;
        if (streq(s.status, "stopped"))
                return log_error_errno(SYNTHETIC_ERRNO(ESRCH), "container %s is not running",
                                       a->id);
        if (kill(s.pid, sig) < 0)
                return log_error_errno(errno, "send signal %d to %d", sig, (int)s.pid);
        return 0;
}

static int oci_delete(const OciArgs *a)
{
        _cleanup_free_ char *dir = NULL;
        OciState s = {};
        int r;

        r = oci_state_read(a, &s);
        free(s.bundle);
        if (r < 0)
                return a->force ? 0 : r;
        if (streq(s.status, "running") && !a->force)
                return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
                                       "container %s is running; stop it or use --force", a->id);
        if (!streq(s.status, "stopped")) {
                /* A created init, or a running one with --force. */
                kill(s.pid, SIGKILL);
                for (int i = 0; i < 1000; i++) {
                        unsigned long long start;
                        char st;
                        if (oci_proc_stat(s.pid, &start, &st) < 0 || st == 'Z')
                                break;
                        usleep(1000);
                }
        }
        r = oci_state_dir(a, NULL, &dir);
        if (r < 0)
                return r;
        r = rm_rf(dir);
        return r < 0 ? log_error_errno(r, "remove %s", dir) : 0;
}

static int oci_run_foreground(const OciArgs *a)
{
        _cleanup_close_ int pidfd = -EBADF, status_fd = -EBADF, relay = -EBADF;
        _cleanup_free_ char *dir = NULL;
        bool foreground = !a->detach && !handoff_wanted();
        pid_t pid;
        int r, q;

        r = oci_create(a, foreground ? SPAWN_WAIT_NONE : SPAWN_WAIT_EXEC, &relay, &pid, &pidfd,
                       &status_fd);
        if (r < 0)
                return 1;
        if (a->detach)
                return 0;
        if (!foreground)
                return handoff_to_systemd(pid, false) < 0 ? 1 : 0;
        r = console_wait(relay, pid, pidfd);
        q = container_spawn_result(NULL, status_fd);
        if (oci_state_dir(a, NULL, &dir) >= 0)
                (void)rm_rf(dir);
        return r < 0 || q < 0 ? 1 : r;
}

int verb_oci(const char *verb, int argc, char **argv, const char *root)
{
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"bundle", required_argument, NULL, 'b'},
                                                {"pid-file", required_argument, NULL, 'p'},
                                                {"root", required_argument, NULL, 'r'},
                                                {"force", no_argument, NULL, 'f'},
                                                {"detach", no_argument, NULL, 'd'},
                                                {"all", no_argument, NULL, 'a'},
                                                {"console-socket", required_argument, NULL, 'c'},
                                                {"no-pivot", no_argument, NULL, 'n'},
                                                {"no-new-keyring", no_argument, NULL, 'k'},
                                                {}};
        OciArgs a = {.root = root ?: BERTH_RUNDIR "/oci", .bundle = "."};
        int opt, r;

        optind = 0;
        while ((opt = getopt_long(argc, argv, "hb:p:fda", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        printf("Usage: berth-runtime [--root DIR] create|run --bundle DIR "
                               "[--pid-file FILE] [--console-socket PATH] [--detach] ID\n"
                               "       berth-runtime start|state|delete [--force] ID\n"
                               "       berth-runtime kill [--all] ID [SIGNAL]\n\n"
                               "runc's --no-pivot, --no-new-keyring and kill --all are accepted "
                               "and change\nnothing.\n");
                        return 0;
                case 'b':
                        a.bundle = optarg;
                        break;
                case 'p':
                        a.pid_file = optarg;
                        break;
                case 'r':
                        a.root = optarg;
                        break;
                case 'f':
                        a.force = true;
                        break;
                case 'd':
                        a.detach = true;
                        break;
                case 'c':
                        a.console_socket = optarg;
                        break;
                case 'a':
                case 'n':
                case 'k':
                        break;
                default:
                        return 2;
                }
        if (optind >= argc || !container_name_is_valid(argv[optind])) {
                log_error("%s needs a container ID (letters, digits, '_', '.', '-')", verb);
                return 2;
        }
        if (a.console_socket && !streq(verb, "create") && !streq(verb, "run")) {
                log_error("--console-socket is an option of create, run and exec, not %s", verb);
                return 2;
        }
        a.id = argv[optind];
        if (optind + 1 < argc)
                a.signal = argv[optind + 1];

        if (streq(verb, "create")) {
                _cleanup_close_ int pidfd = -EBADF;
                pid_t pid;
                r = oci_create(&a, SPAWN_WAIT_READY, NULL, &pid, &pidfd, NULL);
        } else if (streq(verb, "run"))
                return oci_run_foreground(&a);
        else if (streq(verb, "start"))
                r = oci_start(&a);
        else if (streq(verb, "state"))
                r = oci_state(&a);
        else if (streq(verb, "kill"))
                r = oci_kill(&a);
        else
                r = oci_delete(&a);
        return r < 0 ? 1 : 0;
}
