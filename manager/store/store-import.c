/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading an OCI image-layout archive or a `docker save` tarball.
 *
 * Two passes over the file: the first keeps the small JSON files (index,
 * manifests, configs), the second streams each needed layer into a
 * LayerWriter. Docker writes manifest.json last, so one pass can't know
 * which diff_id a layer has while it goes by. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "digest.h"
#include "layer-extract.h"
#include "log.h"
#include "macro.h"
#include "oci.h"
#include "reference.h"
#include "store-internal.h"
#include "strv.h"

#define KEEP_TOTAL_MAX (64U * 1024 * 1024)

typedef struct File {
        char *name;
        char *data;
        size_t len;
} File;

typedef struct Layer {
        char *entry;       /* member of the archive */
        char *blob_digest; /* NULL when the archive doesn't say */
        char *diff_id;
        char *media_type;
        uint64_t size;
} Layer;

typedef struct ImportImage {
        char **names;
        char *manifest_digest;
        char *manifest;
        size_t manifest_len;
        char *config_digest;
        const File *config;
        Layer *layers;
        size_t n_layers;
} ImportImage;

typedef struct Import {
        Store *store;
        const char *path;
        File *files;
        size_t n_files, kept;
        ImportImage *images;
        size_t n_images;
        char **created_layers;
        StoreProgressFn progress;
        void *userdata;
        uint64_t size; /* of the archive, for progress */
} Import;

static void import_done(Import *im)
{
        for (size_t i = 0; i < im->n_files; i++) {
                free(im->files[i].name);
                free(im->files[i].data);
        }
        free(im->files);
        for (size_t i = 0; i < im->n_images; i++) {
                ImportImage *img = im->images + i;
                strv_free(img->names);
                free(img->manifest_digest);
                free(img->manifest);
                free(img->config_digest);
                for (size_t j = 0; j < img->n_layers; j++) {
                        free(img->layers[j].entry);
                        free(img->layers[j].blob_digest);
                        free(img->layers[j].diff_id);
                        free(img->layers[j].media_type);
                }
                free(img->layers);
        }
        free(im->images);
        strv_free(im->created_layers);
}

static void archive_read_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

static int open_archive(const char *path, struct archive **ret)
{
        struct archive *a = archive_read_new();

        if (!a)
                return -ENOMEM;
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_none(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
                log_error("Import %s: open: %s", path, archive_error_string(a));
                archive_read_free(a);
                return -EIO;
        }
        *ret = a;
        return 0;
}

/* "./blobs//sha256/x" -> "blobs/sha256/x"; NULL for names that leave the
 * archive (they can't be what a manifest refers to) or on OOM. */
static char *member_name(const char *raw)
{
        const char *why;
        char *out = NULL;

        return layer_path_clean(raw, &out, &why) < 0 ? NULL : out;
}

/* The next regular file of the archive: 1 and its name, 0 at the end. */
static int next_member(Import *im, struct archive *a, struct archive_entry **ret_e, char **ret_name)
{
        const char *why = NULL;
        int r;

        for (;;) {
                r = archive_read_next_header(a, ret_e);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "Import %s: read: %s",
                                               im->path, archive_error_string(a));
                if (archive_entry_filetype(*ret_e) != AE_IFREG || !archive_entry_pathname(*ret_e))
                        continue;
                r = layer_path_clean(archive_entry_pathname(*ret_e), ret_name, &why);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        continue; /* not a member any manifest can name */
                return 1;
        }
}

static bool worth_keeping(const char *name, int64_t size)
{
        size_t n = strlen(name);

        if (size < 0 || (uint64_t)size > STORE_JSON_MAX)
                return false;
        return streq(name, OCI_LAYOUT_FILE) || (n > 5 && streq(name + n - 5, ".json")) ||
               strneq(name, "blobs/", 6);
}

