/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-store: a debugging front end of the image store. berthd is the
 * normal owner of the store; this tool works on the same tree (the store
 * lock keeps them apart) and is what the store's tests drive. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "image-config.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "store-internal.h"
#include "strv.h"
#include "table.h"

#define EXIT_INVALID 2
/* what does not exist, as systemctl: 4 for a query (status), 5 for an
 * action (start, stop) */
#define EXIT_NOT_FOUND_QUERY  4
#define EXIT_NOT_FOUND_ACTION 5

static void help(void)
{
        printf("Usage: berth-store [--root DIR] COMMAND [ARGS…]\n\n"
               "Inspect and maintain a berth image store.\n\n"
               "Commands:\n"
               "  images [--json]                List images\n"
               "  inspect REF                    Show an image record as JSON\n"
               "  rm REF                         Remove a name (the image when it was the last)\n"
               "  check                          Verify blobs and layers, report orphans\n"
               "  prune [SECONDS]                Remove orphans older than SECONDS (3600)\n"
               "  import FILE [NAME]             Load an OCI archive or a docker save tarball\n"
               "  export REF FILE                Save an image as an OCI archive\n"
               "  layer-extract BLOB DIFFID      Extract a layer blob read from stdin\n"
               "                                 (BLOB \"-\": do not check the blob digest)\n"
               "  put-blob DIGEST                Store stdin as a blob\n"
               "  commit NAME CONFIG [MANIFEST]  Name an image whose blobs and layers are stored\n"
               "  container-ref ID CONTAINER     Record that a container uses an image\n"
               "  container-unref ID CONTAINER   Drop that record\n\n"
               "Options:\n"
               "  --root DIR   Store root (default %s)\n"
               "  -h --help    Show this help\n"
               "  --version    Show the version\n",
               BERTH_STATEDIR);
}

static int read_stdin(size_t max, char **ret, size_t *ret_len)
{
        return read_full_file("/dev/stdin", max, ret, ret_len);
}

/* A row per image, its further names on rows of their own; --json: an
 * object per image with all its names and the containers' names. */
static int cmd_images(Store *s, bool json)
{
        static const char *const headers[] = {"ID", "SIZE", "NAMES", "CONTAINERS", NULL};
        static const char *const keys[] = {"id", "size", "names", "containers", NULL};
        _cleanup_(table_freep) Table *t = NULL;
        Image **list = NULL;
        size_t n = 0;
        int r;

        r = store_image_list(s, &list, &n);
        if (r < 0)
                return r;
        r = table_new(headers, keys, &t);
        for (size_t i = 0; i < n; i++) {
                Image *img = list[i];
                char id[13], size[32], users[32];

                snprintf(id, sizeof(id), "%s", img->id + strlen("sha256:"));
                snprintf(size, sizeof(size), "%" PRIu64, img->size);
                snprintf(users, sizeof(users), "%zu", strv_length(img->containers));
                for (size_t j = 0; r >= 0 && (j == 0 || (img->names && img->names[j])); j++) {
                        bool first = j == 0;
                        const char *name = img->names && img->names[j] ? img->names[j] : "<none>";

                        if ((r = table_add_cell(t, first ? id : "", json_string(img->id))) < 0 ||
                            (r = table_add_cell(t, first ? size : "",
                                                json_integer((json_int_t)img->size))) < 0 ||
                            (r = table_add_cell(t, name, strv_to_json(img->names))) < 0 ||
                            (r = table_add_cell(t, first ? users : "",
                                                strv_to_json(img->containers))) < 0)
                                break;
                        if (json)
                                break;
                }
                image_free(img);
        }
        free(list);
        if (r < 0)
                return log_oom();
        return table_print(t, stdout, json);
}

