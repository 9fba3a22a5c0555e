/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The capability and seccomp interface of runtime/security/ (or, until that
 * part is built, the temporary stand-in in runtime/shim/). */
#include "security.h"

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompProgram *, seccomp_program_free);