static int read_small_files(Import *im)
{
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        struct archive_entry *e;
        int r;

        r = open_archive(im->path, &a);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_free_ char *name = NULL, *data = NULL;
                int64_t size;
                File *f;

                r = next_member(im, a, &e, &name);
                if (r <= 0)
                        return r;
                size = archive_entry_size(e);
                if (!worth_keeping(name, size) || im->kept + size > KEEP_TOTAL_MAX)
                        continue;
                data = malloc(size + 1);
                if (!data)
                        return log_oom();
                if (archive_read_data(a, data, size) != size)
                        return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "Import %s: read %s: %s",
                                               im->path, name, archive_error_string(a));
                data[size] = 0;
                f = realloc(im->files, (im->n_files + 1) * sizeof(File));
                if (!f)
                        return log_oom();
                im->files = f;
                im->files[im->n_files++] = (File){TAKE_PTR(name), TAKE_PTR(data), size};
                im->kept += size;
        }
        return 0;
}

static const File *find_file(Import *im, const char *name)
{
        for (size_t i = im->n_files; i > 0; i--) /* a later member wins, as in tar */
                if (streq(im->files[i - 1].name, name))
                        return im->files + i - 1;
        return NULL;
}

/* A blob of the OCI layout, verified against its digest. */
static int find_blob(Import *im, const char *digest, const File **ret)
{
        char name[128], actual[DIGEST_STRING_MAX];
        const File *f;

        if (!digest_is_valid(digest))
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "Import %s: invalid digest \"%s\"",
                                       im->path, digest);
        snprintf(name, sizeof(name), "blobs/sha256/%s", digest_hex(digest));
        f = find_file(im, name);
        if (!f)
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                       "Import %s: blob %s missing (or too big)", im->path, digest);
        if (sha256_buffer(f->data, f->len, actual) < 0 || !streq(actual, digest))
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "Import %s: blob %s has digest %s",
                                       im->path, digest, actual);
        *ret = f;
        return 0;
}

static json_t *parse(Import *im, const File *f)
{
        json_t *j = json_loadb(f->data, f->len, 0, NULL);

        if (!j)
                log_error("Import %s: %s is not JSON", im->path, f->name);
        return j;
}

static ImportImage *new_image(Import *im)
{
        ImportImage *n = realloc(im->images, (im->n_images + 1) * sizeof(ImportImage));

        if (!n)
                return NULL;
        im->images = n;
        n[im->n_images] = (ImportImage){};
        return n + im->n_images++;
}

static int config_diff_ids(Import *im, ImportImage *img, char ***ret)
{
        json_t *j = parse(im, img->config), *rootfs;
        int r;

        if (!j)
                return -EBADMSG;
        rootfs = json_object_get(j, "rootfs");
        r = json_to_strv(json_object_get(rootfs, "diff_ids"), ret);
        json_decref(j);
        if (r < 0)
                return log_error_errno(r, "Import %s: config %s: bad rootfs.diff_ids", im->path,
                                       img->config->name);
        STRV_FOREACH (d, *ret)
                if (!digest_is_valid(*d))
                        return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                               "Import %s: invalid diff_id \"%s\"", im->path, *d);
        return 0;
}

static int add_name(ImportImage *img, const char *name)
{
        _cleanup_free_ char *norm = NULL;

        if (reference_normalise_string(name, &norm) < 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Import: invalid image name \"%s\"",
                                       name);
        if (strv_contains(img->names, norm))
                return 0;
        return strv_consume(&img->names, TAKE_PTR(norm));
}

static const char *host_architecture(void)
{
        static const struct {
                const char *uname, *oci;
        } map[] = {
            {"x86_64", "amd64"},    {"aarch64", "arm64"}, {"i686", "386"},        {"armv7l", "arm"},
            {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
        };
        struct utsname u;

        if (uname(&u) < 0)
                return "amd64";
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(u.machine, map[i].uname))
                        return map[i].oci;
        return "amd64";
}

