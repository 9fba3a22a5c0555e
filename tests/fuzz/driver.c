/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays a fuzz target's saved inputs without libFuzzer: every regular file
 * of every directory (or file) named on the command line goes through
 * LLVMFuzzerTestOneInput once. This is how the gcc build keeps the seed
 * corpus and the crash reproducers in the unit suite: a reproducer that
 * crashes again fails the test (under ASan/UBSan, as the official test
 * command builds). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(int dfd, const char *name, const char *shown)
{
        struct stat st;
        uint8_t *buf;
        size_t got = 0;
        int fd;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: %s\n", shown, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return 0;
        }
        /* One spare byte, so that an empty file still has a valid pointer. */
        buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                close(fd);
                return -1;
        }
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        close(fd);
        fprintf(stderr, "replay %s (%zu bytes)\n", shown, got);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        return 1;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;
        int count = 0;

        if (!d) {
                /* A crash directory that was never made is nothing to replay. */
                if (errno == ENOENT)
                        return 0;
                if (errno == ENOTDIR)
                        return run_file(AT_FDCWD, path, path);
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        while ((de = readdir(d))) {
                char **nn;

                if (de->d_name[0] == '.')
                        continue;
                nn = realloc(names, (n + 1) * sizeof(char *));
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        free(nn ? nn : names);
                        closedir(d);
                        return -1;
                }
                names = nn;
                n++;
        }
        /* Same order every run, so a failure is reproducible by position. */
        if (n > 0)
                qsort(names, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++) {
                char shown[4096];
                int r;

                snprintf(shown, sizeof(shown), "%s/%s", path, names[i]);
                r = run_file(dirfd(d), names[i], shown);
                if (r < 0)
                        count = -1;
                else if (count >= 0)
                        count += r;
                free(names[i]);
        }
        free(names);
        closedir(d);
        return count;
}

int main(int argc, char **argv)
{
        int total = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
                return 2;
        }
        if (LLVMFuzzerInitialize)
                LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++) {
                int r = run_dir(argv[i]);
                if (r < 0)
                        return 1;
                total += r;
        }
        printf("%d inputs replayed without a crash\n", total);
        return 0;
}
