/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "layer-extract.h"
#include "layer-index.h"
#include "log.h"
#include "macro.h"

#define WHITEOUT_PREFIX "."
#define WHITEOUT_MARK   ".wh."
#define OPAQUE_MARK     ".wh..wh..opq"

#define EARLY_WRITEBACK_MIN (1024 * 1024)

typedef struct DirMeta {
        char *path;
        mode_t mode;
        struct timespec times[2];
} DirMeta;

struct Extractor {
        int root_fd;
        bool privileged;
        uid_t uid;
        gid_t gid;
        mode_t umask;
        const char *opaque_xattr;
        /* Entries usually come directory by directory: keep the last parent. */
        char *parent_path;
        int parent_fd;
        DirMeta *dirs;
        size_t n_dirs, cap_dirs;
        FileHashes *hashes; /* borrowed, may be NULL */
};

static const char zeros[64 * 1024];

/* umask() can only be read by setting it, which would race with other
 * threads of the process. */
static mode_t read_umask(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        unsigned m;

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "Umask: %o", &m) == 1)
                        return m & 0777;
        return 0777; /* unknown: always chmod */
}

int extractor_new(int root_fd, bool privileged, Extractor **ret)
{
        Extractor *x = calloc(1, sizeof(*x));

        if (!x)
                return -ENOMEM;
        x->root_fd = root_fd;
        x->privileged = privileged;
        x->opaque_xattr = privileged ? "trusted.overlay.opaque" : "user.overlay.opaque";
        x->parent_fd = -EBADF;
        x->uid = geteuid();
        x->gid = getegid();
        x->umask = read_umask();
        *ret = x;
        return 0;
}

void extractor_set_hashes(Extractor *x, FileHashes *hashes)
{
        x->hashes = hashes;
}

/* Holes of a sparse file read back as zeros: hash them as such. */
static void hash_zeros(Sha256 *h, int64_t n)
{
        while (n > 0) {
                size_t k = n < (int64_t)sizeof(zeros) ? (size_t)n : sizeof(zeros);
                sha256_update(h, zeros, k);
                n -= k;
        }
}

void extractor_free(Extractor *x)
{
        if (!x)
                return;
        safe_close(x->parent_fd);
        free(x->parent_path);
        for (size_t i = 0; i < x->n_dirs; i++)
                free(x->dirs[i].path);
        free(x->dirs);
        free(x);
}

