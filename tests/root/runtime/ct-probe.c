/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Static helper copied into test containers: performs one operation and
 * prints its result, so shell tests can check what the sandbox allows. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static int report(const char *what, long r)
{
        if (r < 0) {
                printf("%s: %s\n", what, strerror(errno));
                return 1;
        }
        printf("%s: ok\n", what);
        return 0;
}

/* systemd 252 maps a notification to its unit through the sender's pid; a
 * sender that exits before systemd reads the datagram is dropped. Like
 * systemd-notify, wait on BARRIER=1 so the message is consumed. */
static int notify(const char *msg)
{
        int r = notify_message(msg);

        if (r >= 0)
                r = notify_barrier(5000);
        errno = -r;
        return r;
}

int main(int argc, char **argv)
{
        const char *op = argc > 1 ? argv[1] : "";

        if (strcmp(op, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the session keyring */
                return report(op, syscall(SYS_keyctl, 0, -3, 1));
        if (strcmp(op, "mount") == 0)
                return report(op, mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
        if (strcmp(op, "unshare-user") == 0)
                return report(op, unshare(CLONE_NEWUSER));
        if (strcmp(op, "fds") == 0) { /* every open fd and what it is */
                for (int fd = 0; fd < 1024; fd++) {
                        struct stat st;
                        if (fstat(fd, &st) < 0)
                                continue;
                        printf("%d %s\n", fd,
                               S_ISSOCK(st.st_mode)   ? "socket"
                               : S_ISFIFO(st.st_mode) ? "fifo"
                                                      : "other");
                }
                return 0;
        }
        if (strcmp(op, "accept") == 0) { /* accept on fd 3 and greet */
                int c = accept(3, NULL, NULL);
                if (c < 0)
                        return report(op, -1);
                (void)!write(c, "hello from the container\n", 25);
                close(c);
                return 0;
        }
        if (strcmp(op, "notify") == 0 && argc > 2) /* sd_notify(argv[2]), then a barrier */
                return report(op, notify(argv[2]));
        fprintf(stderr, "usage: ct-probe keyctl|mount|unshare-user|fds|accept|notify MSG\n");
        return 2;
}
