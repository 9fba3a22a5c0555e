/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"

int store_blob_path(Store *s, const char *digest, char **ret)
{
        if (!digest_is_valid(digest))
                return -EINVAL;
        if (asprintf(ret, "blobs/sha256/%s", digest_hex(digest)) < 0)
                return -ENOMEM;
        return 0;
}

bool store_has_blob(Store *s, const char *digest)
{
        _cleanup_free_ char *p = NULL;

        if (store_blob_path(s, digest, &p) < 0)
                return false;
        return faccessat(s->root_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

int store_put_blob(Store *s, const char *digest, const void *data, size_t len)
{
        _cleanup_store_unlock_ Store *locked = NULL;
        _cleanup_free_ char *p = NULL;
        char actual[DIGEST_STRING_MAX];
        int r;

        if (store_blob_path(s, digest, &p) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Store blob: invalid digest \"%s\"",
                                       digest);
        r = sha256_buffer(data, len, actual);
        if (r < 0)
                return log_error_errno(r, "Store blob %s: hash", digest);
        if (!streq(actual, digest))
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                       "Store blob %s: content has digest %s", digest, actual);
        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        if (faccessat(s->root_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 0;
        r = write_file_atomic_at(s->root_fd, p, data, len, 0644);
        if (r < 0)
                return log_error_errno(r, "Store blob %s: write", digest);
        return 0;
}

int store_get_blob(Store *s, const char *digest, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *p = NULL;
        int r;

        if (store_blob_path(s, digest, &p) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Read blob: invalid digest \"%s\"",
                                       digest);
        r = read_full_file_at(s->root_fd, p, max, ret, ret_len);
        if (r == -ENOENT)
                return r; /* the caller knows whether a missing blob is an error */
        if (r < 0)
                return log_error_errno(r, "Read blob %s", digest);
        return 0;
}

int store_remove_blob(Store *s, const char *digest)
{
        _cleanup_free_ char *p = NULL;

        if (store_blob_path(s, digest, &p) < 0)
                return -EINVAL;
        if (unlinkat(s->root_fd, p, 0) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Remove blob %s", digest);
        return 0;
}
