/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "fileio.h"
#include "layer-index.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"
#include "strv.h"

_printf_(2, 3) static int problem(char ***l, const char *fmt, ...)
{
        char *m;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_consume(l, m);
}

/* Hex names in a directory, as "sha256:<hex>"; other names are problems. */
int store_list_digests(Store *s, const char *dir, char ***ret, char ***problems)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Check: open %s/%s", s->root, dir);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -ENOMEM;
        }
        while ((de = readdir(d))) {
                char digest[7 + sizeof(de->d_name)];

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                snprintf(digest, sizeof(digest), "sha256:%s", de->d_name);
                if (!digest_is_valid(digest)) {
                        if (problems && problem(problems, "stray entry %s/%s", dir, de->d_name) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (strv_extend(ret, digest) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int check_blob(Store *s, const char *digest, char ***problems)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        char actual[DIGEST_STRING_MAX];
        int r;

        r = store_blob_path(s, digest, &p);
        if (r < 0)
                return r;
        fd = openat(s->root_fd, p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || sha256_fd(fd, actual) < 0)
                return problem(problems, "blob %s: unreadable: %m", digest);
        if (!streq(actual, digest))
                return problem(problems, "blob %s: content has digest %s", digest, actual);
        return 0;
}

/* Rebuilds the layer's content index from the tree (hashing every file)
 * and compares it with the one recorded at extraction. */
static int check_layer_index(Store *s, const char *diff_id, int fd, const char *recorded_digest,
                             char ***problems)
{
        _cleanup_free_ char *recorded = NULL, *actual = NULL, *diff = NULL;
        char p[128], digest[DIGEST_STRING_MAX];
        size_t len;
        int r;

        snprintf(p, sizeof(p), "layers/%s/index", digest_hex(diff_id));
        r = read_full_file_at(s->root_fd, p, LAYER_INDEX_MAX, &recorded, &len);
        if (r < 0)
                return problem(problems, "layer %s: content index unreadable (%s)", diff_id,
                               strerror(-r));
        r = sha256_buffer(recorded, len, digest);
        if (r < 0)
                return r;
        if (!streq(digest, recorded_digest))
                return problem(problems, "layer %s: content index has digest %s, recorded %s",
                               diff_id, digest, recorded_digest);
        r = layer_index_build(fd, &actual, &len);
        if (r < 0)
                return problem(problems, "layer %s: unreadable: %s", diff_id, strerror(-r));
        r = layer_index_compare(recorded, actual, &diff);
        if (r < 0)
                return r;
        if (r > 0)
                return problem(problems, "layer %s: %s", diff_id, diff);
        return 0;
}

static int check_layer(Store *s, const char *diff_id, char ***problems)
{
        _cleanup_close_ int fd = -EBADF;
        json_t *meta = NULL, *index;
        char p[128];
        int r;

        r = store_layer_meta(s, diff_id, &meta);
        if (r < 0)
                return problem(problems, "layer %s: no readable meta.json (%s)", diff_id,
                               strerror(-r));
        snprintf(p, sizeof(p), "layers/%s/diff", digest_hex(diff_id));
        fd = openat(s->root_fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        index = json_object_get(meta, "index");
        if (fd < 0)
                r = problem(problems, "layer %s: diff/ missing", diff_id);
        else if (!json_is_string(index) || !digest_is_valid(json_string_value(index)))
                r = problem(problems, "layer %s: no content index recorded", diff_id);
        else
                r = check_layer_index(s, diff_id, fd, json_string_value(index), problems);
        json_decref(meta);
        return r;
}

int store_check(Store *s, char ***ret_problems)
{
        _cleanup_strv_free_ char **problems = NULL, **blobs = NULL, **layers = NULL,
                                 **images = NULL, **used_blobs = NULL, **used_layers = NULL;
        _cleanup_store_unlock_ Store *locked = NULL;
        json_t *refs = NULL, *v;
        const char *name;
        int r;

        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        if ((r = store_list_digests(s, "blobs/sha256", &blobs, &problems)) < 0 ||
            (r = store_list_digests(s, "layers", &layers, &problems)) < 0)
                return r;
        STRV_FOREACH (b, blobs)
                if ((r = check_blob(s, *b, &problems)) < 0)
                        return r;
        STRV_FOREACH (l, layers)
                if ((r = check_layer(s, *l, &problems)) < 0)
                        return r;

        {
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;
                int fd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0 || !(d = fdopendir(fd)))
                        return log_error_errno(errno, "Check: open %s/images", s->root);
                while ((de = readdir(d))) {
                        char id[7 + sizeof(de->d_name)];
                        size_t n = strlen(de->d_name);

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        snprintf(id, sizeof(id), "sha256:%.*s", (int)(n > 5 ? n - 5 : n),
                                 de->d_name);
                        if (n != 69 || !streq(de->d_name + 64, ".json") || !digest_is_valid(id)) {
                                if (problem(&problems, "stray entry images/%s", de->d_name) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        if (strv_extend(&images, id) < 0)
                                return -ENOMEM;
                }
        }
        STRV_FOREACH (id, images) {
                _cleanup_(image_freep) Image *img = NULL;

                if (image_record_load_bare(s, *id, &img) < 0) {
                        if (problem(&problems, "image %s: unreadable record", *id) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (!strv_contains(blobs, img->id) &&
                    problem(&problems, "image %s: config blob missing", *id) < 0)
                        return -ENOMEM;
                if (img->manifest_digest && !strv_contains(blobs, img->manifest_digest) &&
                    problem(&problems, "image %s: manifest blob %s missing", *id,
                            img->manifest_digest) < 0)
                        return -ENOMEM;
                STRV_FOREACH (d, img->diff_ids)
                        if (!strv_contains(layers, *d) &&
                            problem(&problems, "image %s: layer %s missing", *id, *d) < 0)
                                return -ENOMEM;
                if (strv_extend(&used_blobs, img->id) < 0 ||
                    (img->manifest_digest && strv_extend(&used_blobs, img->manifest_digest) < 0) ||
                    strv_extend_strv(&used_layers, img->diff_ids) < 0)
                        return -ENOMEM;
        }

        r = refs_load(s, &refs);
        if (r < 0)
                return r;
        json_object_foreach(refs, name, v) if (!json_is_string(v) ||
                                               !strv_contains(images, json_string_value(v)))
        {
                if (problem(&problems, "dangling name %s", name) < 0) {
                        json_decref(refs);
                        return -ENOMEM;
                }
        }
        json_decref(refs);

        STRV_FOREACH (b, blobs)
                if (!strv_contains(used_blobs, *b) && problem(&problems, "orphan blob %s", *b) < 0)
                        return -ENOMEM;
        STRV_FOREACH (l, layers)
                if (!strv_contains(used_layers, *l) &&
                    problem(&problems, "orphan layer %s", *l) < 0)
                        return -ENOMEM;

        r = (int)strv_length(problems);
        if (ret_problems)
                *ret_problems = TAKE_PTR(problems);
        return r;
}
