/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Write a whole file so that a reader (or a crash) sees either the old or the
 * new content: temp file in the same directory, fsync, rename, fsync dir. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Same, choosing whether to fsync. Without WRITE_FILE_SYNC the write is still
 * atomic (rename), just not durable: for files on tmpfs that are rebuilt at
 * every boot, such as a generator's output in /run. */
typedef enum WriteFileFlags {
        WRITE_FILE_SYNC = 1 << 0,
        /* The caller's umask leaves mode as it is: no fchmod() needed. */
        WRITE_FILE_MODE_FROM_UMASK = 1 << 1,
} WriteFileFlags;
int write_file_atomic_at_flags(int dirfd, const char *path, const void *data, size_t len,
                               mode_t mode, WriteFileFlags flags);

/* Reads at most max bytes; a longer file is -EFBIG. *ret is NUL-terminated. */
int read_full_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len);

int mkdir_p(const char *path, mode_t mode);
int mkdir_parents(const char *path, mode_t mode);

/* Removes a tree without crossing mount points or following symlinks. */
int rm_rf_at(int dirfd, const char *path);
int rm_rf(const char *path);

int fsync_path(const char *path);
