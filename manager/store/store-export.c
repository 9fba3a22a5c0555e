/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Saving an image as an OCI image-layout tar archive.
 *
 * The store keeps extracted layers, not their blobs, so each layer is
 * written again as an uncompressed tar: entries sorted by name, overlay
 * whiteouts turned back into .wh. files. The result is deterministic, but
 * it is not byte for byte the tar the image was pulled with, so an image
 * whose diff_ids change gets a rewritten config (and so a new id). An image
 * that came from such an archive keeps its id on the next round trip. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "oci.h"
#include "store-internal.h"
#include "strv.h"

typedef struct LinkSeen {
        dev_t dev;
        ino_t ino;
        char *path;
} LinkSeen;

typedef struct ExportProgress {
        StoreProgressFn fn;
        void *userdata;
        uint64_t done, total;
} ExportProgress;

typedef struct TarOut {
        struct archive *a;
        int fd;
        Sha256 *hash;
        uint64_t size;
        LinkSeen *links;
        size_t n_links;
        ExportProgress *progress; /* NULL: none */
        char buf[128 * 1024];
} TarOut;

/* n more bytes of file data; short of the total until the archive is done */
static void progress_add(ExportProgress *p, uint64_t n)
{
        if (!p || !p->fn)
                return;
        p->done += n;
        p->fn(p->total > 0 && p->done >= p->total ? p->total - 1 : p->done, p->total, p->userdata);
}

static la_ssize_t tar_write(struct archive *a, void *userdata, const void *buf, size_t len)
{
        TarOut *t = userdata;
        const char *p = buf;
        size_t left = len;

        while (left > 0) {
                ssize_t n = write(t->fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        archive_set_error(a, errno, "write");
                        return -1;
                }
                p += n;
                left -= n;
        }
        if (t->hash)
                sha256_update(t->hash, buf, len);
        t->size += len;
        return len;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sorted_names(const char *dir, char ***ret)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;

        if (!d)
                return negative_errno();
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    strv_extend(&l, de->d_name) < 0)
                        return -ENOMEM;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(l);
        return 0;
}

static int add_xattrs(struct archive_entry *e, const char *path)
{
        char names[64 * 1024], value[64 * 1024];
        ssize_t n = llistxattr(path, names, sizeof(names));

        if (n < 0)
                return errno == ENOTSUP ? 0 : negative_errno();
        for (char *x = names; x < names + n; x += strlen(x) + 1) {
                ssize_t v;

                if (strneq(x, "trusted.overlay.", 16) || strneq(x, "user.overlay.", 13))
                        continue;
                v = lgetxattr(path, x, value, sizeof(value));
                if (v < 0)
                        return negative_errno();
                archive_entry_xattr_add_entry(e, x, value, v);
        }
        return 0;
}

static bool is_opaque(const char *path)
{
        char v[4];

        return (lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) == 1 ||
                lgetxattr(path, "user.overlay.opaque", v, sizeof(v)) == 1) &&
               v[0] == 'y';
}

static int write_marker(TarOut *t, const char *rel, const struct stat *st)
{
        struct archive_entry *e = archive_entry_new();
        int r;

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, rel);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 0);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        r = archive_write_header(t->a, e) == ARCHIVE_OK ? 0 : -EIO;
        archive_entry_free(e);
        return r;
}

