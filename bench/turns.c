/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Times whole commands taking turns: one run of each per round, so a load
 * change hits all of them alike. Prints each command's median wall time and
 * its mean CPU time (user + system of the command and its children), then
 * the first command's medians as ratios of the others.
 *
 *   turns ROUNDS NAME=COMMAND [NAME=COMMAND...]
 *
 * COMMAND is split on spaces (no quoting). Commands start through
 * posix_spawn, which clones with CLONE_VM|CLONE_VFORK: forking a shell
 * costs about 3 ms per start on this kind of VM, more than some of the
 * runtimes measured take, and would blur their ratios. stdout goes to
 * /dev/null; a failing run stops the benchmark. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CMDS 8
#define MAX_ARGS 32

typedef struct Cmd {
        const char *name;
        char *argv[MAX_ARGS + 1];
        double *wall_ms;
        double cpu_ms;
} Cmd;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv)
{
        return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

static int parse_cmd(char *spec, Cmd *ret)
{
        char *eq = strchr(spec, '='), *save = NULL, *w;
        int n = 0;

        if (!eq || eq == spec)
                return -EINVAL;
        *eq = 0;
        ret->name = spec;
        for (w = strtok_r(eq + 1, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                if (n == MAX_ARGS)
                        return -E2BIG;
                ret->argv[n++] = w;
        }
        ret->argv[n] = NULL;
        return n > 0 ? 0 : -EINVAL;
}

/* One run: wall time in ms, CPU time added to cmd->cpu_ms. */
static int run_once(Cmd *cmd, const posix_spawn_file_actions_t *fa, double *ret_wall)
{
        struct rusage ru;
        double t0, t1;
        pid_t pid;
        int r, status;

        t0 = now_ms();
        r = posix_spawnp(&pid, cmd->argv[0], fa, NULL, cmd->argv, environ);
        if (r != 0) {
                fprintf(stderr, "%s: %s: %s\n", cmd->name, cmd->argv[0], strerror(r));
                return -r;
        }
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR)
                        return -errno;
        t1 = now_ms();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "%s failed (status 0x%x): %s\n", cmd->name, status, cmd->argv[0]);
                return -EIO;
        }
        cmd->cpu_ms += tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
        *ret_wall = t1 - t0;
        return 0;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static double median(double *v, int n)
{
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
        posix_spawn_file_actions_t fa;
        Cmd cmds[MAX_CMDS] = {};
        double med[MAX_CMDS], cpu[MAX_CMDS], loadavg[1] = {0};
        int rounds, n = argc - 2, r;

        if (argc < 3 || n > MAX_CMDS || (rounds = atoi(argv[1])) < 1) {
                fprintf(stderr, "usage: turns ROUNDS NAME=COMMAND [NAME=COMMAND...]\n");
                return 2;
        }
        for (int i = 0; i < n; i++) {
                if (parse_cmd(argv[i + 2], &cmds[i]) < 0) {
                        fprintf(stderr, "bad command spec: %s\n", argv[i + 2]);
                        return 2;
                }
                cmds[i].wall_ms = calloc(rounds, sizeof(double));
                if (!cmds[i].wall_ms)
                        return 1;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);

        /* A warm-up run each: page cache, the runtimes' own caches, and an
         * early failure when one cannot run the bundle at all. */
        for (int i = 0; i < n; i++) {
                double w;
                if (run_once(&cmds[i], &fa, &w) < 0)
                        return 1;
                cmds[i].cpu_ms = 0;
        }
        for (int round = 0; round < rounds; round++)
                for (int i = 0; i < n; i++) {
                        r = run_once(&cmds[i], &fa, &cmds[i].wall_ms[round]);
                        if (r < 0)
                                return 1;
                }

        (void)getloadavg(loadavg, 1);
        printf("%-8s %10s %12s   (%d runs each, taking turns; load %.2f)\n", "command", "median ms",
               "CPU ms/run", rounds, loadavg[0]);
        for (int i = 0; i < n; i++) {
                med[i] = median(cmds[i].wall_ms, rounds);
                cpu[i] = cmds[i].cpu_ms / rounds;
                printf("%-8s %10.2f %12.2f\n", cmds[i].name, med[i], cpu[i]);
        }
        for (int i = 1; i < n; i++)
                printf("%s/%s = %.2f wall, %.2f CPU\n", cmds[0].name, cmds[i].name, med[0] / med[i],
                       cpu[i] > 0 ? cpu[0] / cpu[i] : 0);
        return 0;
}