static int cmd_inspect(Store *s, const char *ref)
{
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_free_ char *out = NULL;
        json_t *j;
        int r;

        r = store_image_resolve(s, ref, &img);
        if (r == -ENOENT)
                return log_error_errno(r, "Inspect %s: no such image", ref);
        if (r < 0)
                return log_error_errno(r, "Inspect %s", ref);
        j = json_pack("{s:s, s:s?, s:o, s:o, s:o, s:I, s:o, s:o}", "id", img->id, "manifest_digest",
                      img->manifest_digest, "names", strv_to_json(img->names), "diff_ids",
                      strv_to_json(img->diff_ids), "layer_dirs", strv_to_json(img->layer_dirs),
                      "size", (json_int_t)img->size, "containers", strv_to_json(img->containers),
                      "config", image_config_to_json(&img->config));
        if (!j)
                return log_oom();
        out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        if (!out)
                return log_oom();
        puts(out);
        return 0;
}

static int cmd_check(Store *s)
{
        _cleanup_strv_free_ char **problems = NULL;
        int r;

        r = store_check(s, &problems);
        if (r < 0)
                return r;
        STRV_FOREACH (p, problems)
                printf("%s\n", *p);
        if (r > 0)
                return log_error_errno(SYNTHETIC_ERRNO(EUCLEAN), "%d problem(s) in %s", r,
                                       store_root(s));
        return 0;
}

static int cmd_layer_extract(Store *s, const char *blob, const char *diff_id)
{
        _cleanup_(layer_writer_freep) LayerWriter *w = NULL;
        char buf[64 * 1024];
        int r;

        r = layer_writer_new(s, streq(blob, "-") ? NULL : blob, diff_id, &w);
        if (r == -EEXIST) {
                log_info("Layer %s is present already", diff_id);
                return 0;
        }
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "Read stdin");
                }
                if (n == 0)
                        break;
                r = layer_writer_write(w, buf, n);
                if (r < 0) {
                        log_error("%s", strna(layer_writer_error(w)));
                        return r;
                }
        }
        r = layer_writer_finish(w);
        if (r < 0)
                return r;
        printf("%s\n", layer_writer_blob_digest(w));
        return 0;
}

static int cmd_put_blob(Store *s, const char *digest)
{
        _cleanup_free_ char *data = NULL;
        char actual[DIGEST_STRING_MAX];
        size_t len;
        int r;

        r = read_stdin(64U * 1024 * 1024, &data, &len);
        if (r < 0)
                return log_error_errno(r, "Read stdin");
        if (streq(digest, "-")) {
                r = sha256_buffer(data, len, actual);
                if (r < 0)
                        return r;
                digest = actual;
        }
        r = store_put_blob(s, digest, data, len);
        if (r < 0)
                return r;
        printf("%s\n", digest);
        return 0;
}

static int cmd_prune(Store *s, const char *age)
{
        _cleanup_strv_free_ char **removed = NULL;
        uint64_t min_age = 3600;
        int r;

        if (age && parse_uint64(age, &min_age) < 0) {
                log_error("Invalid age \"%s\"", age);
                return -EINVAL;
        }
        r = store_prune(s, min_age, &removed);
        if (r < 0)
                return r;
        STRV_FOREACH (d, removed)
                printf("%s\n", *d);
        return 0;
}

/* Export's own -ENOENT may be the target directory's: look the image up
 * first. */
static int cmd_export(Store *s, const char *ref, const char *file)
{
        _cleanup_(image_freep) Image *img = NULL;
        int r;

        r = store_image_resolve(s, ref, &img);
        if (r == -ENOENT)
                return log_error_errno(r, "Export %s: no such image", ref);
        r = store_export_archive(s, ref, file);
        return r == -ENOENT ? -EIO : r;
}

static int cmd_import(Store *s, const char *file, const char *name)
{
        _cleanup_strv_free_ char **ids = NULL;
        int r;

        r = store_import_archive(s, file, name, &ids);
        if (r < 0)
                return r;
        STRV_FOREACH (id, ids)
                printf("%s\n", *id);
        return 0;
}

/* ret_not_found: the exit status for -ENOENT, which the commands acting on
 * a named image return only when there is no such image. */
