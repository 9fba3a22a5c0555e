/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "digest.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"

static const char *const store_dirs[] = {
    "blobs", "blobs/sha256", "layers", "images", "containers", "volumes", "tmp", "locks",
};

const char *store_root(Store *s)
{
        return s->root;
}

unsigned long store_random(void)
{
        unsigned long v;

        /* random() would give every process the same sequence. */
        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
                v = (unsigned long)getpid() * 2654435761UL ^ (unsigned long)random();
        return v;
}

const char *digest_hex(const char *digest)
{
        return digest + strlen("sha256:");
}

static void run_pending_removals(Store *s, PendingRemoval *list, size_t n);

int store_lock(Store *s)
{
        pthread_mutex_lock(&s->mutex);
        if (s->lock_depth++ > 0)
                return 0;
        while (flock(s->lock_fd, LOCK_EX) < 0) {
                if (errno == EINTR)
                        continue;
                s->lock_depth--;
                pthread_mutex_unlock(&s->mutex);
                return log_error_errno(errno, "Lock store %s", s->root);
        }
        return 0;
}

void store_unlock(Store *s)
{
        PendingRemoval *list = NULL;
        size_t n = 0;

        if (--s->lock_depth == 0) {
                (void)flock(s->lock_fd, LOCK_UN);
                list = s->pending;
                n = s->n_pending;
                s->pending = NULL;
                s->n_pending = 0;
        }
        pthread_mutex_unlock(&s->mutex);
        run_pending_removals(s, list, n);
}

static DIR *opendir_at(int dirfd, const char *path)
{
        int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d)
                safe_close(fd);
        return d;
}

/* A staging entry is in use while some process holds its flock. */
static void clean_tmp(Store *s)
{
        _cleanup_closedir_ DIR *d = opendir_at(s->root_fd, "tmp");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_close_ int efd = -EBADF;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                efd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (efd >= 0 && flock(efd, LOCK_EX | LOCK_NB) < 0)
                        continue; /* somebody is working in it */
                log_debug("Removing leftover %s/tmp/%s", s->root, de->d_name);
                (void)rm_rf_at(dirfd(d), de->d_name);
        }
}

/* write_file_atomic() leaves ".#name.*" behind when interrupted. */
static void clean_atomic_leftovers(Store *s, const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir_at(s->root_fd, dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d)))
                if (strneq(de->d_name, ".#", 2))
                        (void)unlinkat(dirfd(d), de->d_name, 0);
}

