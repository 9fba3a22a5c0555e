/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#define BERTH_STRINGIFY_(x) #x
#define BERTH_STRINGIFY(x)  BERTH_STRINGIFY_(x)

/* The first version of struct clone_args (Linux 5.3). */
struct clone_args_v0 {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* clone3() whose child runs fn(arg) on args->stack and exits with its
 * return value; for CLONE_VM, where the child cannot use the parent's
 * stack. Returns the child's pid, or -1 with errno set (ENOSYS where this
 * architecture has no implementation). */
pid_t clone3_vm(struct clone_args_v0 *args, int (*fn)(void *), void *arg);