_printf_(3, 4) static int refuse(char **ret_error, int err, const char *fmt, ...)
{
        va_list ap;

        if (ret_error) {
                free(*ret_error);
                *ret_error = NULL;
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return err < 0 ? err : -err;
}

int layer_path_clean(const char *in, char **ret, const char **ret_why)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (in[0] == '/') {
                *ret_why = "absolute path";
                return -EPERM;
        }
        out = malloc(strlen(in) + 1);
        if (!out)
                return -ENOMEM;
        for (const char *p = in; *p;) {
                size_t len = strcspn(p, "/");

                if (len == 2 && strneq(p, "..", 2)) {
                        *ret_why = "\"..\" in the path";
                        return -EPERM;
                }
                if (len > 0 && !(len == 1 && p[0] == '.')) {
                        if (n > 0)
                                out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p += len;
                while (*p == '/')
                        p++;
        }
        out[n] = 0;
        if (n >= PATH_MAX) {
                *ret_why = "path too long";
                return -ENAMETOOLONG;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* Opens directory rel below root, never following a symlink; with create,
 * missing directories are made (0755, as tar does for implied parents). */
static int open_dir_beneath(int root_fd, const char *rel, bool create)
{
        struct open_how how = {
            .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
            .resolve =
                RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        _cleanup_close_ int cur = -EBADF;
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;
        int fd;

        if (rel[0] == 0)
                rel = ".";
        fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
        if (fd >= 0)
                return fd;
        if (errno != ENOENT || !create)
                return negative_errno();

        copy = strdup(rel);
        if (!copy)
                return -ENOMEM;
        cur = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return negative_errno();
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT) {
                        if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
                                return negative_errno();
                        fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0)
                        return negative_errno();
                safe_close(cur);
                cur = fd;
        }
        return TAKE_FD(cur);
}

static const char *resolve_failure(int r)
{
        switch (-r) {
        case ELOOP:
                return "its path goes through a symbolic link";
        case ENOTDIR:
                return "a parent in its path is not a directory";
        case EXDEV:
                return "its path leaves the layer";
        default:
                return strerror(-r);
        }
}

/* Returns a borrowed fd of path's parent and the last component. */
static int open_parent(Extractor *x, const char *path, int *ret_fd, const char **ret_name)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *parent = NULL;
        int fd;

        if (!slash) {
                *ret_fd = x->root_fd;
                *ret_name = path;
                return 0;
        }
        *ret_name = slash + 1;
        if (x->parent_path && strlen(x->parent_path) == (size_t)(slash - path) &&
            strneq(x->parent_path, path, slash - path)) {
                *ret_fd = x->parent_fd;
                return 0;
        }
        parent = strndup(path, slash - path);
        if (!parent)
                return -ENOMEM;
        fd = open_dir_beneath(x->root_fd, parent, true);
        if (fd < 0)
                return fd;
        safe_close(x->parent_fd);
        free(x->parent_path);
        x->parent_fd = fd;
        x->parent_path = TAKE_PTR(parent);
        *ret_fd = fd;
        return 0;
}

/* Forget the cached parent if it may have been replaced. */
static void drop_parent_cache(Extractor *x)
{
        x->parent_fd = safe_close(x->parent_fd);
        free(x->parent_path);
        x->parent_path = NULL;
}

static int remove_existing(Extractor *x, int dfd, const char *name)
{
        if (unlinkat(dfd, name, 0) >= 0)
                return 0;
        if (errno == EISDIR || errno == EPERM) {
                drop_parent_cache(x);
                return rm_rf_at(dfd, name);
        }
        return errno == ENOENT ? 0 : negative_errno();
}

static bool xattr_allowed(Extractor *x, const char *name)
{
        /* The overlay markers are ours to set; a layer must not smuggle in
         * redirects, metacopy or opaque flags of its own. */
        if (strneq(name, "trusted.overlay.", 16) || strneq(name, "user.overlay.", 13))
                return false;
        if (strneq(name, "user.", 5))
                return true;
        return x->privileged && (strneq(name, "trusted.", 8) || strneq(name, "security.", 9));
}

/* fd >= 0: set on the fd; otherwise on dfd/name without following it. */
static int apply_xattrs(Extractor *x, struct archive_entry *e, int fd, int dfd, const char *name,
                        const char **ret_xattr)
{
        const char *xname;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
                int r;

                if (!xattr_allowed(x, xname))
                        continue;
                if (fd >= 0)
                        r = fsetxattr(fd, xname, value, size, 0);
                else {
                        char p[64 + PATH_MAX];
                        snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dfd, name);
                        r = lsetxattr(p, xname, value, size, 0);
                }
                if (r < 0) {
                        *ret_xattr = xname;
                        return negative_errno();
                }
        }
        return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1].tv_sec = archive_entry_mtime(e);
        ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        if (archive_entry_atime_is_set(e)) {
                ts[0].tv_sec = archive_entry_atime(e);
                ts[0].tv_nsec = archive_entry_atime_nsec(e);
        } else
                ts[0] = ts[1];
}

/* Ownership first, since chown clears setuid/setgid and file capabilities;
 * then the mode, then xattrs (security.capability), then times. */
static int apply_meta_fd(Extractor *x, struct archive_entry *e, int fd, bool set_mode_time,
                         bool created_with_mode, const char **ret_step)
{
        struct timespec ts[2];
        bool owner_changes = archive_entry_uid(e) != x->uid || archive_entry_gid(e) != x->gid;
        mode_t mode = archive_entry_mode(e) & 07777;
        int r;

        /* A new file already has our owner and, without special bits, the
         * mode it was created with: skip two syscalls per file. */
        if (x->privileged && owner_changes &&
            fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0) {
                *ret_step = "chown";
                return negative_errno();
        }
        if (set_mode_time &&
            !(created_with_mode && !owner_changes && (mode & 07000) == 0 &&
              (mode & x->umask) == 0) &&
            fchmod(fd, mode) < 0) {
                *ret_step = "chmod";
                return negative_errno();
        }
        r = apply_xattrs(x, e, fd, -EBADF, NULL, ret_step);
        if (r < 0)
                return r;
        if (set_mode_time) {
                entry_times(e, ts);
                if (futimens(fd, ts) < 0) {
                        *ret_step = "set times";
                        return negative_errno();
                }
        }
        return 0;
}

