/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The content index of an extracted layer: one line per entry below the
 * layer directory, sorted by path, with its type, mode, owner, size, a
 * content field (sha256 of a regular file's bytes, a symlink's target or a
 * device number) and its xattrs. Written when the layer is extracted (its
 * digest goes into meta.json with it), rebuilt from the tree by `check`,
 * which compares the two. */

#include <stdint.h>
#include <sys/types.h>

#include "digest.h"

/* Content digests of regular files by inode. The extractor fills it while
 * the data streams through, so building the index after extraction needs
 * no second read; hardlinks share their inode's entry. */
typedef struct FileHashes FileHashes;
int file_hashes_new(FileHashes **ret);
void file_hashes_free(FileHashes *h);
static inline void file_hashes_freep(FileHashes **h)
{
        file_hashes_free(*h);
}
/* digest: "sha256:<hex>"; a later put for an inode replaces the earlier
 * one (a replaced file's inode may be reused). */
int file_hashes_put(FileHashes *h, ino_t ino, const char *digest);

/* Largest index `check` reads: about 200 bytes an entry. */
#define LAYER_INDEX_MAX (512U * 1024 * 1024)

typedef struct LayerIndexStats {
        uint64_t entries; /* names below the layer directory */
        uint64_t bytes;   /* sizes of regular files (each name counted) */
} LayerIndexStats;

/* Builds the index text of the tree at dirfd, reading and hashing every
 * regular file (for `check`). */
int layer_index_build(int dirfd, char **ret, size_t *ret_len);
/* Writes the index of the tree at dirfd to fd; regular files whose inode
 * is not in known are read and hashed. */
int layer_index_write(int dirfd, FileHashes *known, int fd, char ret_digest[DIGEST_STRING_MAX],
                      LayerIndexStats *ret_stats);

/* 0 when equal; otherwise 1 and *ret_diff names the first differing path
 * and how it differs ("etc/passwd: content differs", "bin/x: missing"). */
int layer_index_compare(const char *recorded, const char *actual, char **ret_diff);
