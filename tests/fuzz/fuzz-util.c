/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fuzz.h"

static char *made[4];

static void remove_made(void)
{
        for (size_t i = 0; i < sizeof(made) / sizeof(made[0]) && made[i]; i++) {
                (void)fuzz_empty_dir(made[i]);
                /* fuzz-layer mounts a tmpfs there (in its own namespace). */
                (void)umount2(made[i], MNT_DETACH);
                (void)rmdir(made[i]);
        }
}

char *fuzz_tmpdir(const char *what)
{
        const char *base = getenv("TMPDIR");
        char *p = NULL;

        if (!base || !*base)
                base = "/tmp";
        if (asprintf(&p, "%s/berth-fuzz-%s-XXXXXX", base, what) < 0 || !mkdtemp(p)) {
                fprintf(stderr, "fuzz: cannot make a temp dir under %s: %s\n", base,
                        strerror(errno));
                abort();
        }
        for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
                if (!made[i]) {
                        if (i == 0)
                                atexit(remove_made);
                        made[i] = p;
                        break;
                }
        return p;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        if (ftw->level == 0)
                return 0;
        /* Extracted layers may hold read-only directories: make them
         * writable so that their contents can go. */
        if (type == FTW_DP && remove(path) < 0 && errno == EACCES) {
                (void)chmod(path, 0700);
                return remove(path) < 0 ? -1 : 0;
        }
        if (type != FTW_DP && remove(path) < 0)
                return -1;
        return 0;
}

static int make_writable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        if (type == FTW_D || type == FTW_DNR)
                (void)chmod(path, 0700);
        return 0;
}

int fuzz_empty_dir(const char *path)
{
        /* Directories first, top-down, so that every one can be entered. */
        (void)nftw(path, make_writable, 16, FTW_PHYS);
        return nftw(path, remove_one, 16, FTW_PHYS | FTW_DEPTH);
}

int fuzz_count_entries(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (!(de->d_name[0] == '.' &&
                      (de->d_name[1] == 0 || (de->d_name[1] == '.' && de->d_name[2] == 0))))
                        n++;
        closedir(d);
        return n;
}
