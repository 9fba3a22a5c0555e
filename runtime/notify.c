/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd's notification protocol (sd_notify(3)): one datagram of
 * NEWLINE-separated assignments to $NOTIFY_SOCKET. Written out here rather
 * than linking libsystemd, whose dependencies cost more to load than a whole
 * container start should take. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int notify_address(struct sockaddr_un *sa, socklen_t *len)
{
        const char *s = getenv("NOTIFY_SOCKET");
        size_t n;

        if (isempty(s))
                return -ENOTCONN;
        n = strlen(s);
        if ((s[0] != '/' && s[0] != '@') || n >= sizeof(sa->sun_path))
                return -EAFNOSUPPORT;
        *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
        memcpy(sa->sun_path, s, n);
        if (s[0] == '@') /* abstract namespace */
                sa->sun_path[0] = 0;
        *len = offsetof(struct sockaddr_un, sun_path) + n + (s[0] == '/');
        return 0;
}

static int notify_send(const char *msg, int fd)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct sockaddr_un sa;
        struct iovec iov = {.iov_base = (char *)msg, .iov_len = strlen(msg)};
        struct msghdr mh = {.msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1};
        _cleanup_close_ int s = -EBADF;
        socklen_t len;
        int r;

        r = notify_address(&sa, &len);
        if (r < 0)
                return r;
        mh.msg_namelen = len;
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
        s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

int notify_message(const char *msg)
{
        return notify_send(msg, -EBADF);
}

/* BARRIER=1 carries the write end of a pipe; systemd closes it once it has
 * processed every earlier message, which we see as POLLHUP. */
int notify_barrier(int timeout_ms)
{
        _cleanup_close_pair_ int p[2] = {-EBADF, -EBADF};
        struct pollfd pfd;
        int r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        r = notify_send("BARRIER=1", p[1]);
        if (r < 0)
                return r;
        p[1] = safe_close(p[1]);
        pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
        r = poll(&pfd, 1, timeout_ms);
        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        return 0;
}
