/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Each verb returns the process exit status (0, 1 failure, 2 usage, or the
 * container's own status in the foreground). */
int verb_run(int argc, char **argv, const char *oci_root);
int verb_cleanup(int argc, char **argv);
int verb_exec(int argc, char **argv, const char *oci_root);
int verb_stop(int argc, char **argv);
int verb_oci(const char *verb, int argc, char **argv, const char *root);
