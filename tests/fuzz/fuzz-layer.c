/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A layer blob (tar, gzip or zstd) fed to a LayerWriter of a store in a
 * temp dir. The diff_id expected is the input's own sha256, so that an
 * uncompressed tar that extracts cleanly is also moved into layers/.
 * Checked after every input: nothing appeared beside the store, staging
 * (tmp/) is empty again, and a refused layer left nothing in layers/.
 *
 * As root the writer extracts privileged (device nodes, ownership,
 * trusted.* xattrs). The store then sits on a private nodev,nosuid tmpfs in
 * a mount namespace of our own, so that a device node a hostile layer
 * manages to make can never be opened. */
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "digest.h"
#include "fuzz.h"
#include "log.h"
#include "store.h"

static char *base; /* the temp dir: only "store" may appear in it */
static char *root; /* base/store */
static Store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        base = fuzz_tmpdir("layer");
        if (geteuid() == 0) {
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("berth-fuzz", base, "tmpfs", MS_NODEV | MS_NOSUID, "mode=0700") < 0) {
                        fprintf(stderr,
                                "fuzz-layer: as root the store must be on a private nodev tmpfs, "
                                "and that failed (%s): skipping\n",
                                strerror(errno));
                        exit(77);
                }
        }
        if (asprintf(&root, "%s/store", base) < 0)
                abort();
        if (store_open(root, &store) < 0)
                abort();
        return 0;
}

static void remove_layer(const char *diff_id)
{
        char *p = NULL;

        if (asprintf(&p, "%s/layers/%s", root, diff_id + 7) < 0)
                abort();
        if (access(p, F_OK) == 0) {
                fuzz_assert(fuzz_empty_dir(p) == 0);
                fuzz_assert(rmdir(p) == 0);
        }
        free(p);
}

static int count(const char *sub)
{
        char *p = NULL;
        int n;

        if (asprintf(&p, "%s/%s", root, sub) < 0)
                abort();
        n = fuzz_count_entries(p);
        free(p);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char diff_id[DIGEST_STRING_MAX];
        LayerWriter *w = NULL;
        bool ok = false;
        int r;

        if (!store)
                LLVMFuzzerInitialize(NULL, NULL);
        fuzz_assert(sha256_buffer(data, size, diff_id) >= 0);
        r = layer_writer_new(store, NULL, diff_id, &w);
        if (r == -EEXIST) {
                remove_layer(diff_id);
                r = layer_writer_new(store, NULL, diff_id, &w);
        }
        fuzz_assert(r >= 0);

        /* In pieces of varying size, as a download arrives. */
        for (size_t off = 0, piece = 1; off < size; piece = piece * 3 + 7) {
                size_t n = size - off < piece ? size - off : piece;
                if (layer_writer_write(w, data + off, n) < 0)
                        break;
                off += n;
        }
        if (layer_writer_finish(w) >= 0) {
                ok = true;
                fuzz_assert(layer_writer_blob_digest(w));
        } else
                fuzz_assert(layer_writer_error(w));
        layer_writer_free(w);

        fuzz_assert(fuzz_count_entries(base) == 1);
        fuzz_assert(count("tmp") == 0);
        fuzz_assert(count("layers") == (ok ? 1 : 0));
        if (ok)
                remove_layer(diff_id);
        /* Lock files are per diff_id; they would only pile up. */
        {
                char *p = NULL;
                if (asprintf(&p, "%s/locks", root) < 0)
                        abort();
                fuzz_assert(fuzz_empty_dir(p) == 0);
                free(p);
        }
        return 0;
}
