/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "store-internal.h"
#include "strv.h"

/* A layer or blob nothing refers to may belong to a pull that has not
 * committed its image yet: only what is older than min_age goes. */
static bool old_enough(Store *s, const char *path, uint64_t min_age)
{
        struct stat st;

        if (fstatat(s->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return false;
        return (uint64_t)(time(NULL) - st.st_mtime) >= min_age;
}

int store_prune(Store *s, uint64_t min_age, char ***ret_removed)
{
        _cleanup_strv_free_ char **blobs = NULL, **layers = NULL, **used_layers = NULL,
                                 **used_blobs = NULL, **removed = NULL;
        _cleanup_store_unlock_ Store *locked = NULL;
        char p[160];
        int r;

        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        if ((r = store_list_digests(s, "blobs/sha256", &blobs, NULL)) < 0 ||
            (r = store_list_digests(s, "layers", &layers, NULL)) < 0 ||
            (r = store_collect_used(s, "", &used_layers, &used_blobs)) < 0)
                return r;
        STRV_FOREACH (l, layers) {
                snprintf(p, sizeof(p), "layers/%s/meta.json", digest_hex(*l));
                if (strv_contains(used_layers, *l) || !old_enough(s, p, min_age))
                        continue;
                if (store_layer_remove(s, *l) >= 0 && strv_extend(&removed, *l) < 0)
                        return log_oom();
        }
        STRV_FOREACH (b, blobs) {
                snprintf(p, sizeof(p), "blobs/sha256/%s", digest_hex(*b));
                if (strv_contains(used_blobs, *b) || !old_enough(s, p, min_age))
                        continue;
                if (store_remove_blob(s, *b) >= 0 && strv_extend(&removed, *b) < 0)
                        return log_oom();
        }
        if (ret_removed)
                *ret_removed = TAKE_PTR(removed);
        return 0;
}
