/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthd's view of the image store (manager/store/store.h). */

#include "berthd.h"
#include "store.h"

int image_ref_container(Manager *m, const char *image_id, const char *container);
int image_unref_container(Manager *m, const char *image_id, const char *container);
/* "/org/berth1/image/<hex>" for "sha256:<hex>" */
int image_object_path(const char *id, char **ret);
/* Parses an RFC 3339 time as in image configs; 0 when absent or unreadable. */
uint64_t image_created_usec(const char *rfc3339);
/* Drops container references to records that no longer exist (a --rm
 * container whose unit ended while berthd was not running). */
void image_drop_stale_refs(Manager *m);
