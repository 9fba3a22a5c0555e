/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "container.h"

/* "nofile", "NOFILE" or "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -EINVAL if unknown. */
int rlimit_from_name(const char *name);
/* "NAME=SOFT[:HARD]" as docker --ulimit takes it; "unlimited" or -1 allowed. */
int rlimit_parse(const char *s, Rlimit *ret);
/* Only sysctls scoped to the container's own namespaces may be set:
 * net.* (not with the host network), kernel.shm*, kernel.msg*, kernel.sem,
 * fs.mqueue.*. -EPERM otherwise. Slashes are accepted as separators. */
int sysctl_check(const char *key, bool host_network);
int container_add_sysctl(Container *c, const char *key, const char *value);
int container_add_rlimit(Container *c, const Rlimit *rl);
