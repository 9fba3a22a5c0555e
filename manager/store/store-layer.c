/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"

static int tree_stats(int dfd, uint64_t *entries, uint64_t *bytes, unsigned depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        if (depth > 4096) /* PATH_MAX bounds real trees long before this */
                return -ELOOP;
        d = fdopendir(dfd);
        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                (*entries)++;
                if (de->d_type == DT_DIR) {
                        int cfd = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0)
                                return negative_errno();
                        r = tree_stats(cfd, entries, bytes, depth + 1);
                        if (r < 0)
                                return r;
                } else if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN) {
                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return negative_errno();
                        if (S_ISREG(st.st_mode))
                                *bytes += st.st_size;
                }
        }
        return 0;
}

int layer_tree_stats(int dirfd, uint64_t *ret_entries, uint64_t *ret_bytes)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        *ret_entries = *ret_bytes = 0;
        return tree_stats(fd, ret_entries, ret_bytes, 0);
}

int store_layer_meta(Store *s, const char *diff_id, json_t **ret)
{
        _cleanup_free_ char *data = NULL;
        char p[128];
        json_t *j;
        int r;

        snprintf(p, sizeof(p), "layers/%s/meta.json", digest_hex(diff_id));
        r = read_full_file_at(s->root_fd, p, 64 * 1024, &data, NULL);
        if (r < 0)
                return r;
        j = json_loads(data, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return -EBADMSG;
        }
        *ret = j;
        return 0;
}

int store_layer_size(Store *s, const char *diff_id, uint64_t *ret)
{
        json_t *j;
        int r;

        r = store_layer_meta(s, diff_id, &j);
        if (r < 0)
                return r;
        *ret = json_integer_value(json_object_get(j, "size"));
        json_decref(j);
        return 0;
}
