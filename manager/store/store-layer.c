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