static int apply_meta_at(Extractor *x, struct archive_entry *e, int dfd, const char *name,
                         bool set_mode, const char **ret_step)
{
        struct timespec ts[2];
        int r;

        if (x->privileged && fchownat(dfd, name, archive_entry_uid(e), archive_entry_gid(e),
                                      AT_SYMLINK_NOFOLLOW) < 0) {
                *ret_step = "chown";
                return negative_errno();
        }
        /* Only for nodes we just made (never symlinks): fchmodat follows. */
        if (set_mode && fchmodat(dfd, name, archive_entry_mode(e) & 07777, 0) < 0) {
                *ret_step = "chmod";
                return negative_errno();
        }
        r = apply_xattrs(x, e, -EBADF, dfd, name, ret_step);
        if (r < 0)
                return r;
        entry_times(e, ts);
        if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0) {
                *ret_step = "set times";
                return negative_errno();
        }
        return 0;
}

/* Writes the entry's data, hashing it on the way when h != NULL (the
 * bytes are in the cache now: this is the cheap moment to hash them). */
static int write_data(struct archive *a, int fd, int64_t size, Sha256 *h)
{
        int64_t pos = 0;

        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t offset;
                int r = archive_read_data_block(a, &buf, &len, &offset);

                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return -EIO;
                if (h) {
                        if (offset < pos)
                                return -EIO; /* blocks only move forward */
                        hash_zeros(h, offset - pos);
                        sha256_update(h, buf, len);
                }
                pos = offset;
                while (len > 0) {
                        ssize_t n = pwrite(fd, buf, len, offset);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return negative_errno();
                        }
                        buf = (const char *)buf + n;
                        len -= n;
                        offset += n;
                }
                pos = offset;
        }
        /* Sparse files end in a hole that no block covers. */
        if (pos < size) {
                if (ftruncate(fd, size) < 0)
                        return negative_errno();
                if (h)
                        hash_zeros(h, size - pos);
        }
        return 0;
}

/* Records the content digest of the file just written under its inode. */
static int note_hash(Extractor *x, int fd, Sha256 *h)
{
        char digest[DIGEST_STRING_MAX];
        struct stat st;

        sha256_final(h, digest);
        if (fstat(fd, &st) < 0)
                return negative_errno();
        return file_hashes_put(x->hashes, st.st_ino, digest);
}

static int make_regular(Extractor *x, struct archive *a, struct archive_entry *e, int dfd,
                        const char *name, const char **ret_step)
{
        _cleanup_(sha256_freep) Sha256 *h = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (x->hashes && sha256_new(&h) < 0)
                return -ENOMEM;
        for (int attempt = 0; attempt < 2; attempt++) {
                fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            archive_entry_mode(e) & 0777);
                if (fd >= 0 || errno != EEXIST)
                        break;
                r = remove_existing(x, dfd, name);
                if (r < 0) {
                        *ret_step = "replace";
                        return r;
                }
        }
        if (fd < 0) {
                *ret_step = "create";
                return negative_errno();
        }
        r = write_data(a, fd, archive_entry_size(e), h);
        if (r < 0) {
                *ret_step = r == -EIO ? archive_error_string(a) : "write";
                return r;
        }
        if (h) {
                r = note_hash(x, fd, h);
                if (r < 0) {
                        *ret_step = "record content digest";
                        return r;
                }
        }
        /* Start writing big files back now, so that the one sync before the
         * layer is committed has less left to wait for. */
        if (archive_entry_size(e) >= EARLY_WRITEBACK_MIN)
                (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        return apply_meta_fd(x, e, fd, true, true, ret_step);
}

static int defer_dir(Extractor *x, const char *path, struct archive_entry *e)
{
        if (x->n_dirs == x->cap_dirs) {
                size_t n = x->cap_dirs ? x->cap_dirs * 2 : 64;
                DirMeta *d = realloc(x->dirs, n * sizeof(DirMeta));
                if (!d)
                        return -ENOMEM;
                x->dirs = d;
                x->cap_dirs = n;
        }
        x->dirs[x->n_dirs].path = strdup(path);
        if (!x->dirs[x->n_dirs].path)
                return -ENOMEM;
        x->dirs[x->n_dirs].mode = archive_entry_mode(e) & 07777;
        entry_times(e, x->dirs[x->n_dirs].times);
        x->n_dirs++;
        return 0;
}

