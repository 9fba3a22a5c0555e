/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper: forces the one interleaving of two processes' layer locks
 * that a race would give only now and then.
 *
 *   registry-lock-gate DIR LOG MODE WAIT_MS -- COMMAND [ARG...]
 *
 * Runs COMMAND and watches, with fanotify permission events, every open of
 * a file in DIR (a store's locks/ directory, where each layer lock is a
 * file). Opens of COMMAND that MODE picks are held until some other process
 * holds a flock on that file (per /proc/locks), for at most WAIT_MS; then
 * COMMAND's own try-lock fails as it would had the other process won the
 * race. MODE:
 *   again        opens of a file COMMAND has opened before (a lock taken
 *                again, as a retry that drops its lock would)
 *   after-first  every open but COMMAND's first one; such an open also
 *                goes on once another process has opened COMMAND's first
 *                lock twice meanwhile: it waits for that lock, and had it
 *                wanted this one too, it would have tried it by then
 * Every open is logged to LOG: "cmd NAME", "other PID NAME", and for a held
 * one "held NAME other|waiting|timeout MS". Exits with COMMAND's status. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_NAMES   64
#define MAX_PENDING 64

typedef struct Pending {
        int fd; /* the event's: answered and closed when released */
        char name[NAME_MAX + 1];
        dev_t dev;
        ino_t ino;
        uint64_t since, deadline;
        unsigned first_tries; /* opens of COMMAND's first lock by others since */
} Pending;

typedef struct Gate {
        int fan;
        pid_t child;
        FILE *log;
        bool again; /* MODE again, else after-first */
        unsigned wait_ms;
        char names[MAX_NAMES][NAME_MAX + 1];
        size_t n_names, n_opens;
        char first[NAME_MAX + 1]; /* COMMAND's first lock */
        Pending pending[MAX_PENDING];
        size_t n_pending;
} Gate;

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether a process other than the child holds a flock on dev:ino. */
static bool held_by_other(const Gate *g, dev_t dev, ino_t ino)
{
        char line[512], type[16];
        bool found = false;
        FILE *f = fopen("/proc/locks", "re");

        if (!f)
                return false;
        while (!found && fgets(line, sizeof(line), f)) {
                unsigned maj, min;
                unsigned long long i;
                int pid;

                /* "1: FLOCK  ADVISORY  WRITE 123 fd:00:4567 0 EOF"; waiters
                 * have "->" where the type is */
                if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", type, &pid, &maj, &min, &i) !=
                    5)
                        continue;
                found = strcmp(type, "FLOCK") == 0 && pid != g->child && maj == major(dev) &&
                        min == minor(dev) && i == ino;
        }
        fclose(f);
        return found;
}

static void allow(Gate *g, int fd)
{
        struct fanotify_response resp = {.fd = fd, .response = FAN_ALLOW};

        if (write(g->fan, &resp, sizeof(resp)) != sizeof(resp))
                fprintf(stderr, "registry-lock-gate: answer: %m\n");
        close(fd);
}

static bool seen_before(Gate *g, const char *name)
{
        for (size_t i = 0; i < g->n_names; i++)
                if (strcmp(g->names[i], name) == 0)
                        return true;
        if (g->n_names < MAX_NAMES)
                snprintf(g->names[g->n_names++], sizeof(g->names[0]), "%.*s", NAME_MAX, name);
        return false;
}

static void on_event(Gate *g, const struct fanotify_event_metadata *m)
{
        char link[64], path[PATH_MAX];
        const char *name;
        struct stat st;
        bool hold;
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
        n = readlink(link, path, sizeof(path) - 1);
        path[n < 0 ? 0 : n] = 0;
        name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (m->pid != g->child) {
                fprintf(g->log, "other %d %s\n", (int)m->pid, name);
                if (strcmp(name, g->first) == 0)
                        for (size_t i = 0; i < g->n_pending; i++)
                                g->pending[i].first_tries++;
                allow(g, m->fd);
                return;
        }
        fprintf(g->log, "cmd %s\n", name);
        if (g->n_opens == 0)
                snprintf(g->first, sizeof(g->first), "%.*s", NAME_MAX, name);
        hold = g->again ? seen_before(g, name) : g->n_opens > 0;
        g->n_opens++;
        if (!hold || g->n_pending == MAX_PENDING || fstat(m->fd, &st) < 0) {
                allow(g, m->fd);
                return;
        }
        g->pending[g->n_pending++] = (Pending){
            .fd = m->fd,
            .dev = st.st_dev,
            .ino = st.st_ino,
            .since = now_ms(),
            .deadline = now_ms() + g->wait_ms,
        };
        snprintf(g->pending[g->n_pending - 1].name, sizeof(g->pending[0].name), "%.*s", NAME_MAX,
                 name);
}