static int run(Store *s, int argc, char **argv, int *ret_not_found)
{
        const char *cmd = argv[0];
        int n = argc - 1;

#define NEED(lo, hi)                                                                               \
        do {                                                                                       \
                if (n < (lo) || n > (hi)) {                                                        \
                        log_error("%s: wrong number of arguments (see --help)", cmd);              \
                        return -EINVAL;                                                            \
                }                                                                                  \
        } while (0)

        if (streq(cmd, "images")) {
                bool json = n == 1 && streq(argv[1], "--json");
                if (!json)
                        NEED(0, 0);
                return cmd_images(s, json);
        } else if (streq(cmd, "inspect")) {
                NEED(1, 1);
                *ret_not_found = EXIT_NOT_FOUND_QUERY;
                return cmd_inspect(s, argv[1]);
        } else if (streq(cmd, "rm")) {
                NEED(1, 1);
                *ret_not_found = EXIT_NOT_FOUND_ACTION;
                return store_image_remove(s, argv[1]);
        } else if (streq(cmd, "check")) {
                NEED(0, 0);
                return cmd_check(s);
        } else if (streq(cmd, "prune")) {
                NEED(0, 1);
                return cmd_prune(s, n > 0 ? argv[1] : NULL);
        } else if (streq(cmd, "import")) {
                NEED(1, 2);
                return cmd_import(s, argv[1], n > 1 ? argv[2] : NULL);
        } else if (streq(cmd, "export")) {
                NEED(2, 2);
                *ret_not_found = EXIT_NOT_FOUND_ACTION;
                return cmd_export(s, argv[1], argv[2]);
        } else if (streq(cmd, "layer-extract")) {
                NEED(2, 2);
                return cmd_layer_extract(s, argv[1], argv[2]);
        } else if (streq(cmd, "put-blob")) {
                NEED(1, 1);
                return cmd_put_blob(s, argv[1]);
        } else if (streq(cmd, "commit")) {
                NEED(2, 3);
                return store_image_commit(s, argv[1], n > 2 ? argv[3] : NULL, argv[2]);
        } else if (streq(cmd, "container-ref")) {
                NEED(2, 2);
                *ret_not_found = EXIT_NOT_FOUND_ACTION;
                return store_image_ref_container(s, argv[1], argv[2]);
        } else if (streq(cmd, "container-unref")) {
                NEED(2, 2);
                *ret_not_found = EXIT_NOT_FOUND_ACTION;
                return store_image_unref_container(s, argv[1], argv[2]);
        }
        log_error("Unknown command \"%s\" (see --help)", cmd);
        return -EINVAL;
}

static bool known_command(const char *c)
{
        static const char *const cmds[] = {
            "images", "inspect",       "rm",       "check",  "prune",         "import",
            "export", "layer-extract", "put-blob", "commit", "container-ref", "container-unref",
        };
        for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                if (streq(c, cmds[i]))
                        return true;
        return false;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
            {"root", required_argument, NULL, 'r'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {},
        };
        _cleanup_(store_freep) Store *s = NULL;
        const char *root = NULL;
        int c, r, not_found = EXIT_FAILURE;

        /* Names in layers are bytes; keep libarchive from converting them. */
        setlocale(LC_CTYPE, "C.UTF-8");
        log_setup("berth-store", LOG_TARGET_STDERR);
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'r':
                        root = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("berth-store %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return EXIT_INVALID;
                }
        if (optind >= argc) {
                log_error("No command given (see --help)");
                return EXIT_INVALID;
        }
        if (!known_command(argv[optind])) {
                log_error("Unknown command \"%s\" (see --help)", argv[optind]);
                return EXIT_INVALID;
        }
        r = store_open(root, &s);
        if (r < 0)
                return EXIT_FAILURE;
        r = run(s, argc - optind, argv + optind, &not_found);
        if (r == -EINVAL)
                return EXIT_INVALID;
        if (r == -ENOENT)
                return not_found;
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