int store_open(const char *root, Store **ret)
{
        _cleanup_(store_freep) Store *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom();
        s->root_fd = s->lock_fd = -EBADF;
        {
                pthread_mutexattr_t attr;
                pthread_mutexattr_init(&attr);
                pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
                pthread_mutex_init(&s->mutex, &attr);
                pthread_mutexattr_destroy(&attr);
        }
        s->root = strdup(root ?: BERTH_STATEDIR);
        if (!s->root)
                return log_oom();

        r = mkdir_p(s->root, 0700);
        if (r < 0)
                return log_error_errno(r, "Create store %s", s->root);
        s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return log_error_errno(errno, "Open store %s", s->root);
        for (size_t i = 0; i < ELEMENTSOF(store_dirs); i++)
                if (mkdirat(s->root_fd, store_dirs[i], 0700) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "Create %s/%s", s->root, store_dirs[i]);
        s->lock_fd = openat(s->root_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (s->lock_fd < 0)
                return log_error_errno(errno, "Open %s/lock", s->root);

        r = store_lock(s);
        if (r < 0)
                return r;
        clean_tmp(s);
        clean_atomic_leftovers(s, ".");
        clean_atomic_leftovers(s, "images");
        clean_atomic_leftovers(s, "blobs/sha256");
        store_unlock(s);

        *ret = TAKE_PTR(s);
        return 0;
}

int store_open_readonly(const char *root, Store **ret)
{
        _cleanup_(store_freep) Store *s = NULL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom();
        s->root_fd = s->lock_fd = -EBADF;
        pthread_mutex_init(&s->mutex, NULL);
        s->root = strdup(root ?: BERTH_STATEDIR);
        if (!s->root)
                return log_oom();
        s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return log_error_errno(errno, "Open store %s", s->root);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

void store_free(Store *s)
{
        if (!s)
                return;
        safe_close(s->lock_fd);
        safe_close(s->root_fd);
        pthread_mutex_destroy(&s->mutex);
        free(s->root);
        free(s);
}

int store_make_staging(Store *s, const char *prefix, char **ret_name, int *ret_fd)
{
        _cleanup_store_unlock_ Store *locked = NULL;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* Under the store lock, so clean_tmp() never sees it unlocked. */
        r = store_lock(s);
        if (r < 0)
                return r;
        locked = s;
        for (int attempt = 0;; attempt++) {
                free(name);
                if (asprintf(&name, "tmp/%s-%08lx", prefix, store_random()) < 0)
                        return log_oom();
                if (mkdirat(s->root_fd, name, 0700) >= 0)
                        break;
                if (errno != EEXIST || attempt > 100)
                        return log_error_errno(errno, "Create staging %s/%s", s->root, name);
        }
        fd = openat(s->root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX) < 0)
                return log_error_errno(errno, "Lock staging %s/%s", s->root, name);
        *ret_name = TAKE_PTR(name);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

char *store_layer_path(Store *s, const char *diff_id)
{
        char *p;

        if (asprintf(&p, "%s/layers/%s/diff", s->root, digest_hex(diff_id)) < 0)
                return NULL;
        return p;
}

bool store_has_layer(Store *s, const char *diff_id)
{
        char p[128];

        if (!digest_is_valid(diff_id))
                return false;
        /* layers/<hex> only ever appears by a rename of a complete layer. */
        snprintf(p, sizeof(p), "layers/%s/meta.json", digest_hex(diff_id));
        return faccessat(s->root_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

int store_layer_lock(Store *s, const char *diff_id, bool wait, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        char p[128];

        snprintf(p, sizeof(p), "locks/%s", digest_hex(diff_id));
        fd = openat(s->root_fd, p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Open %s/%s", s->root, p);
        while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
                if (errno == EWOULDBLOCK && !wait)
                        return -EAGAIN;
                if (errno != EINTR)
                        return log_error_errno(errno, "Lock %s/%s", s->root, p);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int store_layer_remove(Store *s, const char *diff_id)
{
        char p[128], dead[160];

        /* Rename out of layers/ first, so that a crash in the middle of the
         * removal never leaves a half-removed layer that looks present. */
        snprintf(p, sizeof(p), "layers/%s", digest_hex(diff_id));
        snprintf(dead, sizeof(dead), "tmp/dead-%s-%08lx", digest_hex(diff_id), store_random());
        if (renameat(s->root_fd, p, s->root_fd, dead) < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Remove layer %s", diff_id);
        return store_defer_removal(s, dead);
}

/* Called under the store lock: the tree leaves layers/ (or wherever) at
 * once, the slow rm -rf happens after the lock is released, so container
 * starts don't wait for it. Its flock keeps other processes' clean_tmp()
 * away meanwhile; a crash leaves it to the next store_open(). */
int store_defer_removal(Store *s, const char *name)
{
        _cleanup_close_ int fd = -EBADF;
        PendingRemoval *n;

        fd = openat(s->root_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
                return rm_rf_at(s->root_fd, name);
        n = realloc(s->pending, (s->n_pending + 1) * sizeof(PendingRemoval));
        if (!n)
                return rm_rf_at(s->root_fd, name);
        s->pending = n;
        n[s->n_pending].name = strdup(name);
        if (!n[s->n_pending].name)
                return rm_rf_at(s->root_fd, name);
        n[s->n_pending++].fd = TAKE_FD(fd);
        return 0;
}

static void run_pending_removals(Store *s, PendingRemoval *list, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = rm_rf_at(s->root_fd, list[i].name);
                if (r < 0)
                        log_warning_errno(r, "Remove %s/%s", s->root, list[i].name);
                safe_close(list[i].fd);
                free(list[i].name);
        }
        free(list);
}
