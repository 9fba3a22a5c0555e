/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"

/* Reads mount options the way mount(8), OCI's mounts[].options and docker's
 * --tmpfs/--volume do: flag words (ro, nosuid, noexec, bind, rbind, private,
 * z, ...) go into the MountSpec, the rest is fs data ("size=64m,mode=1777").
 * Propagation and SELinux relabel words are accepted and ignored: every
 * container mount tree is private here. */
int mount_spec_set_options(MountSpec *m, char *const *options);

/* docker --volume SRC:DST[:OPTS]. SRC not starting with '/' is a named
 * volume: volumes_dir/SRC/_data (created if missing). "--volume DST" alone
 * is an anonymous volume: source NULL and create_source set. */
int volume_parse(const char *s, const char *volumes_dir, MountSpec *ret);
/* docker --mount type=bind|tmpfs|volume,source=..,target=..[,readonly]... */
int mount_parse(const char *s, const char *volumes_dir, MountSpec *ret);
/* docker --tmpfs DST[:OPTS]; nosuid,nodev,noexec unless told otherwise */
int tmpfs_parse(const char *s, MountSpec *ret);

void mount_spec_done_static(MountSpec *m);
