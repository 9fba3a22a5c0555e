/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "child-steps.h"
#include "limits.h"
#include "log.h"
#include "parse-util.h"

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
    {"AS", RLIMIT_AS},           {"CORE", RLIMIT_CORE},         {"CPU", RLIMIT_CPU},
    {"DATA", RLIMIT_DATA},       {"FSIZE", RLIMIT_FSIZE},       {"LOCKS", RLIMIT_LOCKS},
    {"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
    {"NOFILE", RLIMIT_NOFILE},   {"NPROC", RLIMIT_NPROC},       {"RSS", RLIMIT_RSS},
    {"RTPRIO", RLIMIT_RTPRIO},   {"RTTIME", RLIMIT_RTTIME},     {"SIGPENDING", RLIMIT_SIGPENDING},
    {"STACK", RLIMIT_STACK},
};

int rlimit_from_name(const char *name)
{
        if (strncasecmp(name, "RLIMIT_", 7) == 0)
                name += 7;
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (strcasecmp(name, rlimit_names[i].name) == 0)
                        return rlimit_names[i].resource;
        return -EINVAL;
}

static int parse_limit_value(const char *s, rlim_t *ret)
{
        uint64_t v;

        if (streq(s, "unlimited") || streq(s, "-1")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        if (parse_uint64(s, &v) < 0)
                return -EINVAL;
        *ret = (rlim_t)v;
        return 0;
}

int rlimit_parse(const char *s, Rlimit *ret)
{
        _cleanup_free_ char *copy = strdup(s);
        char *eq, *colon;
        Rlimit rl;

        if (!copy)
                return -ENOMEM;
        eq = strchr(copy, '=');
        if (!eq)
                return -EINVAL;
        *eq++ = 0;
        rl.resource = rlimit_from_name(copy);
        if (rl.resource < 0)
                return -EINVAL;
        colon = strchr(eq, ':');
        if (colon)
                *colon++ = 0;
        if (parse_limit_value(eq, &rl.limit.rlim_cur) < 0 ||
            parse_limit_value(colon ?: eq, &rl.limit.rlim_max) < 0)
                return -EINVAL;
        if (rl.limit.rlim_cur > rl.limit.rlim_max)
                return -ERANGE;
        *ret = rl;
        return 0;
}

int sysctl_check(const char *key, bool host_network)
{
        char k[256];

        if (strlen(key) >= sizeof(k) || isempty(key) || strstr(key, ".."))
                return -EINVAL;
        for (size_t i = 0;; i++) {
                k[i] = key[i] == '/' ? '.' : key[i];
                if (!key[i])
                        break;
        }
        if (strneq(k, "net.", 4))
                return host_network ? -EPERM : 0;
        if (strneq(k, "kernel.shm", 10) || strneq(k, "kernel.msg", 10) || streq(k, "kernel.sem") ||
            strneq(k, "fs.mqueue.", 10))
                return 0;
        return -EPERM;
}

int container_add_sysctl(Container *c, const char *key, const char *value)
{
        Sysctl *n = realloc(c->sysctls, sizeof(Sysctl) * (c->n_sysctls + 1));

        if (!n)
                return -ENOMEM;
        c->sysctls = n;
        n[c->n_sysctls].key = strdup(key);
        n[c->n_sysctls].value = strdup(value);
        c->n_sysctls++;
        if (!n[c->n_sysctls - 1].key || !n[c->n_sysctls - 1].value)
                return -ENOMEM;
        return 0;
}

int container_add_rlimit(Container *c, const Rlimit *rl)
{
        Rlimit *n;

        for (size_t i = 0; i < c->n_rlimits; i++)
                if (c->rlimits[i].resource == rl->resource) {
                        c->rlimits[i] = *rl;
                        return 0;
                }
        n = realloc(c->rlimits, sizeof(Rlimit) * (c->n_rlimits + 1));
        if (!n)
                return -ENOMEM;
        c->rlimits = n;
        n[c->n_rlimits++] = *rl;
        return 0;
}

int sysctls_apply(const Sysctl *sysctls, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char path[300];
                size_t len = strlen(sysctls[i].value);
                _cleanup_close_ int fd = -EBADF;
                int m;

                m = snprintf(path, sizeof(path), "/proc/sys/%s", sysctls[i].key);
                for (char *p = path + 10; m > 0 && *p; p++)
                        if (*p == '.')
                                *p = '/';
                fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return log_error_errno(errno, "set sysctl %s: open %s", sysctls[i].key,
                                               path);
                if (write(fd, sysctls[i].value, len) != (ssize_t)len)
                        return log_error_errno(errno, "set sysctl %s: write %s", sysctls[i].key,
                                               path);
        }
        return 0;
}

int rlimits_apply(const Rlimit *rlimits, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (setrlimit(rlimits[i].resource, &rlimits[i].limit) < 0)
                        return log_error_errno(errno, "set rlimit %d", rlimits[i].resource);
        return 0;
}
