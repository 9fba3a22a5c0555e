/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Applies the entries of one untrusted layer tarball below a directory.
 * Every path is resolved beneath that directory without following any
 * symlink, so no entry can create or write anything outside it. */

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>

typedef struct Extractor Extractor;

/* Drops "." and empty components; refuses absolute paths and ".." (-EPERM,
 * *ret_why says which). The result is "" for the root. */
int layer_path_clean(const char *in, char **ret, const char **ret_why);

/* privileged: apply ownership, device nodes and trusted.* xattrs (root).
 * Otherwise those are skipped and overlay markers use user.overlay.*. */
int extractor_new(int root_fd, bool privileged, Extractor **ret);
/* Regular files' content digests go into hashes as they are written. */
typedef struct FileHashes FileHashes;
void extractor_set_hashes(Extractor *x, FileHashes *hashes);
void extractor_free(Extractor *x);
static inline void extractor_freep(Extractor **x)
{
        extractor_free(*x);
}

/* Creates the entry e, reading its data from a. On failure *ret_error (when
 * set) is a message that names the entry. */
int extractor_entry(Extractor *x, struct archive *a, struct archive_entry *e, char **ret_error);
/* Applies the deferred directory modes and times. */
int extractor_finish(Extractor *x, char **ret_error);
