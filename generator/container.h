/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "generator.h"
#include "keys.h"

extern const KeyInfo container_keys[];

/* What a [Container] section turns into, built up key by key. */
typedef struct ContainerBuild {
        Generator *g;
        Decl *d;
        UnitFile *service;
        StrBuf args; /* berth-runtime run arguments, escaped for ExecStart= */
        char **exec; /* the command after "--" */
        char *name;  /* container name, may hold specifiers */
        char *image; /* reference, or NULL with rootfs */
        char *rootfs;
        PullPolicy pull;
        uint64_t stop_grace; /* seconds between the stop signal and SIGKILL */
} ContainerBuild;

/* container-storage.c: Volume=, Mount=, Tmpfs=, ReadOnly…, Timezone= */
int container_storage(ContainerBuild *c);
/* container-network.c: Network=, PublishPort=, DNS…, AddHost=, IP= */
int container_network(ContainerBuild *c);
/* container-image.c: Image=, Rootfs=, Pull= and the pull unit */
int container_image(ContainerBuild *c);
int container_pull_dependency(ContainerBuild *c);

int cb_arg(ContainerBuild *c, const char *a);
int cb_arg2(ContainerBuild *c, const char *a, const char *b);
/* Requires= and After= the unit of a declaration the container names
 * ("data.volume"); e is the line that names it. */
int cb_require(ContainerBuild *c, const UnitEntry *e, const char *decl);
/* opt and each word of every assignment of key. */
int cb_words(ContainerBuild *c, const char *key, SplitFlags flags, const char *opt);
