/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "image-config.h"
#include "log.h"
#include "macro.h"
#include "reference.h"
#include "store-internal.h"
#include "strv.h"

void image_free(Image *image)
{
        if (!image)
                return;
        free(image->id);
        free(image->manifest_digest);
        strv_free(image->names);
        strv_free(image->diff_ids);
        strv_free(image->layer_dirs);
        strv_free(image->containers);
        image_config_done(&image->config);
        free(image);
}

int refs_load(Store *s, json_t **ret)
{
        _cleanup_free_ char *data = NULL;
        json_t *j;
        int r;

        r = read_full_file_at(s->root_fd, "refs.json", STORE_JSON_MAX, &data, NULL);
        if (r == -ENOENT) {
                *ret = json_object();
                return *ret ? 0 : log_oom();
        }
        if (r < 0)
                return log_error_errno(r, "Read %s/refs.json", s->root);
        j = json_loads(data, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                return log_error_errno(EBADMSG, "Parse %s/refs.json", s->root);
        }
        *ret = j;
        return 0;
}

int refs_save(Store *s, json_t *refs)
{
        _cleanup_free_ char *data = json_dumps(refs, JSON_SORT_KEYS | JSON_INDENT(1));
        int r;

        if (!data)
                return log_oom();
        r = write_file_atomic_at(s->root_fd, "refs.json", data, strlen(data), 0644);
        if (r < 0)
                return log_error_errno(r, "Write %s/refs.json", s->root);
        return 0;
}

static int names_of(json_t *refs, const char *id, char ***ret)
{
        const char *k;
        json_t *v;

        *ret = NULL;
        json_object_foreach(refs, k, v) if (json_is_string(v) && streq(json_string_value(v), id) &&
                                            strv_extend(ret, k) < 0) return -ENOMEM;
        return 0;
}

static int record_path(const char *id, char *buf, size_t n)
{
        if (!digest_is_valid(id))
                return -EINVAL;
        snprintf(buf, n, "images/%s.json", digest_hex(id));
        return 0;
}

