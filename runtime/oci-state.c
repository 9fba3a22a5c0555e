/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* State of the OCI front end in ROOT/ID/: state.json (pid, its start time
 * to tell a recycled pid apart, bundle), exec.fifo until `start`, and
 * seccomp.json when the bundle has linux.seccomp. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "oci.h"

int oci_state_dir(const OciArgs *a, const char *file, char **ret)
{
        if (asprintf(ret, "%s/%s%s%s", a->root, a->id, file ? "/" : "", strempty(file)) < 0)
                return log_oom();
        return 0;
}

/* Field 22 of /proc/PID/stat tells a pid's incarnations apart; the state
 * letter says whether it is a zombie. */
int oci_proc_stat(pid_t pid, unsigned long long *ret_start, char *ret_state)
{
        char path[64], buf[1024], *p;
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -EIO;
        buf[n] = 0;
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 2,
                         "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                         "%*d %*d %*d %llu",
                         ret_state, ret_start) != 2)
                return -EIO;
        return 0;
}

/* State lives on /run (tmpfs) and dies with a reboot like the containers it
 * describes: rename keeps readers from seeing half a file, fsync would only
 * cost time on every start. */
int oci_write_file_replace(const char *path, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0) {
                int r = -errno;
                (void)unlink(tmp);
                return r;
        }
        return 0;
}

int oci_state_write(const OciArgs *a, pid_t pid, const char *bundle)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        unsigned long long start = 0;
        char st;
        json_t *j;
        int r;

        (void)oci_proc_stat(pid, &start, &st);
        j = json_pack("{s:s, s:s, s:i, s:s, s:I}", "ociVersion", OCI_VERSION, "id", a->id, "pid",
                      (int)pid, "bundle", bundle, "starttime", (json_int_t)start);
        if (!j)
                return log_oom();
        text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!text)
                return log_oom();
        r = oci_state_dir(a, "state.json", &path);
        if (r < 0)
                return r;
        r = oci_write_file_replace(path, text);
        if (r < 0)
                return log_error_errno(r, "write %s", path);
        if (a->pid_file) {
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
                buf[n] = 0;
                r = oci_write_file_replace(a->pid_file, buf);
                if (r < 0)
                        return log_error_errno(r, "write %s", a->pid_file);
        }
        return 0;
}

int oci_state_read(const OciArgs *a, OciState *ret)
{
        _cleanup_free_ char *path = NULL, *fifo = NULL;
        unsigned long long start = 0, recorded;
        json_t *j;
        char st = 0;
        int r;

        r = oci_state_dir(a, "state.json", &path);
        if (r < 0)
                return r;
        j = json_load_file(path, 0, NULL);
        if (!j)
                return log_error_errno(SYNTHETIC_ERRNO(ENOENT), "container %s does not exist",
                                       a->id);
        ret->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
        recorded = (unsigned long long)json_integer_value(json_object_get(j, "starttime"));
        ret->starttime = recorded;
        ret->bundle = strdup(strempty(json_string_value(json_object_get(j, "bundle"))));
        json_decref(j);
        if (!ret->bundle)
                return log_oom();
        r = oci_state_dir(a, "exec.fifo", &fifo);
        if (r < 0)
                return r;
        if (ret->pid <= 0 || oci_proc_stat(ret->pid, &start, &st) < 0 || st == 'Z' ||
            start != recorded)
                ret->status = "stopped";
        else
                ret->status = access(fifo, F_OK) == 0 ? "created" : "running";
        return 0;
}