static int make_dir(Extractor *x, struct archive_entry *e, const char *path, int dfd,
                    const char *name, const char **ret_step)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (path[0] == 0)
                fd = fcntl(x->root_fd, F_DUPFD_CLOEXEC, 3);
        else {
                if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST) {
                        *ret_step = "mkdir";
                        return negative_errno();
                }
                fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
                        /* A file or symlink of the same name came earlier. */
                        r = remove_existing(x, dfd, name);
                        if (r < 0 || mkdirat(dfd, name, 0700) < 0) {
                                *ret_step = "replace";
                                return r < 0 ? r : negative_errno();
                        }
                        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
        }
        if (fd < 0) {
                *ret_step = "open directory";
                return negative_errno();
        }
        r = apply_meta_fd(x, e, fd, false, false, ret_step);
        if (r < 0)
                return r;
        /* Mode and times last: children change the mtime, and a read-only
         * mode would stop an unprivileged extraction. */
        r = defer_dir(x, path, e);
        if (r < 0)
                *ret_step = "remember directory";
        return r;
}

static int make_node(Extractor *x, struct archive_entry *e, int dfd, const char *name,
                     const char **ret_step)
{
        mode_t type = archive_entry_filetype(e);
        int r = 0;

        for (int attempt = 0; attempt < 2; attempt++) {
                if (type == AE_IFLNK) {
                        const char *target = archive_entry_symlink(e);
                        if (!target) {
                                *ret_step = "symlink without a target";
                                return -EBADMSG;
                        }
                        r = symlinkat(target, dfd, name);
                } else if (type == AE_IFIFO)
                        r = mkfifoat(dfd, name, 0600);
                else
                        r = mknodat(dfd, name, type | 0600, archive_entry_rdev(e));
                if (r >= 0 || errno != EEXIST)
                        break;
                r = remove_existing(x, dfd, name);
                if (r < 0) {
                        *ret_step = "replace";
                        return r;
                }
        }
        if (r < 0) {
                *ret_step = type == AE_IFLNK ? "symlink" : "mknod";
                return negative_errno();
        }
        return apply_meta_at(x, e, dfd, name, type != AE_IFLNK, ret_step);
}

static int make_hardlink(Extractor *x, const char *target, int dfd, const char *name,
                         const char **ret_step)
{
        _cleanup_free_ char *clean = NULL, *tparent = NULL;
        _cleanup_close_ int tfd = -EBADF;
        const char *why = NULL, *tname, *slash;
        int r;

        r = layer_path_clean(target, &clean, &why);
        if (r < 0) {
                *ret_step = why ?: "hard link";
                return r;
        }
        if (clean[0] == 0) {
                *ret_step = "the target is the layer root";
                return -EPERM;
        }
        slash = strrchr(clean, '/');
        tname = slash ? slash + 1 : clean;
        tparent = slash ? strndup(clean, slash - clean) : strdup("");
        if (!tparent)
                return -ENOMEM;
        tfd = open_dir_beneath(x->root_fd, tparent, false);
        if (tfd < 0) {
                *ret_step = resolve_failure(tfd);
                return tfd;
        }
        for (int attempt = 0; attempt < 2; attempt++) {
                /* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink. */
                if (linkat(tfd, tname, dfd, name, 0) >= 0)
                        return 0;
                if (errno != EEXIST)
                        break;
                r = remove_existing(x, dfd, name);
                if (r < 0) {
                        *ret_step = "replace";
                        return r;
                }
        }
        *ret_step = errno == ENOENT ? "the target is not in the layer" : "hard link";
        return negative_errno();
}