static int image_from_record(Store *s, json_t *j, Image **ret)
{
        _cleanup_(image_freep) Image *img = NULL;
        json_t *v;
        int r;

        img = calloc(1, sizeof(*img));
        if (!img)
                return -ENOMEM;
        v = json_object_get(j, "id");
        if (!json_is_string(v) || !digest_is_valid(json_string_value(v)))
                return -EBADMSG;
        img->id = strdup(json_string_value(v));
        v = json_object_get(j, "manifest_digest");
        if (json_is_string(v))
                img->manifest_digest = strdup(json_string_value(v));
        if (!img->id || (v && json_is_string(v) && !img->manifest_digest))
                return -ENOMEM;
        img->size = json_integer_value(json_object_get(j, "size"));
        if ((r = json_to_strv(json_object_get(j, "diff_ids"), &img->diff_ids)) < 0 ||
            (r = json_to_strv(json_object_get(j, "containers"), &img->containers)) < 0 ||
            (r = image_config_from_json(json_object_get(j, "config"), &img->config)) < 0)
                return r;
        STRV_FOREACH (d, img->diff_ids) {
                if (!digest_is_valid(*d))
                        return -EBADMSG;
                if (strv_consume(&img->layer_dirs, store_layer_path(s, *d)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(img);
        return 0;
}

/* Without names: those come from refs.json, the one place they are kept. */
int image_record_load_bare(Store *s, const char *id, Image **ret)
{
        _cleanup_free_ char *data = NULL;
        char p[128];
        json_t *j;
        int r;

        if (record_path(id, p, sizeof(p)) < 0)
                return -ENOENT;
        r = read_full_file_at(s->root_fd, p, STORE_JSON_MAX, &data, NULL);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "Read image record %s/%s", s->root, p);
        j = json_loads(data, 0, NULL);
        r = j ? image_from_record(s, j, ret) : -EBADMSG;
        json_decref(j);
        if (r < 0)
                return log_error_errno(r, "Parse image record %s/%s", s->root, p);
        return 0;
}

int image_record_load(Store *s, const char *id, Image **ret)
{
        _cleanup_(image_freep) Image *img = NULL;
        json_t *refs = NULL;
        int r;

        r = image_record_load_bare(s, id, &img);
        if (r < 0)
                return r;
        r = refs_load(s, &refs);
        if (r < 0)
                return r;
        r = names_of(refs, img->id, &img->names);
        json_decref(refs);
        if (r < 0)
                return log_oom();
        *ret = TAKE_PTR(img);
        return 0;
}

int image_record_save(Store *s, const Image *image)
{
        _cleanup_free_ char *data = NULL;
        json_t *j;
        char p[128];
        int r;

        if (record_path(image->id, p, sizeof(p)) < 0)
                return -EINVAL;
        j = json_pack("{s:s, s:s?, s:o, s:I, s:o, s:o}", "id", image->id, "manifest_digest",
                      image->manifest_digest, "diff_ids", strv_to_json(image->diff_ids), "size",
                      (json_int_t)image->size, "containers", strv_to_json(image->containers),
                      "config", image_config_to_json(&image->config));
        if (!j)
                return log_oom();
        data = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!data)
                return log_oom();
        r = write_file_atomic_at(s->root_fd, p, data, strlen(data), 0644);
        if (r < 0)
                return log_error_errno(r, "Write image record %s/%s", s->root, p);
        return 0;
}

static int list_ids(Store *s, char ***ret)
{
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Open %s/images", s->root);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return log_oom();
        }
        while ((de = readdir(d))) {
                char id[DIGEST_STRING_MAX + 8];
                size_t n = strlen(de->d_name);

                if (n != 64 + 5 || !streq(de->d_name + 64, ".json"))
                        continue;
                snprintf(id, sizeof(id), "sha256:%.64s", de->d_name);
                if (!digest_is_valid(id))
                        continue;
                if (strv_extend(&ids, id) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(ids);
        return 0;
}

int store_image_list(Store *s, Image ***ret, size_t *ret_n)
{
        _cleanup_strv_free_ char **ids = NULL;
        Image **list = NULL;
        size_t n = 0;
        json_t *refs = NULL;
        int r;

        r = list_ids(s, &ids);
        if (r < 0)
                return r;
        r = refs_load(s, &refs);
        if (r < 0)
                return r;
        list = calloc(strv_length(ids) + 1, sizeof(Image *));
        if (!list) {
                json_decref(refs);
                return log_oom();
        }
        STRV_FOREACH (id, ids) {
                Image *img;

                if (image_record_load_bare(s, *id, &img) < 0)
                        continue; /* logged; check reports it */
                if (names_of(refs, img->id, &img->names) < 0) {
                        image_free(img);
                        r = log_oom();
                        break;
                }
                list[n++] = img;
        }
        json_decref(refs);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        image_free(list[i]);
                free(list);
                return r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

/* Finds the image id for a name, an id, or an id prefix. */
int store_resolve_id(Store *s, const char *ref_or_id, char **ret_id, char **ret_name)
{
        _cleanup_strv_free_ char **ids = NULL;
        _cleanup_(reference_freep) Reference *ref = NULL;
        _cleanup_free_ char *name = NULL;
        json_t *refs = NULL;
        const char *hex = ref_or_id;
        char *found = NULL;
        int r;

        if (ret_name)
                *ret_name = NULL;
        if (digest_is_valid(ref_or_id)) {
                char p[128];
                record_path(ref_or_id, p, sizeof(p));
                if (faccessat(s->root_fd, p, F_OK, 0) < 0)
                        return -ENOENT;
                *ret_id = strdup(ref_or_id);
                return *ret_id ? 0 : -ENOMEM;
        }

        if (reference_parse(ref_or_id, &ref) >= 0 && reference_normalise(ref) >= 0) {
                name = reference_string(ref);
                if (!name)
                        return -ENOMEM;
                r = refs_load(s, &refs);
                if (r < 0)
                        return r;
                json_t *v = json_object_get(refs, name);
                if (json_is_string(v))
                        found = strdup(json_string_value(v));
                json_decref(refs);
                if (found) {
                        *ret_id = found;
                        if (ret_name)
                                *ret_name = TAKE_PTR(name);
                        return 0;
                }
        }

        /* "sha256:abc…" prefixes and bare hex prefixes of at least 12 digits */
        if (strneq(hex, "sha256:", 7))
                hex += 7;
        if (strlen(hex) < 12 || strlen(hex) > 64 || strspn(hex, "0123456789abcdef") != strlen(hex))
                return -ENOENT;
        r = list_ids(s, &ids);
        if (r < 0)
                return r;
        STRV_FOREACH (id, ids) {
                if (!strneq(*id + 7, hex, strlen(hex)))
                        continue;
                if (found) {
                        free(found);
                        return -ENOTUNIQ;
                }
                found = strdup(*id);
                if (!found)
                        return -ENOMEM;
        }
        if (!found)
                return -ENOENT;
        *ret_id = found;
        return 0;
}

int store_image_resolve(Store *s, const char *ref_or_id, Image **ret)
{
        _cleanup_free_ char *id = NULL;
        int r;

        r = store_resolve_id(s, ref_or_id, &id, NULL);
        if (r < 0)
                return r;
        return image_record_load(s, id, ret);
}

/* Layers and blobs that some image other than `except` still uses. */
int store_collect_used(Store *s, const char *except, char ***ret_layers, char ***ret_blobs)
{
        _cleanup_strv_free_ char **ids = NULL;
        int r;

        r = list_ids(s, &ids);
        if (r < 0)
                return r;
        STRV_FOREACH (id, ids) {
                _cleanup_(image_freep) Image *img = NULL;

                if (streq(*id, except))
                        continue;
                r = image_record_load_bare(s, *id, &img);
                if (r < 0)
                        return r; /* don't remove what an unreadable record may use */
                if (strv_extend_strv(ret_layers, img->diff_ids) < 0 ||
                    strv_extend(ret_blobs, img->id) < 0 ||
                    (img->manifest_digest && strv_extend(ret_blobs, img->manifest_digest) < 0))
                        return log_oom();
        }
        return 0;
}

/* Containers started by berth-runtime --image without berthd (declared
 * containers) have no record here: their directory containers/NAME/ holds
 * the id in "image-id" for as long as the container exists. Returns 1 and
 * the first such container's name, 0 when none uses id. */
int store_image_find_user(Store *s, const char *id, char **ret_container)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        fd = openat(s->root_fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "open %s/containers", s->root);
        d = fdopendir(fd);
        if (!d)
                return log_error_errno(errno, "open %s/containers", s->root);
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *text = NULL;

                if (de->d_name[0] == '.' || asprintf(&path, "%s/image-id", de->d_name) < 0)
                        continue;
                if (read_full_file_at(dirfd(d), path, 128, &text, NULL) < 0)
                        continue;
                if (!streq(text, id))
                        continue;
                if (ret_container && !(*ret_container = strdup(de->d_name)))
                        return log_oom();
                return 1;
        }
        return 0;
}

/* Removes an image that has no name and no container left, then every layer
 * and blob nothing else uses. Called with the store lock held. */
int store_image_gc(Store *s, const char *id)
{
        _cleanup_strv_free_ char **names = NULL, **used_layers = NULL, **used_blobs = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        json_t *refs = NULL;
        char p[128];
        int r;

        r = image_record_load_bare(s, id, &img);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (strv_length(img->containers) > 0)
                return 0;
        /* Its layers may be the lower directories of a running container. */
        r = store_image_find_user(s, id, NULL);
        if (r != 0)
                return r < 0 ? r : 0;
        r = refs_load(s, &refs);
        if (r < 0)
                return r;
        r = names_of(refs, id, &names);
        json_decref(refs);
        if (r < 0)
                return log_oom();
        if (names)
                return 0;

        r = store_collect_used(s, id, &used_layers, &used_blobs);
        if (r < 0)
                return r;
        /* The record goes first: from then on nothing refers to the layers. */
        record_path(id, p, sizeof(p));
        if (unlinkat(s->root_fd, p, 0) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Remove image record %s", id);
        (void)fsync(s->root_fd);
        STRV_FOREACH (d, img->diff_ids)
                if (!strv_contains(used_layers, *d))
                        (void)store_layer_remove(s, *d);
        if (!strv_contains(used_blobs, img->id))
                (void)store_remove_blob(s, img->id);
        if (img->manifest_digest && !strv_contains(used_blobs, img->manifest_digest))
                (void)store_remove_blob(s, img->manifest_digest);
        log_debug("Removed image %s", id);
        return 0;
}

int store_layer_remove_if_unused(Store *s, const char *diff_id)
{
        _cleanup_strv_free_ char **used_layers = NULL, **used_blobs = NULL;
        _cleanup_store_unlock_ Store *locked = NULL;
        int r;

        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        r = store_collect_used(s, "", &used_layers, &used_blobs);
        if (r < 0)
                return r;
        if (strv_contains(used_layers, diff_id))
                return 0;
        return store_layer_remove(s, diff_id);
}
