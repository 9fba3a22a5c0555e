/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "container.h"
#include "names.h"

void run_help(void);
/* Parses `run`'s options into a Container. Returns 1 after --help, 0 with
 * *ret set; *ret_fresh when the writable layer is the default one, which
 * every start empties. */
int container_from_run_args(int argc, char **argv, Container **ret, bool *ret_fresh);