static int make_whiteout(Extractor *x, struct archive_entry *e, const char *path, int dfd,
                         const char *name, char **ret_error)
{
        struct timespec ts[2];
        const char *target = name + strlen(WHITEOUT_MARK);
        int r;

        if (streq(name, OPAQUE_MARK)) {
                if (fsetxattr(dfd, x->opaque_xattr, "y", 1, 0) < 0)
                        return refuse(ret_error, errno, "Layer entry \"%s\": mark opaque (%s)",
                                      path, x->opaque_xattr);
                return 0;
        }
        if (strneq(target, WHITEOUT_MARK, strlen(WHITEOUT_MARK)))
                return 0; /* other aufs metadata (.wh..wh.plnk, …): nothing for overlay */
        if (isempty(target) || streq(target, ".") || streq(target, ".."))
                return refuse(ret_error, EPERM, "Layer entry \"%s\" refused: invalid whiteout",
                              path);

        for (int attempt = 0; attempt < 2; attempt++) {
                if (mknodat(dfd, target, S_IFCHR | 0, makedev(0, 0)) >= 0) {
                        /* its time, so that an export gives the same tar back */
                        entry_times(e, ts);
                        (void)utimensat(dfd, target, ts, AT_SYMLINK_NOFOLLOW);
                        return 0;
                }
                if (errno != EEXIST)
                        break;
                r = remove_existing(x, dfd, target);
                if (r < 0)
                        return refuse(ret_error, r, "Layer entry \"%s\": replace", path);
        }
        return refuse(ret_error, errno, "Layer entry \"%s\": create whiteout", path);
}

int extractor_entry(Extractor *x, struct archive *a, struct archive_entry *e, char **ret_error)
{
        _cleanup_free_ char *path = NULL;
        const char *raw = archive_entry_pathname(e) ?: archive_entry_pathname_utf8(e);
        const char *why = NULL, *name, *step = NULL, *hardlink;
        mode_t type = archive_entry_filetype(e);
        int dfd, r;

        if (!raw)
                return refuse(ret_error, EBADMSG, "Layer entry without a readable name");
        r = layer_path_clean(raw, &path, &why);
        if (r < 0)
                return refuse(ret_error, r, "Layer entry \"%s\" refused: %s", raw,
                              why ?: strerror(-r));

        hardlink = archive_entry_hardlink(e);
        if (path[0] == 0) {
                if (type != AE_IFDIR || hardlink)
                        return refuse(ret_error, EPERM,
                                      "Layer entry \"%s\" refused: replaces the layer root", raw);
                r = make_dir(x, e, path, x->root_fd, ".", &step);
                goto done;
        }

        r = open_parent(x, path, &dfd, &name);
        if (r < 0)
                return refuse(ret_error, r, "Layer entry \"%s\" refused: %s", raw,
                              resolve_failure(r));

        if (strneq(name, WHITEOUT_MARK, strlen(WHITEOUT_MARK)))
                return make_whiteout(x, e, raw, dfd, name, ret_error);

        if (hardlink) {
                r = make_hardlink(x, hardlink, dfd, name, &step);
                if (r < 0)
                        return refuse(ret_error, r,
                                      "Layer entry \"%s\" (hard link to \"%s\") refused: %s", raw,
                                      hardlink, step ? step : resolve_failure(r));
                return 0;
        }

        switch (type) {
        case AE_IFREG:
                r = make_regular(x, a, e, dfd, name, &step);
                break;
        case AE_IFDIR:
                r = make_dir(x, e, path, dfd, name, &step);
                break;
        case AE_IFCHR:
        case AE_IFBLK:
                if (!x->privileged) {
                        log_debug("Skipping device node %s: not privileged", raw);
                        return 0;
                }
                __attribute__((fallthrough));
        case AE_IFLNK:
        case AE_IFIFO:
                r = make_node(x, e, dfd, name, &step);
                break;
        case AE_IFSOCK:
                return 0; /* sockets are made by whoever binds them */
        default:
                return refuse(ret_error, EBADMSG, "Layer entry \"%s\": unknown type 0%o", raw,
                              (unsigned)type);
        }
done:
        if (r < 0)
                return refuse(ret_error, r, "Layer entry \"%s\": %s: %s", raw, strna(step),
                              strerror(-r));
        return 0;
}

int extractor_finish(Extractor *x, char **ret_error)
{
        for (size_t i = 0; i < x->n_dirs; i++) {
                DirMeta *d = x->dirs + i;
                _cleanup_close_ int fd = open_dir_beneath(x->root_fd, d->path, false);

                if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                        continue; /* replaced by a later entry */
                if (fd < 0)
                        return refuse(ret_error, fd, "Layer entry \"%s\": reopen", d->path);
                if (fchmod(fd, d->mode) < 0 || futimens(fd, d->times) < 0)
                        return refuse(ret_error, errno, "Layer entry \"%s\": set mode and times",
                                      d->path);
        }
        return 0;
}