static int copy_data(TarOut *t, const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        for (;;) {
                ssize_t n = read(fd, t->buf, sizeof(t->buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return 0;
                if (archive_write_data(t->a, t->buf, n) != n)
                        return -EIO;
                progress_add(t->progress, (uint64_t)n);
        }
}

static int write_tree(TarOut *t, const char *base, const char *rel);

static int write_one(TarOut *t, const char *base, const char *rel)
{
        char path[PATH_MAX], marker[PATH_MAX + 32];
        struct archive_entry *e = NULL;
        const char *slash = strrchr(rel, '/');
        struct stat st;
        int r = 0;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", base, rel) >= sizeof(path))
                return -ENAMETOOLONG;
        if (lstat(path, &st) < 0)
                return negative_errno();

        /* overlay whiteout -> .wh.NAME */
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                if ((size_t)snprintf(marker, sizeof(marker), "%.*s.wh.%s",
                                     slash ? (int)(slash - rel + 1) : 0, rel,
                                     slash ? slash + 1 : rel) >= sizeof(marker))
                        return -ENAMETOOLONG;
                return write_marker(t, marker, &st);
        }

        e = archive_entry_new();
        if (!e)
                return -ENOMEM;
        archive_entry_copy_stat(e, &st);
        archive_entry_set_pathname(e, rel);
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        r = add_xattrs(e, path);
        if (r < 0)
                goto out;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n < 0) {
                        r = negative_errno();
                        goto out;
                }
                target[n] = 0;
                archive_entry_set_symlink(e, target);
        } else if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
                for (size_t i = 0; i < t->n_links; i++)
                        if (t->links[i].dev == st.st_dev && t->links[i].ino == st.st_ino) {
                                archive_entry_set_hardlink(e, t->links[i].path);
                                archive_entry_set_size(e, 0);
                                break;
                        }
                if (!archive_entry_hardlink(e)) {
                        LinkSeen *n = realloc(t->links, (t->n_links + 1) * sizeof(LinkSeen));
                        if (!n) {
                                r = -ENOMEM;
                                goto out;
                        }
                        t->links = n;
                        n[t->n_links] = (LinkSeen){st.st_dev, st.st_ino, strdup(rel)};
                        if (!n[t->n_links++].path) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
        }
        if (archive_write_header(t->a, e) != ARCHIVE_OK) {
                r = log_error_errno(SYNTHETIC_ERRNO(EIO), "Export: %s: %s", rel,
                                    archive_error_string(t->a));
                goto out;
        }
        if (S_ISREG(st.st_mode) && !archive_entry_hardlink(e))
                r = copy_data(t, path);
        if (r >= 0 && S_ISDIR(st.st_mode)) {
                if (is_opaque(path)) {
                        if ((size_t)snprintf(marker, sizeof(marker), "%s/.wh..wh..opq", rel) >=
                            sizeof(marker))
                                r = -ENAMETOOLONG;
                        else
                                r = write_marker(t, marker, &st);
                }
                if (r >= 0)
                        r = write_tree(t, base, rel);
        }
out:
        archive_entry_free(e);
        return r;
}