/* Releases the held opens whose lock another process has taken by now, or
 * whose time is up (all of them when force). */
static void release_due(Gate *g, bool force)
{
        uint64_t now = now_ms();

        for (size_t i = 0; i < g->n_pending;) {
                Pending *p = &g->pending[i];
                bool other = held_by_other(g, p->dev, p->ino);
                bool waiting = !g->again && p->first_tries >= 2;

                if (!other && !waiting && !force && now < p->deadline) {
                        i++;
                        continue;
                }
                fprintf(g->log, "held %s %s %llu\n", p->name,
                        other     ? "other"
                        : waiting ? "waiting"
                                  : "timeout",
                        (unsigned long long)(now - p->since));
                allow(g, p->fd);
                *p = g->pending[--g->n_pending];
        }
}

static int run(Gate *g, int pidfd)
{
        char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));

        for (;;) {
                struct pollfd pfd[2] = {{.fd = g->fan, .events = POLLIN},
                                        {.fd = pidfd, .events = POLLIN}};
                int status;

                if (poll(pfd, 2, g->n_pending ? 10 : -1) < 0 && errno != EINTR)
                        return 1;
                if (pfd[0].revents & POLLIN) {
                        ssize_t len = read(g->fan, buf, sizeof(buf));
                        const struct fanotify_event_metadata *m = (void *)buf;

                        for (; len > 0 && FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len))
                                if (m->fd >= 0 && (m->mask & FAN_OPEN_PERM))
                                        on_event(g, m);
                                else if (m->fd >= 0)
                                        close(m->fd);
                }
                release_due(g, false);
                if (pfd[1].revents & POLLIN) {
                        release_due(g, true);
                        if (waitpid(g->child, &status, 0) < 0)
                                return 1;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
        }
}

int main(int argc, char **argv)
{
        Gate g = {};
        int pidfd;

        if (argc < 7 || strcmp(argv[5], "--") != 0 ||
            (strcmp(argv[3], "again") != 0 && strcmp(argv[3], "after-first") != 0)) {
                fprintf(stderr, "usage: registry-lock-gate DIR LOG again|after-first WAIT_MS -- "
                                "COMMAND [ARG...]\n");
                return 2;
        }
        g.again = strcmp(argv[3], "again") == 0;
        g.wait_ms = (unsigned)strtoul(argv[4], NULL, 10);
        g.log = fopen(argv[2], "we");
        if (!g.log) {
                fprintf(stderr, "registry-lock-gate: %s: %m\n", argv[2]);
                return 1;
        }
        setvbuf(g.log, NULL, _IOLBF, 0);
        g.fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
        if (g.fan < 0) {
                /* no CONFIG_FANOTIFY_ACCESS_PERMISSIONS, or no CAP_SYS_ADMIN */
                fprintf(stderr, "SKIP: fanotify permission events: %m\n");
                return 77;
        }
        if (fanotify_mark(g.fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, AT_FDCWD,
                          argv[1]) < 0) {
                fprintf(stderr, "SKIP: fanotify_mark %s: %m\n", argv[1]);
                return 77;
        }
        g.child = fork();
        if (g.child < 0)
                return 1;
        if (g.child == 0) {
                /* a test that gives up on a hang kills the gate: COMMAND too */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
                        _exit(1);
                execvp(argv[6], argv + 6);
                fprintf(stderr, "registry-lock-gate: exec %s: %m\n", argv[6]);
                _exit(127);
        }
        pidfd = (int)syscall(SYS_pidfd_open, g.child, 0);
        if (pidfd < 0) {
                kill(g.child, SIGKILL);
                return 1;
        }
        return run(&g, pidfd);
}
