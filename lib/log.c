/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* The only process-wide state in berth: a log sink is per process by nature. */
static struct {
        const char *program;
        enum log_target target;
        int max_level;
        int kmsg_fd;
} log_ctx = {
    .program = "berth",
    .target = LOG_TARGET_STDERR,
    .max_level = LOG_INFO,
    .kmsg_fd = -1,
};

void log_setup(const char *program_name, enum log_target target)
{
        const char *e;

        log_ctx.program = program_name;
        log_ctx.target = target;
        e = getenv("BERTH_LOG_LEVEL");
        if (e && streq(e, "debug"))
                log_ctx.max_level = LOG_DEBUG;
        if (target == LOG_TARGET_STDERR_AND_KMSG && log_ctx.kmsg_fd < 0)
                log_ctx.kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

void log_set_max_level(int level)
{
        log_ctx.max_level = level;
}

int log_get_max_level(void)
{
        return log_ctx.max_level;
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
{
        char buf[2048];
        const char *sep = "", *reason = "";
        va_list ap;
        int saved = errno;
        bool synthetic;

        if (error < 0)
                error = -error;
        synthetic = error & LOG_ERRNO_SYNTHETIC;
        error &= ~LOG_ERRNO_SYNTHETIC;
        if (level > log_ctx.max_level)
                goto out;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);

        if (error != 0 && !synthetic) {
                sep = ": ";
                reason = strerror(error);
        }
        fprintf(stderr, "%s: %s%s%s\n", log_ctx.program, buf, sep, reason);

        if (log_ctx.kmsg_fd >= 0 && level <= LOG_WARNING)
                dprintf(log_ctx.kmsg_fd, "<%d>%s[%d]: %s%s%s\n", level, log_ctx.program,
                        (int)getpid(), buf, sep, reason);
        if (log_ctx.max_level >= LOG_DEBUG && level == LOG_DEBUG)
                fprintf(stderr, "  (at %s:%d)\n", file, line);
out:
        errno = saved;
        return error == 0 ? 0 : -error;
}
