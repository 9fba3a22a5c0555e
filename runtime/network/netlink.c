/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "netlink.h"

int nl_open_protocol(Netlink *nl, int protocol)
{
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        int one = 1;

        *nl = (Netlink){.fd = -EBADF};
        nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (nl->fd < 0)
                return negative_errno();
        /* Extended acks carry the kernel's text for EINVAL and friends;
         * capped ones do not echo the request, so every answer berth gets
         * fits the buffer it sent from. */
        (void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = negative_errno();
                nl->fd = safe_close(nl->fd);
                return r;
        }
        nl->seq = 1;
        return 0;
}

int nl_open(Netlink *nl)
{
        return nl_open_protocol(nl, NETLINK_ROUTE);
}

int nl_open_in_netns(Netlink *nl, int netns_fd)
{
        _cleanup_close_ int self = -EBADF;
        int r;

        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return negative_errno();
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return negative_errno();
        r = nl_open(nl);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* Staying in the container's namespace would make every later
                 * step act on the wrong network: there is no safe way on. */
                log_error_errno(errno, "Cannot return to the original network namespace");
                abort();
        }
        return r;
}

void nl_close(Netlink *nl)
{
        nl->fd = safe_close(nl->fd);
}

static struct nlmsghdr *current(Netlink *nl)
{
        return (struct nlmsghdr *)(nl->buf + nl->msg_start);
}

void *nl_msg_begin(Netlink *nl, uint16_t type, uint16_t flags, size_t hdr_len)
{
        return nl_msg_begin_flags(nl, type, flags | NLM_F_ACK, hdr_len);
}

void *nl_msg_begin_flags(Netlink *nl, uint16_t type, uint16_t flags, size_t hdr_len)
{
        size_t need = NLMSG_LENGTH(hdr_len);
        struct nlmsghdr *h;

        if (NLMSG_ALIGN(nl->len) + NLMSG_ALIGN(need) > sizeof(nl->buf))
                return NULL;
        nl->msg_start = NLMSG_ALIGN(nl->len);
        h = current(nl);
        memset(h, 0, NLMSG_ALIGN(need));
        h->nlmsg_type = type;
        h->nlmsg_flags = flags | NLM_F_REQUEST;
        h->nlmsg_seq = nl->seq++;
        h->nlmsg_len = need;
        if (nl->pending == 0)
                nl->first_seq = h->nlmsg_seq;
        nl->pending++;
        nl->len = nl->msg_start + NLMSG_ALIGN(need);
        return NLMSG_DATA(h);
}

int nl_put(Netlink *nl, uint16_t type, const void *data, size_t len)
{
        struct rtattr *a;
        size_t off = NLMSG_ALIGN(nl->len);

        if (off + RTA_SPACE(len) > sizeof(nl->buf))
                return -ENOBUFS;
        a = (struct rtattr *)(nl->buf + off);
        a->rta_type = type;
        a->rta_len = RTA_LENGTH(len);
        if (len > 0)
                memcpy(RTA_DATA(a), data, len);
        memset((char *)RTA_DATA(a) + len, 0, RTA_SPACE(len) - RTA_LENGTH(len));
        nl->len = off + RTA_SPACE(len);
        current(nl)->nlmsg_len = nl->len - nl->msg_start;
        return 0;
}

int nl_put_raw(Netlink *nl, const void *data, size_t len)
{
        size_t off = NLMSG_ALIGN(nl->len);

        if (off + NLMSG_ALIGN(len) > sizeof(nl->buf))
                return -ENOBUFS;
        memset(nl->buf + off, 0, NLMSG_ALIGN(len));
        memcpy(nl->buf + off, data, len);
        nl->len = off + NLMSG_ALIGN(len);
        current(nl)->nlmsg_len = nl->len - nl->msg_start;
        return 0;
}

int nl_put_u32(Netlink *nl, uint16_t type, uint32_t v)
{
        return nl_put(nl, type, &v, sizeof(v));
}

int nl_put_str(Netlink *nl, uint16_t type, const char *s)
{
        return nl_put(nl, type, s, strlen(s) + 1);
}

int nl_nest_begin(Netlink *nl, uint16_t type, size_t *ret_off)
{
        size_t off = NLMSG_ALIGN(nl->len);
        int r = nl_put(nl, type, NULL, 0);

        if (r < 0)
                return r;
        *ret_off = off;
        return 0;
}

void nl_nest_end(Netlink *nl, size_t off)
{
        struct rtattr *a = (struct rtattr *)(nl->buf + off);

        a->rta_len = nl->len - off;
        current(nl)->nlmsg_len = nl->len - nl->msg_start;
}

void nl_msg_end(Netlink *nl)
{
        current(nl)->nlmsg_len = nl->len - nl->msg_start;
}

void nl_parse_attrs(const struct nlmsghdr *h, size_t hdr_len, const struct rtattr **tb,
                    unsigned max)
{
        const struct rtattr *a =
            (const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdr_len));
        int left = (int)h->nlmsg_len - (int)NLMSG_LENGTH(hdr_len);

        memset(tb, 0, sizeof(*tb) * (max + 1));
        for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
                if (a->rta_type <= max)
                        tb[a->rta_type] = a;
}

int nl_flush(Netlink *nl)
{
        ssize_t n = send(nl->fd, nl->buf, nl->len, 0);

        nl->len = 0;
        return n < 0 ? negative_errno() : 0;
}

int nl_transact(Netlink *nl, nl_reply_fn fn, void *userdata, int *ret_failed)
{
        uint32_t first = nl->first_seq, last = nl->seq - 1;
        int first_error = 0, failed = -1;
        bool done = false;
        ssize_t n;
        int r;

        if (nl->pending == 0)
                return 0;
        nl->pending = 0;
        if (nl->len > 0 && (r = nl_flush(nl)) < 0)
                return r;

        /* The kernel answers in order, so the acknowledgement of the last
         * message (which must ask for one) ends the exchange; errors of
         * earlier messages have arrived by then. */
        /* The answers go to the request buffer, sent and free by now: the
         * runtime attaches right after forking the container, when every
         * stack page touched anew is copied first. */
        while (!done) {
                n = recv(nl->fd, nl->buf, sizeof(nl->buf), MSG_TRUNC);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if ((size_t)n > sizeof(nl->buf)) {
                        /* The kernel sends every answer in its own datagram:
                         * a cut one is a reply berth has no use for, never
                         * the acknowledgement that ends the exchange. */
                        if (first_error == 0)
                                first_error = -EMSGSIZE;
                        continue;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)nl->buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        int k = 0;

                        if (h->nlmsg_seq < first || h->nlmsg_seq > last)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                k = e->error;
                                if (h->nlmsg_seq == last)
                                        done = true;
                        } else if (h->nlmsg_type == NLMSG_DONE) {
                                if (h->nlmsg_seq == last)
                                        done = true;
                        } else if (fn)
                                k = fn(h, userdata);
                        if (k < 0 && first_error == 0) {
                                first_error = k;
                                failed = (int)(h->nlmsg_seq - first);
                        }
                }
        }
        if (ret_failed)
                *ret_failed = failed;
        return first_error;
}
