/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI front end's arguments and its state in ROOT/ID/ (oci-state.c). */

#include <stdbool.h>
#include <sys/types.h>

#define OCI_VERSION "1.0.2"

typedef struct OciArgs {
        const char *root;
        const char *id;
        const char *bundle;
        const char *pid_file;
        const char *signal;
        const char *console_socket;
        bool force, detach;
} OciArgs;

typedef struct OciState {
        pid_t pid;
        unsigned long long starttime; /* field 22 of /proc/PID/stat when created */
        char *bundle;
        const char *status; /* created, running, stopped */
} OciState;

/* ROOT/ID, or ROOT/ID/file. */
int oci_state_dir(const OciArgs *a, const char *file, char **ret);
/* The start time and state letter of pid (from /proc/PID/stat); -errno,
 * unlogged, when there is no such process. */
int oci_proc_stat(pid_t pid, unsigned long long *ret_start, char *ret_state);
/* Replaces path by a rename, so that readers never see half a file;
 * returns -errno unlogged. */
int oci_write_file_replace(const char *path, const char *text);
/* state.json for the init pid, and the --pid-file if any. */
int oci_state_write(const OciArgs *a, pid_t pid, const char *bundle);
/* Fills ret (the caller frees ret->bundle, also on failure); a missing
 * container is logged as such and returns -ENOENT. */
int oci_state_read(const OciArgs *a, OciState *ret);
