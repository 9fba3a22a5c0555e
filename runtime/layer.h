/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "container.h"

/* A container's writable layer directory holds upper/ and work/ for
 * overlayfs and rootfs/, the mount point used inside the container's mount
 * namespace (never mounted on the host). */

/* Creates what is missing and remembers what it created; *ret_target is
 * the mount point. */
int layer_dir_prepare(Container *c, char **ret_target);
/* After a failed start: removes what layer_dir_prepare() created. */
void layer_dir_undo(Container *c);
/* Before a start: drops the upper and work dirs of an earlier run. */
int layer_dir_reset(const char *layer_dir);
/* After the container is gone: everything with remove, otherwise only the
 * scratch (work/, rootfs/) and upper/ stays. */
int layer_dir_cleanup(const char *layer_dir, bool remove);

/* Records --label and --annotation (with the name and image) in
 * LAYER/metadata.json for tools that list containers; nothing when there
 * are none. */
int layer_dir_write_metadata(Container *c);
