/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "handoff.h"
#include "log.h"
#include "spawn.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define RELAY_BUF 4096

int console_open_master(int *ret_master)
{
        _cleanup_close_ int fd = -EBADF;
        int unlock = 0;

        fd = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "open /dev/pts/ptmx");
        if (ioctl(fd, TIOCSPTLCK, &unlock) < 0)
                return log_error_errno(errno, "unlock the pty");
        *ret_master = TAKE_FD(fd);
        return 0;
}

int console_open_slave(int master, uid_t uid, const struct winsize *size, int *ret_slave)
{
        _cleanup_close_ int slave = -EBADF;
        struct winsize ws;

        /* TIOCGPTPEER opens the peer of this very master without a path
         * lookup, so no /dev/pts/N of another instance can be substituted. */
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return log_error_errno(errno, "open the pty's terminal side");
        if (size)
                (void)ioctl(slave, TIOCSWINSZ, size);
        else if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
                 ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(slave, TIOCSWINSZ, &ws);
        /* the command owns its terminal, as after a login (mesg, chmod) */
        if (uid != 0 && fchown(slave, uid, (gid_t)-1) < 0)
                return log_error_errno(errno, "give the pty to uid %u", (unsigned)uid);
        if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
                return log_error_errno(errno, "make the pty the controlling terminal");
        *ret_slave = TAKE_FD(slave);
        return 0;
}

int console_open_pty(uid_t uid, unsigned short rows, unsigned short cols, int *ret_master,
                     int *ret_slave)
{
        struct winsize size = {.ws_row = rows, .ws_col = cols};
        _cleanup_close_ int master = -EBADF;
        int r;

        r = console_open_master(&master);
        if (r < 0)
                return r;
        r = console_open_slave(master, uid, rows || cols ? &size : NULL, ret_slave);
        if (r < 0)
                return r;
        *ret_master = TAKE_FD(master);
        return 0;
}

int console_take_stdio(int slave, int *ret_saved_stderr)
{
        _cleanup_close_ int saved = -EBADF;

        if (ret_saved_stderr) {
                saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
                if (saved < 0)
                        return log_error_errno(errno, "keep stderr");
        }
        /* stderr last: a failure before it is still reported there */
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return log_error_errno(errno, "put the pty on fd %d", fd);
        if (slave > 2)
                close(slave);
        if (ret_saved_stderr)
                *ret_saved_stderr = TAKE_FD(saved);
        return 0;
}

static int pty_name(int master, char *buf, size_t size)
{
        unsigned n;

        if (ioctl(master, TIOCGPTN, &n) < 0)
                return -errno;
        snprintf(buf, size, "/dev/pts/%u", n);
        return 0;
}

int console_mount_dev_console(int master)
{
        char pty[32];
        int fd, r;

        r = pty_name(master, pty, sizeof(pty));
        if (r < 0)
                return log_error_errno(r, "find the pty's number");
        /* the mount point only: an empty file, or whatever is there (never
         * opened: it may be a device node) */
        fd = open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
                return log_error_errno(errno, "create /dev/console");
        safe_close(fd);
        if (mount(pty, "/dev/console", NULL, MS_BIND, NULL) < 0)
                return log_error_errno(errno, "bind %s to /dev/console", pty);
        return 0;
}

/* The terminal's name, carrying one fd in SCM_RIGHTS. */
typedef struct FdMessage {
        char data[32];
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov;
        struct msghdr msg;
} FdMessage;

static void fd_message_init(FdMessage *m)
{
        *m = (FdMessage){};
        m->iov = (struct iovec){.iov_base = m->data, .iov_len = sizeof(m->data)};
        m->msg = (struct msghdr){.msg_iov = &m->iov,
                                 .msg_iovlen = 1,
                                 .msg_control = m->control.buf,
                                 .msg_controllen = sizeof(m->control.buf)};
}

int console_send(int sock, int master, const char *to)
{
        FdMessage m;
        struct cmsghdr *c;
        ssize_t n;

        fd_message_init(&m);
        n = pty_name(master, m.data, sizeof(m.data));
        if (n < 0)
                return log_error_errno((int)n, "find the pty's number");
        m.iov.iov_len = strlen(m.data) + 1;
        c = CMSG_FIRSTHDR(&m.msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &master, sizeof(int));
        do
                n = sendmsg(sock, &m.msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return log_error_errno(errno, "send the pty to %s", to);
        if ((size_t)n != m.iov.iov_len)
                return log_error_errno(SYNTHETIC_ERRNO(EPIPE), "send the pty to %s: short write",
                                       to);
        return 0;
}

int console_socket_connect(const char *path, int *ret_fd)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(path);

        if (len == 0 || len >= sizeof(sa.sun_path))
                return log_error_errno(SYNTHETIC_ERRNO(ENAMETOOLONG),
                                       "console socket %s: path must have 1 to %zu bytes", path,
                                       sizeof(sa.sun_path) - 1);
        memcpy(sa.sun_path, path, len);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "create a socket for console socket %s", path);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "connect to console socket %s", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int console_receive(int sock, int *ret_master)
{
        FdMessage m;
        struct cmsghdr *c;
        ssize_t n;

        fd_message_init(&m);
        do
                n = recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return log_error_errno(errno, "receive the container's pty");
        c = CMSG_FIRSTHDR(&m.msg);
        if (n == 0 || !c)
                return -EPIPE; /* the init failed before; it logged why */
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(sizeof(int)))
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                       "unexpected message instead of the pty");
        memcpy(ret_master, CMSG_DATA(c), sizeof(int));
        return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

