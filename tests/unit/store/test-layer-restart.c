/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* layer_writer_restart(): a download retried from its first byte starts the
 * extraction over without letting go of the layer's lock, whatever was fed
 * before (a prefix, garbage the extraction refused); nothing of the first
 * attempt stays behind. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "macro.h"
#include "store.h"
#include "tap.h"

#define PAYLOAD_SIZE (3 * 1024 * 1024 + 17)

/* An uncompressed tar with one file, so its blob digest is its diff_id. */
static size_t make_tar(uint8_t *buf, size_t cap, const uint8_t *payload)
{
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        size_t used = 0;

        CHECK(a && e);
        CHECK(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
        CHECK(archive_write_open_memory(a, buf, cap, &used) == ARCHIVE_OK);
        archive_entry_set_pathname(e, "payload");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, PAYLOAD_SIZE);
        CHECK(archive_write_header(a, e) == ARCHIVE_OK);
        CHECK(archive_write_data(a, payload, PAYLOAD_SIZE) == PAYLOAD_SIZE);
        CHECK(archive_write_close(a) == ARCHIVE_OK);
        archive_entry_free(e);
        archive_write_free(a);
        return used;
}

static size_t count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        return n;
}

static void feed(LayerWriter *w, const uint8_t *data, size_t len)
{
        for (size_t off = 0; off < len; off += 65536)
                CHECK_INT(layer_writer_write(w, data + off, len - off < 65536 ? len - off : 65536),
                          0);
}

int main(void)
{
        _cleanup_free_ uint8_t *payload = malloc(PAYLOAD_SIZE), *tar = NULL, *back = NULL;
        _cleanup_(store_freep) Store *s = NULL;
        char root[] = "/tmp/berth-restart-XXXXXX", diff_id[DIGEST_STRING_MAX], path[512];
        size_t cap = PAYLOAD_SIZE + 64 * 1024, len;
        LayerWriter *w = NULL, *other = NULL;
        uint8_t junk[8192];
        int fd;

        tar = malloc(cap);
        back = malloc(PAYLOAD_SIZE);
        CHECK(payload && tar && back);
        for (size_t i = 0; i < PAYLOAD_SIZE; i++)
                payload[i] = (uint8_t)(i * 2654435761u >> 13);
        len = make_tar(tar, cap, payload);
        CHECK(sha256_buffer(tar, len, diff_id) >= 0);
        memset(junk, 'j', sizeof(junk));

        CHECK(mkdtemp(root));
        CHECK_INT(store_open(root, &s), 0);
        CHECK_INT(layer_writer_new(s, diff_id, diff_id, &w), 0);

        /* a first attempt cut off halfway */
        feed(w, tar, len / 2);
        CHECK_INT(layer_writer_restart(w), 0);
        /* the lock stayed with w all along */
        CHECK_INT(layer_writer_try_new(s, diff_id, diff_id, &other), -EAGAIN);

        /* a second attempt whose bytes the extraction refuses */
        for (int i = 0; i < 64; i++)
                if (layer_writer_write(w, junk, sizeof(junk)) < 0)
                        break;
        CHECK_INT(layer_writer_restart(w), 0);
        CHECK_INT(layer_writer_try_new(s, diff_id, diff_id, &other), -EAGAIN);

        /* the third attempt is whole, and only it counts */
        feed(w, tar, len);
        CHECK_INT(layer_writer_finish(w), 0);
        CHECK_STREQ(layer_writer_blob_digest(w), diff_id);
        CHECK_INT(layer_writer_size(w), len);
        CHECK_INT(layer_writer_restart(w), -EINVAL); /* too late once finished */
        layer_writer_free(w);

        CHECK(store_has_layer(s, diff_id));
        snprintf(path, sizeof(path), "%s/layers/%s/diff/payload", root,
                 diff_id + strlen("sha256:"));
        fd = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_INT(read(fd, back, PAYLOAD_SIZE), PAYLOAD_SIZE);
        close(fd);
        CHECK(memcmp(back, payload, PAYLOAD_SIZE) == 0);
        snprintf(path, sizeof(path), "%s/tmp", root);
        CHECK_INT(count_entries(path), 0); /* no staging of an earlier attempt left */

        /* the lock is free again: a new writer finds the layer there */
        CHECK_INT(layer_writer_try_new(s, diff_id, diff_id, &other), -EEXIST);

        /* a writer given up on after a restart leaves nothing either */
        {
                char other_id[DIGEST_STRING_MAX];

                CHECK(sha256_buffer(junk, sizeof(junk), other_id) >= 0);
                CHECK_INT(layer_writer_new(s, NULL, other_id, &w), 0);
                feed(w, tar, len / 3);
                CHECK_INT(layer_writer_restart(w), 0);
                feed(w, tar, len / 4);
                layer_writer_free(w);
                CHECK(!store_has_layer(s, other_id));
                CHECK_INT(count_entries(path), 0);
        }

        store_free(TAKE_PTR(s));
        (void)rm_rf(root);
        printf("ok\n");
        return 0;
}
