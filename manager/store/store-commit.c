/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "image-config.h"
#include "log.h"
#include "macro.h"
#include "reference.h"
#include "store-internal.h"
#include "strv.h"

/* rootfs.diff_ids of an image config */
static int config_diff_ids(json_t *config, char ***ret)
{
        json_t *rootfs = json_object_get(config, "rootfs");
        int r;

        if (!json_is_object(rootfs))
                return -EBADMSG;
        r = json_to_strv(json_object_get(rootfs, "diff_ids"), ret);
        if (r < 0)
                return r;
        STRV_FOREACH (d, *ret)
                if (!digest_is_valid(*d))
                        return -EBADMSG;
        return 0;
}

int store_image_commit(Store *s, const char *name, const char *manifest_digest,
                       const char *config_digest)
{
        _cleanup_store_unlock_ Store *locked = NULL;
        _cleanup_(image_freep) Image *img = NULL, *old = NULL;
        _cleanup_free_ char *norm = NULL, *data = NULL, *previous = NULL;
        const char *what = name ?: config_digest;
        json_t *config = NULL, *refs = NULL, *v;
        int r;

        if (name) {
                r = reference_normalise_string(name, &norm);
                if (r < 0)
                        return log_error_errno(r, "Commit image: invalid reference \"%s\"", name);
                what = norm;
        }
        if (!digest_is_valid(config_digest) ||
            (manifest_digest && !digest_is_valid(manifest_digest)))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Commit %s: invalid digest", what);
        if (manifest_digest && !store_has_blob(s, manifest_digest))
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                       "Commit %s: manifest %s is not in the store", what,
                                       manifest_digest);
        r = store_get_blob(s, config_digest, STORE_JSON_MAX, &data, NULL);
        if (r < 0)
                return log_error_errno(r, "Commit %s: read config %s", what, config_digest);

        img = calloc(1, sizeof(*img));
        if (!img)
                return log_oom();
        img->id = strdup(config_digest);
        img->manifest_digest = manifest_digest ? strdup(manifest_digest) : NULL;
        if (!img->id || (manifest_digest && !img->manifest_digest))
                return log_oom();
        config = json_loads(data, 0, NULL);
        r = config ? config_diff_ids(config, &img->diff_ids) : -EBADMSG;
        if (r >= 0)
                r = image_config_from_oci(config, &img->config);
        json_decref(config);
        if (r < 0)
                return log_error_errno(r, "Commit %s: parse config %s", what, config_digest);

        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        STRV_FOREACH (d, img->diff_ids) {
                uint64_t size;

                if (!store_has_layer(s, *d))
                        return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                               "Commit %s: layer %s is not in the store", what, *d);
                r = store_layer_size(s, *d, &size);
                if (r < 0)
                        return log_error_errno(r, "Commit %s: layer %s", what, *d);
                img->size += size;
        }
        /* Keep the container references of an image committed again. */
        if (image_record_load_bare(s, img->id, &old) >= 0) {
                img->containers = TAKE_PTR(old->containers);
                if (!img->manifest_digest)
                        img->manifest_digest = TAKE_PTR(old->manifest_digest);
        }
        r = image_record_save(s, img);
        if (r < 0)
                return r;
        if (!norm)
                return 0;

        r = refs_load(s, &refs);
        if (r < 0)
                return r;
        v = json_object_get(refs, norm);
        if (json_is_string(v) && !streq(json_string_value(v), img->id)) {
                previous = strdup(json_string_value(v));
                if (!previous) {
                        json_decref(refs);
                        return log_oom();
                }
        }
        r = json_object_set_new(refs, norm, json_string(img->id));
        if (r >= 0)
                r = refs_save(s, refs);
        else
                r = log_oom();
        json_decref(refs);
        if (r < 0)
                return r;
        /* The name moved: the image it pointed at may now be unused. */
        if (previous)
                (void)store_image_gc(s, previous);
        return 0;
}

int store_image_remove(Store *s, const char *ref_or_id)
{
        _cleanup_store_unlock_ Store *locked = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *id = NULL, *name = NULL;
        json_t *refs = NULL;
        int r;

        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        r = store_resolve_id(s, ref_or_id, &id, &name);
        if (r == -ENOENT)
                return log_error_errno(r, "Remove %s: no such image", ref_or_id);
        if (r == -ENOTUNIQ)
                return log_error_errno(r, "Remove %s: the id prefix is ambiguous", ref_or_id);
        if (r < 0)
                return log_error_errno(r, "Remove %s", ref_or_id);
        r = image_record_load(s, id, &img);
        if (r < 0)
                return r;

        /* By name: that name only. By id: every name, so the image goes. */
        if (!name || strv_length(img->names) <= 1) {
                _cleanup_free_ char *user = NULL;

                if (strv_length(img->containers) > 0)
                        user = strdup(img->containers[0]);
                else {
                        r = store_image_find_user(s, id, &user);
                        if (r < 0)
                                return r;
                }
                if (user)
                        return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
                                               "Remove %s: image %s is used by container %s",
                                               ref_or_id, id, user);
                if (strv_length(img->containers) > 0)
                        return log_oom();
        }

        r = refs_load(s, &refs);
        if (r < 0)
                return r;
        if (name)
                json_object_del(refs, name);
        else
                STRV_FOREACH (n, img->names)
                        json_object_del(refs, *n);
        r = refs_save(s, refs);
        json_decref(refs);
        if (r < 0)
                return r;
        return store_image_gc(s, id);
}

static int change_container_ref(Store *s, const char *image_id, const char *container, bool add)
{
        _cleanup_store_unlock_ Store *locked = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *id = NULL;
        char **l;
        int r;

        if (isempty(container))
                return -EINVAL;
        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        r = store_resolve_id(s, image_id, &id, NULL);
        if (r < 0)
                return log_error_errno(r, "Container %s: image %s", container, image_id);
        r = image_record_load_bare(s, id, &img);
        if (r < 0)
                return r;
        if (add == strv_contains(img->containers, container))
                return 0;
        if (add) {
                if (strv_extend(&img->containers, container) < 0)
                        return log_oom();
        } else {
                size_t j = 0;
                for (l = img->containers; *l; l++)
                        if (streq(*l, container))
                                free(*l);
                        else
                                img->containers[j++] = *l;
                img->containers[j] = NULL;
        }
        r = image_record_save(s, img);
        if (r < 0)
                return r;
        return add ? 0 : store_image_gc(s, id);
}

int store_image_ref_container(Store *s, const char *image_id, const char *container)
{
        return change_container_ref(s, image_id, container, true);
}

int store_image_unref_container(Store *s, const char *image_id, const char *container)
{
        return change_container_ref(s, image_id, container, false);
}
