/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"

/* Reads BUNDLE/config.json. A linux.seccomp object is written to
 * seccomp_path for the security code to compile. */
int container_from_oci_bundle(const char *bundle, const char *id, const char *seccomp_path,
                              Container **ret);
