/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* The kinds of declaration Quadlet knows. berth generates units for
 * containers, volumes and images; it knows the others' service names so that
 * dependencies on them translate as Quadlet translates them. */
typedef enum DeclKind {
        DECL_CONTAINER,
        DECL_VOLUME,
        DECL_IMAGE,
        DECL_NETWORK,
        DECL_POD,
        DECL_KUBE,
        DECL_BUILD,
        DECL_ARTIFACT,
        DECL_SOCKET, /* a plain systemd .socket kept beside its container */
        _DECL_KIND_MAX,
        _DECL_KIND_INVALID = -1,
} DeclKind;

/* "container" for DECL_CONTAINER: the file suffix without the dot. */
const char *decl_kind_to_string(DeclKind k);
/* The kind of "web.container", or _DECL_KIND_INVALID. */
DeclKind decl_kind_from_filename(const char *name);
/* The section holding the kind's keys: "Container", "Volume", … */
const char *decl_kind_section(DeclKind k);

/* The service systemd will know for a declaration file, as Quadlet names it:
 * web.container → web.service, data.volume → data-volume.service,
 * db@.container → db@.service, cache@.volume → cache-volume@.service. */
char *decl_service_name(const char *filename, DeclKind k);
/* Same, from a ServiceName= value. */
char *decl_service_name_from(const char *service_base, const char *filename);

/* For "foo@bar.container": prefix "foo", instance "bar". A template
 * ("foo@.container") has an empty instance. Returns false for plain names. */
bool unit_name_split_instance(const char *filename, char **ret_prefix, char **ret_instance);

/* A name systemd accepts for a unit: [A-Za-z0-9:_.@\-] with a known suffix,
 * at most 255 bytes, not starting with a dot or containing "..". Templates
 * and specifiers are allowed when allow_specifiers is set. */
bool unit_name_valid(const char *name, bool allow_specifiers);
