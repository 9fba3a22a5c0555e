/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cheapest Type=notify service there is, for bench/declared-start.sh's
 * floor: one static process that tells systemd READY=1 itself (no shell, no
 * systemd-notify) and then waits to be killed. */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        static const char msg[] = "READY=1";
        socklen_t len;
        int fd;

        if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
                return 1;
        memcpy(sa.sun_path, path, strlen(path));
        /* An abstract socket ("@name") has a NUL in place of the "@". */
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sa, len) < 0)
                return 1;
        close(fd);
        for (;;)
                pause();
}
