/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "layer.h"
#include "log.h"
#include "strv.h"

static int remove_subdir(const char *layer_dir, const char *sub)
{
        _cleanup_free_ char *p = NULL;
        int r;

        if (asprintf(&p, "%s/%s", layer_dir, sub) < 0)
                return log_oom();
        r = rm_rf(p);
        return r < 0 ? log_error_errno(r, "remove %s", p) : 0;
}

/* Small notes beside the container's layers, for other berth programs:
 * "image-id" keeps the store from removing the image (store_image_find_user),
 * "seccomp-profile" lets exec apply the init's profile. The container cannot
 * reach them. Not fsync'ed: after a crash a lost note only loses what the
 * next start writes again. */
static int layer_dir_write_note(Container *c, const char *name, const char *text)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(text);

        if (asprintf(&p, "%s/%s", c->layer_dir, name) < 0)
                return log_oom();
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, text, n) != (ssize_t)n)
                return log_error_errno(fd < 0 ? errno : EIO, "write %s", p);
        return 0;
}

static int layer_dir_write_notes(Container *c)
{
        _cleanup_free_ char *profile = NULL;
        int r;

        if (c->image_id) {
                r = layer_dir_write_note(c, "image-id", c->image_id);
                if (r < 0)
                        return r;
        }
        if (c->seccomp_mode != SECCOMP_MODE_FILE)
                return 0;
        profile = realpath(c->seccomp_file, NULL);
        if (!profile)
                return log_error_errno(errno, "resolve the seccomp profile %s", c->seccomp_file);
        return layer_dir_write_note(c, "seccomp-profile", profile);
}

int layer_dir_prepare(Container *c, char **ret_target)
{
        static const char *const subdirs[] = {"upper", "work", "rootfs"};
        int r;

        if (mkdir(c->layer_dir, 0700) < 0) {
                if (errno != EEXIST && errno != ENOENT)
                        return log_error_errno(errno, "create %s", c->layer_dir);
                if (errno == ENOENT) {
                        r = mkdir_parents(c->layer_dir, 0700);
                        if (r < 0)
                                return log_error_errno(r, "create the parents of %s", c->layer_dir);
                        if (mkdir(c->layer_dir, 0700) < 0)
                                return log_error_errno(errno, "create %s", c->layer_dir);
                        c->layer_dir_created = true;
                }
        } else
                c->layer_dir_created = true;

        for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/%s", c->layer_dir, subdirs[i]) < 0)
                        return log_oom();
                if (mkdir(p, 0755) < 0) {
                        if (errno != EEXIST)
                                return log_error_errno(errno, "create %s", p);
                } else if (i == 0)
                        c->layer_upper_created = true;
                if (i == ELEMENTSOF(subdirs) - 1)
                        *ret_target = TAKE_PTR(p);
        }
        return layer_dir_write_notes(c);
}

void layer_dir_undo(Container *c)
{
        if (c->layer_dir_created) {
                (void)layer_dir_cleanup(c->layer_dir, true);
                return;
        }
        if (c->layer_upper_created)
                (void)remove_subdir(c->layer_dir, "upper");
        (void)layer_dir_cleanup(c->layer_dir, false);
}

int layer_dir_reset(const char *layer_dir)
{
        int r = remove_subdir(layer_dir, "upper");

        if (r < 0)
                return r;
        return layer_dir_cleanup(layer_dir, false);
}

int layer_dir_cleanup(const char *layer_dir, bool remove)
{
        _cleanup_free_ char *root = NULL;
        int r;

        if (remove) {
                r = rm_rf(layer_dir);
                return r < 0 ? log_error_errno(r, "remove %s", layer_dir) : 0;
        }
        r = remove_subdir(layer_dir, "work");
        if (r < 0)
                return r;
        if (asprintf(&root, "%s/rootfs", layer_dir) < 0)
                return log_oom();
        if (rmdir(root) < 0 && errno != ENOENT)
                return log_error_errno(errno, "remove %s", root);
        return 0;
}

static json_t *kv_object(char **kvs)
{
        json_t *o = json_object();

        STRV_FOREACH (kv, kvs) {
                const char *eq = strchr(*kv, '=');
                _cleanup_free_ char *k = eq ? strndup(*kv, eq - *kv) : NULL;

                if (!o || !k || json_object_set_new(o, k, json_string(eq + 1)) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

int layer_dir_write_metadata(Container *c)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *j;
        int r;

        if (!c->labels && !c->annotations)
                return 0;
        j = json_pack("{s:s, s:s?, s:o?, s:o?}", "name", c->name, "image", c->image_ref, "labels",
                      kv_object(c->labels), "annotations", kv_object(c->annotations));
        if (!j)
                return log_oom();
        text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        if (!text || asprintf(&path, "%s/metadata.json", c->layer_dir) < 0)
                return log_oom();
        r = write_file_atomic(path, text, strlen(text), 0644);
        return r < 0 ? log_warning_errno(r, "write %s", path) : 0;
}
