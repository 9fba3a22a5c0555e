/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny static program for the integration tests, copied into busybox
 * images: busybox has no server that takes a listening socket from systemd,
 * and no sd_notify client.
 *
 *   test-app serve TEXT     accept on the inherited fd 3 (LISTEN_FDS=1,
 *                           LISTEN_PID = our PID) and answer TEXT to each
 *                           connection
 *   test-app notify SECONDS after SECONDS, send READY=1 to $NOTIFY_SOCKET,
 *                           then sleep until killed
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int serve(const char *text)
{
        const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

        if (!fds || strcmp(fds, "1") != 0) {
                fprintf(stderr, "test-app: LISTEN_FDS=%s, expected 1\n", fds ? fds : "(unset)");
                return 1;
        }
        if (!pid || atol(pid) != (long)getpid()) {
                fprintf(stderr, "test-app: LISTEN_PID=%s, but I am %ld\n", pid ? pid : "(unset)",
                        (long)getpid());
                return 1;
        }
        printf("test-app: serving on fd 3 as PID %ld\n", (long)getpid());
        fflush(stdout);
        for (;;) {
                int c = accept(3, NULL, NULL);
                size_t n = strlen(text);

                if (c < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("test-app: accept on fd 3");
                        return 1;
                }
                if (write(c, text, n) != (ssize_t)n || write(c, "\n", 1) != 1)
                        perror("test-app: write");
                close(c);
        }
}

static int notify(const char *seconds)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        socklen_t len;
        int fd;

        if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "test-app: no usable NOTIFY_SOCKET\n");
                return 1;
        }
        printf("test-app: READY=1 in %s s\n", seconds);
        fflush(stdout);
        sleep((unsigned)atoi(seconds));
        memcpy(sa.sun_path, path, strlen(path));
        if (path[0] == '@')
                sa.sun_path[0] = 0;
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, len) != 7) {
                perror("test-app: send READY=1");
                return 1;
        }
        printf("test-app: sent READY=1\n");
        fflush(stdout);
        for (;;)
                pause();
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "serve") == 0)
                return serve(argv[2]);
        if (argc == 3 && strcmp(argv[1], "notify") == 0)
                return notify(argv[2]);
        fprintf(stderr, "usage: test-app serve TEXT | notify SECONDS\n");
        return 2;
}
