/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Static helper copied into test containers: performs one operation and
 * prints its result, so shell tests can check what the sandbox allows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
 * newer systemd-notify, wait on BARRIER=1 so the message is consumed. */
static int notify_send(int s, const struct sockaddr_un *sa, const char *msg, int fd)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = {.iov_base = (char *)msg, .iov_len = strlen(msg)};
        struct msghdr mh = {
            .msg_name = (void *)sa, .msg_namelen = sizeof(*sa), .msg_iov = &iov, .msg_iovlen = 1};

        if (fd >= 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control.buf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(s, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int notify(const char *msg)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct pollfd pfd = {.events = POLLIN};
        int s, p[2];

        if (!path || strlen(path) >= sizeof(sa.sun_path)) {
                errno = ENOTCONN;
                return -1;
        }
        strcpy(sa.sun_path, path);
        s = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (s < 0 || notify_send(s, &sa, msg, -1) < 0 || pipe(p) < 0)
                return -1;
        if (notify_send(s, &sa, "BARRIER=1", p[1]) < 0)
                return -1;
        close(p[1]);
        pfd.fd = p[0];
        if (poll(&pfd, 1, 5000) <= 0) {
                errno = ETIMEDOUT;
                return -1;
        }
        return 0;
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