static int load_oci_manifest(Import *im, json_t *desc, const char *name)
{
        json_t *m = NULL, *layers, *l;
        _cleanup_strv_free_ char **diff_ids = NULL;
        const File *mf, *cf;
        const char *digest = json_string_value(json_object_get(desc, "digest"));
        const char *cdigest;
        ImportImage *img;
        size_t i;
        int r;

        r = find_blob(im, digest, &mf);
        if (r < 0)
                return r;
        m = parse(im, mf);
        if (!m)
                return -EBADMSG;
        cdigest = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
        layers = json_object_get(m, "layers");
        if (!cdigest || !json_is_array(layers)) {
                json_decref(m);
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                       "Import %s: manifest %s: no config or layers", im->path,
                                       digest);
        }
        r = find_blob(im, cdigest, &cf);
        if (r < 0) {
                json_decref(m);
                return r;
        }
        img = new_image(im);
        if (!img) {
                json_decref(m);
                return log_oom();
        }
        img->manifest_digest = strdup(digest);
        img->manifest = malloc(mf->len);
        img->manifest_len = mf->len;
        img->config_digest = strdup(cdigest);
        img->config = cf;
        if (img->manifest)
                memcpy(img->manifest, mf->data, mf->len);
        img->layers = calloc(json_array_size(layers) + 1, sizeof(Layer));
        if (!img->manifest_digest || !img->manifest || !img->config_digest || !img->layers) {
                json_decref(m);
                return log_oom();
        }
        r = config_diff_ids(im, img, &diff_ids);
        if (r >= 0 && strv_length(diff_ids) != json_array_size(layers))
                r = log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                    "Import %s: manifest %s has %zu layers, its config %zu",
                                    im->path, digest, json_array_size(layers),
                                    strv_length(diff_ids));
        json_array_foreach(layers, i, l)
        {
                const char *ld = json_string_value(json_object_get(l, "digest"));
                const char *mt = json_string_value(json_object_get(l, "mediaType"));
                Layer *L = img->layers + img->n_layers++;

                if (r < 0)
                        break;
                if (!ld || !digest_is_valid(ld)) {
                        r = log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                            "Import %s: invalid layer digest", im->path);
                        break;
                }
                if (asprintf(&L->entry, "blobs/sha256/%s", digest_hex(ld)) < 0)
                        L->entry = NULL;
                L->blob_digest = strdup(ld);
                L->diff_id = strdup(diff_ids[i]);
                L->media_type = strdup(mt ?: OCI_MEDIA_LAYER);
                L->size = json_integer_value(json_object_get(l, "size"));
                if (!L->entry || !L->blob_digest || !L->diff_id || !L->media_type)
                        r = log_oom();
        }
        json_decref(m);
        if (r < 0)
                return r;
        if (name)
                return add_name(img, name);
        return 0;
}

/* The name an index gives a manifest: containerd's full name, or the OCI
 * ref.name when it is a whole reference rather than a bare tag. */
static const char *descriptor_name(json_t *desc)
{
        json_t *ann = json_object_get(desc, "annotations");
        const char *n = json_string_value(json_object_get(ann, ANNOTATION_IMAGE_NAME));

        if (n)
                return n;
        n = json_string_value(json_object_get(ann, ANNOTATION_REF_NAME));
        if (n && (strchr(n, '/') || strchr(n, ':')))
                return n;
        return NULL;
}

