/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing of an image's /etc/passwd and /etc/group contents. The files come
 * from the image and are untrusted: malformed lines are skipped, nothing is
 * assumed about sizes. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct ExecUser {
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary */
        size_t n_groups;
        char *home;
} ExecUser;

void exec_user_done(ExecUser *u);

/* Resolves "USER[:GROUP]" (names or numbers) plus extra groups the way
 * Docker does: a numeric user missing from passwd gets gid 0 and HOME=/;
 * an unknown name is -ESRCH (user) or -ENXIO (group); without an explicit
 * group the supplementary groups are those that list the user as a member.
 * passwd and group may be NULL (file absent). */
int exec_user_resolve(const char *spec, char *const *group_add, const char *passwd,
                      const char *group, ExecUser *ret);
