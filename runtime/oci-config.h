/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "container.h"

/* Far above any real config.json, seccomp profile included. */
#define CONFIG_JSON_MAX (64U * 1024 * 1024)

/* Reads BUNDLE/config.json. A linux.seccomp object is written to
 * seccomp_path for the security code to compile. */
int container_from_oci_bundle(const char *bundle, const char *id, const char *seccomp_path,
                              Container **ret);

/* The names of linux.resources' members that ask for a limit (a non-zero
 * number or a non-empty string somewhere inside), comma-separated, in
 * *ret (NULL when there is none); returns how many. Device rules do not
 * count: the runtime's own /dev is the device policy. */
int oci_resources_unapplied(json_t *resources, char **ret);

/* oci-process.c. Messages start with w, which names the file and the
 * object: "config.json: process." or "/run/x/process.json: ". */

/* A JSON object from path, of at most max bytes, duplicate keys refused. */
int oci_json_load(const char *path, size_t max, json_t **ret);
/* Appends the strings of array a (NULL: nothing) to *ret. */
int oci_strv_from_json(json_t *a, const char *w, const char *what, char ***ret);
/* An OCI process object: args (required, replaced), env (appended), cwd,
 * user (uid:gid as c->user_spec, additionalGids, umask), terminal and
 * consoleSize, capabilities, rlimits, noNewPrivileges, oomScoreAdj. */
int oci_process_from_json(Container *c, json_t *p, const char *w);
