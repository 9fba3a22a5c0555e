/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdlib.h>
#include <syslog.h>

#include "macro.h"

/* Where log lines go. stderr is the default; systemd units see stderr as the
 * journal, and the generator additionally mirrors errors to /dev/kmsg because
 * at boot nothing reads its stderr. */
enum log_target {
        LOG_TARGET_STDERR,
        LOG_TARGET_STDERR_AND_KMSG,
};

void log_setup(const char *program_name, enum log_target target);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Logs and returns -abs(error) (or 0 for error == 0), so that call sites can
 * write "return log_error_errno(r, ...)". The text gets ": strerror" appended
 * when error != 0, because an errno reported by the kernel or a library says
 * something the message does not.
 *
 * When the code itself picks the errno to return (a name fails validation, a
 * file is malformed, a container does not exist), strerror() adds nothing but
 * noise ("...: Invalid argument") or misleads ("...: No such file or
 * directory" for a lookup in berth's own state). Such call sites pass
 * SYNTHETIC_ERRNO(E...): the call returns -E... exactly as before, so callers
 * and exit codes see no difference, but the message is printed as written, on
 * stderr and in /dev/kmsg alike. Use it only when the message alone says what
 * is wrong. */
#define LOG_ERRNO_SYNTHETIC (1 << 30)
#define SYNTHETIC_ERRNO(e)  (abs(e) | LOG_ERRNO_SYNTHETIC)

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
    _printf_(5, 6);

#define log_full_errno(level, error, ...)                                                          \
        log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#define log_oom() log_error_errno(SYNTHETIC_ERRNO(ENOMEM), "Out of memory")
