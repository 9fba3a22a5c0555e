/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TEMPORARY stand-in for runtime/security/security.h (owned by the security
 * part) so the runtime builds and runs before that part lands. Same
 * interface; delete this directory when dep_berth_security exists. */

#include <stdint.h>

typedef struct SeccompProgram SeccompProgram;

int cap_from_name(const char *name);
uint64_t caps_default(void);
int caps_apply(uint64_t caps);

int seccomp_program_default(uint64_t caps, SeccompProgram **ret);
int seccomp_program_from_file(const char *json_path, uint64_t caps, SeccompProgram **ret);
int seccomp_program_install(const SeccompProgram *p);
void seccomp_program_free(SeccompProgram *p);
