/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The least any runtime does for the bench's bundle: new mount, PID, UTS,
 * IPC, network and cgroup namespaces, pivot_root into the rootfs, /proc,
 * exec, wait. No /dev, no masks, no capabilities, no state: a floor to read
 * the runtimes' medians against, not a runtime.
 *
 *   ns-floor ROOTFS COMMAND [ARG...] */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(const char *rootfs, char **argv)
{
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0 ||
            syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
            chdir("/") < 0 || mount("proc", "/proc", "proc", 0, NULL) < 0) {
                perror("ns-floor: set up root");
                return 127;
        }
        execv(argv[0], argv);
        perror("ns-floor: exec");
        return 127;
}

int main(int argc, char **argv)
{
        struct clone_args args = {
            .flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                     CLONE_NEWCGROUP,
            .exit_signal = SIGCHLD,
        };
        int status;
        long pid;

        if (argc < 3) {
                fprintf(stderr, "usage: ns-floor ROOTFS COMMAND [ARG...]\n");
                return 2;
        }
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0) {
                perror("ns-floor: clone3");
                return 1;
        }
        if (pid == 0)
                _exit(child(argv[1], argv + 2));
        if (waitpid(pid, &status, 0) < 0)
                return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