static int write_tree(TarOut *t, const char *base, const char *rel)
{
        _cleanup_strv_free_ char **names = NULL;
        char dir[PATH_MAX];
        int r;

        snprintf(dir, sizeof(dir), "%s%s%s", base, *rel ? "/" : "", rel);
        r = sorted_names(dir, &names);
        if (r < 0)
                return r;
        STRV_FOREACH (n, names) {
                char child[PATH_MAX];

                if ((size_t)snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", *n) >=
                    sizeof(child))
                        return -ENAMETOOLONG;
                r = write_one(t, base, child);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "./" carries the mode, owner and time of the layer root. */
static int write_root(TarOut *t, const char *layer_dir)
{
        struct archive_entry *e;
        struct stat st;
        int r = 0;

        if (lstat(layer_dir, &st) < 0)
                return negative_errno();
        e = archive_entry_new();
        if (!e)
                return -ENOMEM;
        archive_entry_copy_stat(e, &st);
        archive_entry_set_pathname(e, "./");
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        if (archive_write_header(t->a, e) != ARCHIVE_OK)
                r = -EIO;
        archive_entry_free(e);
        if (r >= 0 && is_opaque(layer_dir))
                r = write_marker(t, ".wh..wh..opq", &st);
        return r;
}

static void tar_out_done(TarOut *t)
{
        if (t->a)
                archive_write_free(t->a);
        sha256_free(t->hash);
        for (size_t i = 0; i < t->n_links; i++)
                free(t->links[i].path);
        free(t->links);
}

static int tar_out_open(TarOut *t, int fd, bool hash)
{
        t->fd = fd;
        t->a = archive_write_new();
        if (!t->a || (hash && sha256_new(&t->hash) < 0))
                return -ENOMEM;
        archive_write_set_format_pax_restricted(t->a);
        archive_write_set_bytes_per_block(t->a, 10240);
        if (archive_write_open(t->a, t, NULL, tar_write, NULL) != ARCHIVE_OK)
                return -EIO;
        return 0;
}

/* Writes one layer as a tar into fd; returns its digest and size. */
static int layer_to_tar(const char *layer_dir, int fd, ExportProgress *progress,
                        char digest[static DIGEST_STRING_MAX], uint64_t *ret_size)
{
        _cleanup_(tar_out_done) TarOut t = {.progress = progress};
        int r;

        r = tar_out_open(&t, fd, true);
        if (r < 0)
                return r;
        r = write_root(&t, layer_dir);
        if (r < 0)
                return r;
        r = write_tree(&t, layer_dir, "");
        if (r < 0)
                return r;
        if (archive_write_close(t.a) != ARCHIVE_OK)
                return -EIO;
        sha256_final(t.hash, digest);
        *ret_size = t.size;
        return 0;
}

static int add_member(TarOut *out, const char *name, const void *data, size_t len, int fd)
{
        struct archive_entry *e = archive_entry_new();
        int r = 0;

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, len);
        if (archive_write_header(out->a, e) != ARCHIVE_OK)
                r = -EIO;
        archive_entry_free(e);
        if (r < 0)
                return r;
        if (fd < 0)
                return archive_write_data(out->a, data, len) == (la_ssize_t)len ? 0 : -EIO;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return negative_errno();
        for (;;) {
                ssize_t n = read(fd, out->buf, sizeof(out->buf));
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        return 0;
                if (archive_write_data(out->a, out->buf, n) != n)
                        return -EIO;
        }
}

static int add_json(TarOut *out, json_t *j, char digest[static DIGEST_STRING_MAX], size_t *ret_len,
                    bool as_blob, const char *name)
{
        _cleanup_free_ char *data = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        char member[128];

        if (!data)
                return -ENOMEM;
        if (sha256_buffer(data, strlen(data), digest) < 0)
                return -ENOMEM;
        if (ret_len)
                *ret_len = strlen(data);
        if (as_blob)
                snprintf(member, sizeof(member), "blobs/sha256/%s", digest_hex(digest));
        return add_member(out, as_blob ? member : name, data, strlen(data), -EBADF);
}

int store_export_archive(Store *s, const char *ref_or_id, const char *path)
{
        return store_export_archive_progress(s, ref_or_id, path, NULL, NULL);
}

int store_export_archive_progress(Store *s, const char *ref_or_id, const char *path,
                                  StoreProgressFn progress_fn, void *userdata)
{
        ExportProgress progress = {.fn = progress_fn, .userdata = userdata};
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_(tar_out_done) TarOut out = {};
        _cleanup_free_ char *config_data = NULL, *tmp = NULL, *staging = NULL;
        _cleanup_close_ int fd = -EBADF, staging_fd = -EBADF;
        json_t *config = NULL, *diff_ids = NULL, *layers = NULL, *manifest = NULL, *index = NULL;
        char config_digest[DIGEST_STRING_MAX], manifest_digest[DIGEST_STRING_MAX];
        size_t config_len, manifest_len;
        int r;

        r = store_image_resolve(s, ref_or_id, &img);
        if (r < 0)
                return log_error_errno(r, "Export %s: no such image", ref_or_id);
        progress.total = img->size;
        r = store_get_blob(s, img->id, STORE_JSON_MAX, &config_data, NULL);
        if (r < 0)
                return log_error_errno(r, "Export %s: read config %s", ref_or_id, img->id);
        config = json_loads(config_data, 0, NULL);
        if (!json_is_object(config)) {
                json_decref(config);
                return log_error_errno(EBADMSG, "Export %s: parse config", ref_or_id);
        }

        if (asprintf(&tmp, "%s.tmp-%lx", path, store_random()) < 0)
                return log_oom();
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                json_decref(config);
                return log_error_errno(errno, "Export %s: create %s", ref_or_id, tmp);
        }
        r = tar_out_open(&out, fd, false);
        if (r >= 0)
                r = add_member(&out, OCI_LAYOUT_FILE, "{\"imageLayoutVersion\":\"1.0.0\"}", 30,
                               -EBADF);
        if (r >= 0)
                r = store_make_staging(s, "export", &staging, &staging_fd);
        diff_ids = json_array();
        layers = json_array();
        if (!diff_ids || !layers)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && img->layer_dirs && img->layer_dirs[i]; i++) {
                _cleanup_close_ int lfd = -EBADF;
                char digest[DIGEST_STRING_MAX], member[128];
                uint64_t size;

                lfd = openat(staging_fd, "layer.tar", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (lfd < 0) {
                        r = negative_errno();
                        break;
                }
                r = layer_to_tar(img->layer_dirs[i], lfd, &progress, digest, &size);
                if (r < 0) {
                        log_error_errno(r, "Export %s: layer %s", ref_or_id, img->diff_ids[i]);
                        break;
                }
                snprintf(member, sizeof(member), "blobs/sha256/%s", digest_hex(digest));
                r = add_member(&out, member, NULL, size, lfd);
                json_array_append_new(diff_ids, json_string(digest));
                json_array_append_new(layers,
                                      json_pack("{s:s, s:s, s:I}", "mediaType", OCI_MEDIA_LAYER,
                                                "digest", digest, "size", (json_int_t)size));
        }
        if (r >= 0) {
                json_t *rootfs = json_object_get(config, "rootfs");
                if (!json_equal(json_object_get(rootfs, "diff_ids"), diff_ids))
                        json_object_set(rootfs, "diff_ids", diff_ids);
                else {
                        /* unchanged: keep the config bytes, and so the id */
                        json_decref(config);
                        config = NULL;
                }
        }
        if (r >= 0 && config)
                r = add_json(&out, config, config_digest, &config_len, true, NULL);
        else if (r >= 0) {
                char member[128];

                snprintf(member, sizeof(member), "blobs/sha256/%s", digest_hex(img->id));
                memcpy(config_digest, img->id, strlen(img->id) + 1);
                config_len = strlen(config_data);
                r = add_member(&out, member, config_data, config_len, -EBADF);
        }
        json_decref(config);
        if (r >= 0) {
                manifest =
                    json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType",
                              OCI_MEDIA_MANIFEST, "config", "mediaType", OCI_MEDIA_CONFIG, "digest",
                              config_digest, "size", (json_int_t)config_len, "layers", layers);
                r = manifest ? add_json(&out, manifest, manifest_digest, &manifest_len, true, NULL)
                             : -ENOMEM;
        }
        if (r >= 0) {
                json_t *ann = json_object();
                if (ann && img->names && img->names[0]) {
                        json_object_set_new(ann, ANNOTATION_REF_NAME, json_string(img->names[0]));
                        json_object_set_new(ann, ANNOTATION_IMAGE_NAME, json_string(img->names[0]));
                }
                index = json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:o}]}", "schemaVersion", 2,
                                  "mediaType", OCI_MEDIA_INDEX, "manifests", "mediaType",
                                  OCI_MEDIA_MANIFEST, "digest", manifest_digest, "size",
                                  (json_int_t)manifest_len, "annotations", ann);
                char d[DIGEST_STRING_MAX];
                r = index ? add_json(&out, index, d, NULL, false, OCI_INDEX_FILE) : -ENOMEM;
        }
        json_decref(diff_ids);
        json_decref(layers);
        json_decref(manifest);
        json_decref(index);
        if (staging)
                (void)rm_rf_at(s->root_fd, staging);
        if (r >= 0 && archive_write_close(out.a) != ARCHIVE_OK)
                r = -EIO;
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && rename(tmp, path) < 0)
                r = negative_errno();
        if (r < 0) {
                (void)unlink(tmp);
                return log_error_errno(r, "Export %s to %s", ref_or_id, path);
        }
        if (progress.fn)
                progress.fn(progress.total, progress.total, userdata);
        return 0;
}
