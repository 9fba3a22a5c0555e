/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The names berth gives containers, networks and volumes. One rule for every part
 * (runtime, berth-netns, berthd, berthctl, the generator), so a name one
 * accepts is never refused by the next. */

#include <stdbool.h>
#include <stddef.h>

#define CONTAINER_NAME_MAX 128
#define NETWORK_NAME_MAX   64
/* a volume is the directory volumes/NAME: a file name's limit */
#define VOLUME_NAME_MAX 255

/* [A-Za-z0-9][A-Za-z0-9_.-]*, 1..max bytes. extra: further characters
 * allowed anywhere, the first included (the generator's "%" of specifiers);
 * NULL for none. */
bool object_name_is_valid(const char *s, size_t max, const char *extra);

/* Like Docker's container names. */
bool container_name_is_valid(const char *s);

/* The words --network gives other meanings to ("bridge", "host", "none",
 * ...): never the name of a network. */
bool network_name_is_reserved(const char *s);

/* A named network (berth-netns create NAME, a .network unit): a valid
 * object name of at most NETWORK_NAME_MAX bytes that is not reserved. */
bool network_name_is_valid(const char *s);

/* A named volume (-v NAME:/dst, a .volume unit), Podman's rule: an object
 * name of at most VOLUME_NAME_MAX bytes, so never a path, "." or "..". */
bool volume_name_is_valid(const char *s);