typedef struct Relay {
        int master, sfd;
        char in[RELAY_BUF];
        size_t in_len, in_off;
        bool in_open, master_open, in_tty;
} Relay;

/* Output left in the pty when the command exits still belongs on screen. */
static void drain(Relay *r)
{
        char buf[RELAY_BUF];
        ssize_t n;

        if (!r->master_open)
                return;
        while ((n = read(r->master, buf, sizeof(buf))) > 0)
                if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                        break;
}

static void copy_size(int master)
{
        struct winsize ws;

        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(master, TIOCSWINSZ, &ws);
}

/* Returns the exit status once pid has exited, -EAGAIN while it runs. */
static int on_signal(Relay *r, pid_t pid, int pidfd)
{
        struct signalfd_siginfo si;
        int status;

        while (read(r->sfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGCHLD) {
                        pid_t p = waitpid(pid, &status, WNOHANG);
                        if (p < 0)
                                return log_error_errno(errno, "wait for the container");
                        if (p == pid)
                                return WIFEXITED(status) ? WEXITSTATUS(status)
                                                         : 128 + WTERMSIG(status);
                } else if (si.ssi_signo == SIGWINCH)
                        copy_size(r->master);
                else if (syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0) < 0 &&
                         errno != ESRCH)
                        log_warning_errno(errno, "forward signal %u", si.ssi_signo);
        }
        return -EAGAIN;
}

static void on_input(Relay *r)
{
        ssize_t n = read(STDIN_FILENO, r->in, sizeof(r->in));
        struct termios t;

        if (n > 0) {
                r->in_len = (size_t)n;
                r->in_off = 0;
                return;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        r->in_open = false;
        /* Input from a pipe or file ended: the pty's end-of-file character
         * lets a reader in the container see EOF, as typing ^D would. */
        if (!r->in_tty && tcgetattr(r->master, &t) == 0) {
                r->in[0] = (char)t.c_cc[VEOF];
                r->in_len = 1;
                r->in_off = 0;
        }
}

static void on_master(Relay *r, short revents)
{
        char buf[RELAY_BUF];

        if (revents & POLLOUT) {
                ssize_t w = write(r->master, r->in + r->in_off, r->in_len - r->in_off);
                if (w > 0 && (r->in_off += (size_t)w) == r->in_len)
                        r->in_len = r->in_off = 0;
                else if (w < 0 && errno != EAGAIN && errno != EINTR)
                        r->in_len = r->in_off = 0;
        }
        if (revents & POLLIN) {
                ssize_t n = read(r->master, buf, sizeof(buf));
                if (n > 0) {
                        (void)write_all(STDOUT_FILENO, buf, (size_t)n);
                        return;
                }
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        return;
        } else if (!(revents & (POLLHUP | POLLERR)))
                return;
        /* EIO/POLLHUP: every holder of the terminal side closed it; the
         * command may still run (it closed its stdio), so keep waiting. */
        r->master_open = false;
}

int console_relay(int master, pid_t pid, int pidfd)
{
        Relay r = {.master = master, .in_open = true, .master_open = true};
        struct termios saved, raw;
        bool restore = false;
        sigset_t fwd;
        int ret;

        spawn_forward_signals(&fwd);
        r.sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
        if (r.sfd < 0)
                return log_error_errno(errno, "create signalfd");
        ret = fcntl(master, F_GETFL);
        if (ret < 0 || fcntl(master, F_SETFL, ret | O_NONBLOCK) < 0) {
                ret = log_error_errno(errno, "make the pty non-blocking");
                goto out;
        }
        r.in_tty = isatty(STDIN_FILENO);
        if (r.in_tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
                /* keys go to the container's line discipline, not ours:
                 * ^C there reaches the container's foreground process */
                raw = saved;
                cfmakeraw(&raw);
                restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
        copy_size(master);

        for (;;) {
                struct pollfd p[3] = {
                    {.fd = r.sfd, .events = POLLIN},
                    {.fd = r.in_open && r.in_len == 0 ? STDIN_FILENO : -1, .events = POLLIN},
                    {.fd = r.master_open ? master : -1,
                     .events = (short)(POLLIN | (r.in_len > 0 ? POLLOUT : 0))},
                };

                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        ret = log_error_errno(errno, "poll");
                        goto out;
                }
                if (p[0].revents) {
                        ret = on_signal(&r, pid, pidfd);
                        if (ret != -EAGAIN) {
                                drain(&r);
                                goto out;
                        }
                }
                if (p[1].revents)
                        on_input(&r);
                if (p[2].revents)
                        on_master(&r, p[2].revents);
        }
out:
        if (restore)
                (void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
        safe_close(r.sfd);
        return ret;
}

int console_wait(int sock, pid_t pid, int pidfd)
{
        _cleanup_close_ int master = -EBADF;

        if (sock < 0 || console_receive(sock, &master) < 0)
                return foreground_wait(pid, pidfd);
        return console_relay(master, pid, pidfd);
}
