/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Times what the bridge network adds to a container start: a child in a new
 * network namespace, then network_attach() in the parent (as berth-runtime
 * does), against the same child with no attach (Network=none). The detach is
 * timed too, although it runs in ExecStopPost=, after the container.
 *
 * The floor is the kernel work alone: the same veth (peer created inside the
 * child's namespace, enslaved to the bridge) and the same address, links and
 * route inside, in two netlink batches, with none of berth's bookkeeping
 * (IPAM, record, nftables, /etc files). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "log.h"
#include "network.h"

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this process, kernel work on its behalf included: unlike wall
 * time it hardly moves when other jobs load the machine. */
static double cpu_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Minor page faults so far. After the fork of the container, every page the
 * parent writes is copied first (a fault and a TLB flush), which is a large
 * and load-independent part of what an attach costs. */
static double minflt(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (double)ru.ru_minflt;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static pid_t spawn(void)
{
        int p[2];
        char c;
        pid_t pid;

        if (pipe(p) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                close(p[0]);
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                (void)!write(p[1], "x", 1);
                pause();
                _exit(0);
        }
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
                pid = -1;
        close(p[0]);
        return pid;
}

static int floor_plumb(const char *bridge, pid_t pid)
{
        struct in_addr addr = {htonl(0x0a5a00fe)}, bcast = {htonl(0x0a5a00ff)},
                       gw = {htonl(0x0a5a0001)};
        /* berth sets eth0's hardware address too (02:be + the IP address). */
        static const uint8_t mac[6] = {0x02, 0xbe, 10, 90, 0, 254};
        Netlink nl;
        char path[64];
        int nsfd, index, r;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return -errno;
        r = nl_open(&nl);
        if (r >= 0) {
                index = link_get_index(&nl, bridge);
                r = index < 0 ? index
                              : queue_veth_create(&nl, "vbfloor0", index, "eth0", nsfd, mac, 0);
                if (r >= 0)
                        r = nl_transact(&nl, NULL, NULL, NULL);
                nl_close(&nl);
        }
        if (r >= 0)
                r = nl_open_in_netns(&nl, nsfd);
        close(nsfd);
        if (r < 0)
                return r;
        index = link_get_index(&nl, "eth0");
        r = index < 0 ? index : queue_link_up(&nl, 1);
        if (r >= 0)
                r = queue_addr_add(&nl, index, addr, 24, bcast);
        if (r >= 0)
                r = queue_link_up(&nl, index);
        if (r >= 0)
                r = queue_default_route(&nl, gw);
        if (r >= 0)
                r = nl_transact(&nl, NULL, NULL, NULL);
        nl_close(&nl);
        return r;
}

static void reap(pid_t pid)
{
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

int main(int argc, char *argv[])
{
        NetworkContext *ctx = NULL;
        int n = argc > 1 ? atoi(argv[1]) : 100;
        double *none = calloc(n, sizeof(double)), *bridge = calloc(n, sizeof(double)),
               *attach = calloc(n, sizeof(double)), *detach = calloc(n, sizeof(double)),
               *attach_cpu = calloc(n, sizeof(double)), *attach_flt = calloc(n, sizeof(double)),
               *floor_ms = calloc(n, sizeof(double)), *floor_cpu = calloc(n, sizeof(double));
        const char *publish[] = {"18080:80", NULL};
        NetworkSpec spec = {.container = "bench",
                            .publish = getenv("BENCH_PUBLISH") ? (char **)publish : NULL};

        log_setup("network-bench", LOG_TARGET_STDERR);
        if (n <= 0 || !none || !bridge || !attach || !detach || !attach_cpu || !attach_flt ||
            !floor_ms || !floor_cpu || network_context_new(getenv("BENCH_CONFIG"), &ctx) < 0)
                return 1;
        /* Everything under a test-owned directory and table. */
        free(ctx->run_dir);
        free(ctx->state_dir);
        free(ctx->table);
        free(ctx->default_interface);
        ctx->run_dir = strdup(getenv("BENCH_RUN_DIR") ?: "/tmp/berth-bench-run");
        ctx->state_dir = strdup(getenv("BENCH_RUN_DIR") ?: "/tmp/berth-bench-run");
        ctx->table = strdup("berth_bench");
        ctx->default_interface = strdup("bbench0");

        /* A host running containers has the bridge and table already, so
         * keep one attached meanwhile. */
        pid_t keeper = spawn();
        NetworkSpec keep = {.container = "bench-keeper"};
        NetworkAttachment *ka = NULL;
        if (keeper < 0 || network_attach(ctx, &keep, keeper, &ka) < 0)
                return 1;
        network_attachment_free(ka);

        for (int i = 0; i < n; i++) {
                double t0 = now_ms();
                pid_t pid = spawn();
                double t1 = now_ms();
                NetworkAttachment *a = NULL;

                if (pid < 0)
                        return 1;
                none[i] = t1 - t0;
                reap(pid);

                t0 = now_ms();
                pid = spawn();
                double t2 = now_ms(), c0 = cpu_ms(), f0 = minflt();
                if (pid < 0 || network_attach(ctx, &spec, pid, &a) < 0)
                        return 1;
                t1 = now_ms();
                attach_cpu[i] = cpu_ms() - c0;
                attach_flt[i] = minflt() - f0;
                bridge[i] = t1 - t0;
                attach[i] = t1 - t2;
                network_attachment_free(a);
                reap(pid);
                t0 = now_ms();
                if (network_detach(ctx, "bench") < 0)
                        return 1;
                detach[i] = now_ms() - t0;

                pid = spawn();
                t0 = now_ms();
                c0 = cpu_ms();
                if (pid < 0 || floor_plumb(ctx->default_interface, pid) < 0)
                        return 1;
                floor_ms[i] = now_ms() - t0;
                floor_cpu[i] = cpu_ms() - c0;
                reap(pid);
                Netlink nl;
                if (nl_open(&nl) >= 0) {
                        (void)link_delete(&nl, "vbfloor0");
                        nl_close(&nl);
                }
        }
        network_detach(ctx, "bench-keeper");
        reap(keeper);

        /* The first container of a network also creates the bridge and
         * berth's nftables table (through libnftables), and the last one
         * deletes them: timed apart, a few times, after the rest (its
         * libnftables leaves the heap in another shape). */
        enum { COLD_RUNS = 5 };
        double cold[COLD_RUNS], cold_detach[COLD_RUNS];
        for (int i = 0; i < COLD_RUNS; i++) {
                NetworkSpec first = {.container = "bench-first"};
                NetworkAttachment *fa = NULL;
                pid_t pid = spawn();
                double t0 = now_ms();

                if (pid < 0 || network_attach(ctx, &first, pid, &fa) < 0)
                        return 1;
                cold[i] = now_ms() - t0;
                network_attachment_free(fa);
                reap(pid);
                t0 = now_ms();
                if (network_detach(ctx, "bench-first") < 0)
                        return 1;
                cold_detach[i] = now_ms() - t0;
        }
        qsort(cold, COLD_RUNS, sizeof(double), cmp);
        qsort(cold_detach, COLD_RUNS, sizeof(double), cmp);

        qsort(none, n, sizeof(double), cmp);
        qsort(bridge, n, sizeof(double), cmp);
        qsort(attach, n, sizeof(double), cmp);
        qsort(detach, n, sizeof(double), cmp);
        qsort(attach_cpu, n, sizeof(double), cmp);
        qsort(attach_flt, n, sizeof(double), cmp);
        qsort(floor_ms, n, sizeof(double), cmp);
        qsort(floor_cpu, n, sizeof(double), cmp);
        printf("runs: %d%s\n", n, spec.publish ? " (with PublishPort=18080:80)" : "");
        printf("start, Network=none:   median %.3f ms\n", none[n / 2]);
        printf("start, Network=bridge: median %.3f ms\n", bridge[n / 2]);
        printf("network_attach:        median %.3f ms  p90 %.3f ms\n", attach[n / 2],
               attach[n * 9 / 10]);
        printf("network_attach CPU:    median %.3f ms  p90 %.3f ms\n", attach_cpu[n / 2],
               attach_cpu[n * 9 / 10]);
        printf("network_attach faults: median %.0f\n", attach_flt[n / 2]);
        printf("floor (veth + eth0 config): median %.3f ms  CPU %.3f ms\n", floor_ms[n / 2],
               floor_cpu[n / 2]);
        printf("network_detach:        median %.3f ms  p90 %.3f ms\n", detach[n / 2],
               detach[n * 9 / 10]);
        printf("first container (creates bridge + table): attach median %.3f ms, last one's "
               "detach %.3f ms (%d runs)\n",
               cold[COLD_RUNS / 2], cold_detach[COLD_RUNS / 2], COLD_RUNS);
        printf("added by the bridge:   median %.3f ms (budget 3 ms)\n",
               bridge[n / 2] - none[n / 2]);
        network_context_free(ctx);
        free(none);
        free(bridge);
        free(attach);
        free(detach);
        free(attach_cpu);
        free(attach_flt);
        free(floor_ms);
        free(floor_cpu);
        return 0;
}