static int load_oci_index(Import *im, json_t *index, const char *name, unsigned depth)
{
        json_t *manifests = json_object_get(index, "manifests"), *d, *pick = NULL;
        size_t i;
        int r;

        if (!json_is_array(manifests) || depth > 2)
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG), "Import %s: bad index", im->path);
        json_array_foreach(manifests, i, d)
        {
                const char *mt = json_string_value(json_object_get(d, "mediaType"));
                const char *n = descriptor_name(d) ?: name;
                json_t *platform = json_object_get(d, "platform");

                if (mt && (streq(mt, OCI_MEDIA_INDEX) || streq(mt, DOCKER_MEDIA_LIST))) {
                        const File *f;
                        json_t *nested;

                        r = find_blob(im, json_string_value(json_object_get(d, "digest")), &f);
                        if (r < 0)
                                return r;
                        nested = parse(im, f);
                        if (!nested)
                                return -EBADMSG;
                        r = load_oci_index(im, nested, n, depth + 1);
                        json_decref(nested);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (depth == 0 || !platform) {
                        r = load_oci_manifest(im, d, n);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* Inside a multi-platform index: only the host's manifest. */
                if (!pick &&
                    streq(strempty(json_string_value(json_object_get(platform, "architecture"))),
                          host_architecture()))
                        pick = d;
        }
        if (depth > 0 && pick)
                return load_oci_manifest(im, pick, descriptor_name(pick) ?: name);
        if (depth > 0 && !pick && json_array_size(manifests) > 0 && im->n_images == 0)
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT), "Import %s: no manifest for %s",
                                       im->path, host_architecture());
        return 0;
}

static int load_docker(Import *im, json_t *list)
{
        json_t *item;
        size_t i;
        int r;

        if (!json_is_array(list))
                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                       "Import %s: manifest.json is not a list", im->path);
        json_array_foreach(list, i, item)
        {
                _cleanup_strv_free_ char **tags = NULL, **layers = NULL, **diff_ids = NULL;
                _cleanup_free_ char *cname = NULL;
                char digest[DIGEST_STRING_MAX];
                const char *config = json_string_value(json_object_get(item, "Config"));
                ImportImage *img;

                if (!config)
                        return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                               "Import %s: manifest.json: no Config", im->path);
                cname = member_name(config);
                if (!cname)
                        return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                               "Import %s: bad Config \"%s\"", im->path, config);
                if ((r = json_to_strv(json_object_get(item, "RepoTags"), &tags)) < 0 ||
                    (r = json_to_strv(json_object_get(item, "Layers"), &layers)) < 0)
                        return log_error_errno(r, "Import %s: manifest.json", im->path);
                img = new_image(im);
                if (!img)
                        return log_oom();
                img->config = find_file(im, cname);
                if (!img->config)
                        return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                               "Import %s: config %s missing", im->path, cname);
                if (sha256_buffer(img->config->data, img->config->len, digest) < 0)
                        return log_oom();
                img->config_digest = strdup(digest);
                if (!img->config_digest)
                        return log_oom();
                r = config_diff_ids(im, img, &diff_ids);
                if (r < 0)
                        return r;
                if (strv_length(diff_ids) != strv_length(layers))
                        return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                               "Import %s: %zu layers but %zu diff_ids in %s",
                                               im->path, strv_length(layers), strv_length(diff_ids),
                                               cname);
                img->layers = calloc(strv_length(layers) + 1, sizeof(Layer));
                if (!img->layers)
                        return log_oom();
                for (size_t k = 0; layers && layers[k]; k++) {
                        Layer *L = img->layers + img->n_layers++;

                        L->entry = member_name(layers[k]);
                        if (!L->entry)
                                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                                       "Import %s: bad layer \"%s\"", im->path,
                                                       layers[k]);
                        L->diff_id = strdup(diff_ids[k]);
                        if (!L->diff_id)
                                return log_oom();
                }
                STRV_FOREACH (t, tags)
                        if ((r = add_name(img, *t)) < 0)
                                return r;
        }
        return 0;
}

static Layer *needed_layer(Import *im, const char *entry)
{
        for (size_t i = 0; i < im->n_images; i++)
                for (size_t j = 0; j < im->images[i].n_layers; j++)
                        if (streq(im->images[i].layers[j].entry, entry))
                                return im->images[i].layers + j;
        return NULL;
}

/* Every image layer that points at this archive member learns its digest. */
static int note_blob_digest(Import *im, const char *entry, const char *digest, uint64_t size)
{
        for (size_t i = 0; i < im->n_images; i++)
                for (size_t j = 0; j < im->images[i].n_layers; j++) {
                        Layer *L = im->images[i].layers + j;
                        if (!streq(L->entry, entry) || L->blob_digest)
                                continue;
                        L->blob_digest = strdup(digest);
                        if (!L->blob_digest)
                                return -ENOMEM;
                        L->size = size;
                }
        return 0;
}

/* Bytes libarchive took from the file so far, short of the end: the last
 * call (done == total) is made once the images are committed. */
static void report_progress(Import *im, struct archive *a)
{
        int64_t done = archive_filter_bytes(a, -1);

        if (!im->progress || done < 0)
                return;
        if (im->size > 0 && (uint64_t)done >= im->size)
                done = (int64_t)im->size - 1;
        im->progress((uint64_t)done, im->size, im->userdata);
}

static int extract_layers(Import *im)
{
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        struct archive_entry *e;
        _cleanup_free_ char *buf = malloc(256 * 1024);
        int r;

        if (!buf)
                return log_oom();
        r = open_archive(im->path, &a);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(layer_writer_freep) LayerWriter *w = NULL;
                _cleanup_free_ char *name = NULL;
                uint64_t total = 0;
                Layer *L;

                r = next_member(im, a, &e, &name);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                L = needed_layer(im, name);
                if (!L || (store_has_layer(im->store, L->diff_id) && L->blob_digest))
                        continue;
                r = layer_writer_new(im->store, L->blob_digest, L->diff_id, &w);
                if (r == -EEXIST && L->blob_digest)
                        continue;
                if (r < 0 && r != -EEXIST)
                        return log_error_errno(r, "Import %s: layer %s", im->path, name);
                /* present but we still need its blob digest: hash only */
                _cleanup_(sha256_freep) Sha256 *h = NULL;
                if (r == -EEXIST && sha256_new(&h) < 0)
                        return log_oom();
                for (;;) {
                        la_ssize_t n = archive_read_data(a, buf, 256 * 1024);
                        if (n < 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                                       "Import %s: read %s: %s", im->path, name,
                                                       archive_error_string(a));
                        if (n == 0)
                                break;
                        total += n;
                        report_progress(im, a);
                        if (h)
                                sha256_update(h, buf, n);
                        else if ((r = layer_writer_write(w, buf, n)) < 0) {
                                log_error("Import %s: %s", im->path, strna(layer_writer_error(w)));
                                return r;
                        }
                }
                if (h) {
                        char d[DIGEST_STRING_MAX];
                        sha256_final(h, d);
                        r = note_blob_digest(im, name, d, total);
                } else {
                        r = layer_writer_finish(w);
                        if (r < 0)
                                return log_error_errno(r, "Import %s: layer %s refused", im->path,
                                                       name);
                        if (strv_extend(&im->created_layers, L->diff_id) < 0)
                                return log_oom();
                        r = note_blob_digest(im, name, layer_writer_blob_digest(w), total);
                }
                if (r < 0)
                        return log_oom();
        }
        for (size_t i = 0; i < im->n_images; i++)
                for (size_t j = 0; j < im->images[i].n_layers; j++)
                        if (!store_has_layer(im->store, im->images[i].layers[j].diff_id))
                                return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                                       "Import %s: layer %s missing", im->path,
                                                       im->images[i].layers[j].entry);
        return 0;
}

/* docker save has no registry manifest: make the OCI one it would have. */
static int synthesize_manifest(ImportImage *img)
{
        json_t *layers = json_array(), *m;
        char digest[DIGEST_STRING_MAX];

        if (!layers)
                return -ENOMEM;
        for (size_t j = 0; j < img->n_layers; j++)
                json_array_append_new(layers,
                                      json_pack("{s:s, s:s, s:I}", "mediaType", OCI_MEDIA_LAYER,
                                                "digest", img->layers[j].blob_digest, "size",
                                                (json_int_t)img->layers[j].size));
        m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                      OCI_MEDIA_MANIFEST, "config", "mediaType", OCI_MEDIA_CONFIG, "digest",
                      img->config_digest, "size", (json_int_t)img->config->len, "layers", layers);
        if (!m)
                return -ENOMEM;
        img->manifest = json_dumps(m, JSON_COMPACT);
        json_decref(m);
        if (!img->manifest)
                return -ENOMEM;
        img->manifest_len = strlen(img->manifest);
        if (sha256_buffer(img->manifest, img->manifest_len, digest) < 0)
                return -ENOMEM;
        img->manifest_digest = strdup(digest);
        return img->manifest_digest ? 0 : -ENOMEM;
}

static int commit_images(Import *im, char ***ret_ids)
{
        int r;

        for (size_t i = 0; i < im->n_images; i++) {
                ImportImage *img = im->images + i;

                if (!img->manifest && synthesize_manifest(img) < 0)
                        return log_oom();
                if ((r = store_put_blob(im->store, img->config_digest, img->config->data,
                                        img->config->len)) < 0 ||
                    (r = store_put_blob(im->store, img->manifest_digest, img->manifest,
                                        img->manifest_len)) < 0)
                        return r;
                if (!img->names)
                        r = store_image_commit(im->store, NULL, img->manifest_digest,
                                               img->config_digest);
                STRV_FOREACH (n, img->names)
                        if ((r = store_image_commit(im->store, *n, img->manifest_digest,
                                                    img->config_digest)) < 0)
                                break;
                if (r < 0)
                        return r;
                if (ret_ids && strv_extend(ret_ids, img->config_digest) < 0)
                        return log_oom();
        }
        return 0;
}

int store_import_archive(Store *s, const char *path, const char *name, char ***ret_ids)
{
        return store_import_archive_progress(s, path, name, NULL, NULL, ret_ids);
}

int store_import_archive_progress(Store *s, const char *path, const char *name,
                                  StoreProgressFn progress, void *userdata, char ***ret_ids)
{
        _cleanup_(import_done)
            Import im = {.store = s, .path = path, .progress = progress, .userdata = userdata};
        struct stat st;
        const File *f;
        json_t *j;
        int r;

        if (progress && stat(path, &st) >= 0 && S_ISREG(st.st_mode))
                im.size = (uint64_t)st.st_size;
        r = read_small_files(&im);
        if (r < 0)
                return r;
        if ((f = find_file(&im, OCI_INDEX_FILE))) {
                j = parse(&im, f);
                r = j ? load_oci_index(&im, j, NULL, 0) : -EBADMSG;
                json_decref(j);
        } else if ((f = find_file(&im, DOCKER_MANIFEST_FILE))) {
                j = parse(&im, f);
                r = j ? load_docker(&im, j) : -EBADMSG;
                json_decref(j);
        } else
                r = log_error_errno(SYNTHETIC_ERRNO(EBADMSG),
                                    "Import %s: neither an OCI layout (index.json) nor a docker "
                                    "save archive (manifest.json)",
                                    path);
        if (r < 0)
                return r;
        if (im.n_images == 0)
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
                                       "Import %s: no image in the archive", path);
        if (name) {
                if (im.n_images > 1)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "Import %s: %zu images in the archive, one name",
                                               path, im.n_images);
                strv_free(im.images[0].names);
                im.images[0].names = NULL;
                r = add_name(im.images, name);
                if (r < 0)
                        return r;
        }

        r = extract_layers(&im);
        if (r >= 0)
                r = commit_images(&im, ret_ids);
        if (r >= 0 && progress)
                progress(im.size, im.size, userdata);
        if (r < 0) {
                /* A failed import leaves nothing behind. */
                STRV_FOREACH (d, im.created_layers)
                        (void)store_layer_remove_if_unused(s, *d);
                return r;
        }
        return 0;
}
