/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The default program installed for real (in a forked child with
 * no_new_privs, so no root is needed), and the compiled-filter cache:
 * reuse, damage detection, fallback, and cold/warm timings. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "hash128.h"
#include "macro.h"
#include "seccomp-bpf.h"
#include "security.h"
#include "tap.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int run_in_child(void (*fn)(const SeccompProgram *), const SeccompProgram *p)
{
        int status;
        pid_t pid = fork();

        CHECK(pid >= 0);
        if (pid == 0) {
                fn(p);
                _exit(0);
        }
        CHECK(waitpid(pid, &status, 0) == pid);
        return status;
}

#define EXPECT_ERRNO(call, err)                                                                    \
        do {                                                                                       \
                errno = 0;                                                                         \
                long _r = (long)(call);                                                            \
                if (_r != -1 || errno != (err)) {                                                  \
                        fprintf(stderr, "%s:%d: %s returned %ld errno %d, expected errno %d\n",    \
                                __FILE__, __LINE__, #call, _r, errno, (err));                      \
                        _exit(1);                                                                  \
                }                                                                                  \
        } while (0)

static void child_default(const SeccompProgram *p)
{
        _cleanup_free_ char *status = NULL;
        size_t len;
        int fd, st;
        pid_t pid;

        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
        CHECK(seccomp_program_install(p) == 0);

        CHECK(syscall(SYS_getpid) == getpid());
        CHECK(read_full_file("/proc/self/status", 1 << 20, &status, &len) == 0);
        CHECK(strstr(status, "\nSeccomp:\t2\n"));

        EXPECT_ERRNO(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
                     EPERM);
        EXPECT_ERRNO(syscall(SYS_add_key, "user", "berth", "x", 1, KEY_SPEC_SESSION_KEYRING),
                     EPERM);
        EXPECT_ERRNO(unshare(CLONE_NEWUSER), EPERM);
        EXPECT_ERRNO(unshare(CLONE_NEWNS), EPERM);
        EXPECT_ERRNO(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM);
        EXPECT_ERRNO(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
        EXPECT_ERRNO(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
        /* glibc falls back from clone3 to clone only on ENOSYS */
        EXPECT_ERRNO(syscall(SYS_clone3, NULL, 0), ENOSYS);
        EXPECT_ERRNO(socket(AF_VSOCK, SOCK_STREAM, 0), EPERM);
        EXPECT_ERRNO(syscall(SYS_personality, PER_BSD), EPERM);
        EXPECT_ERRNO(syscall(SYS_reboot, 0, 0, 0, NULL), EPERM);
        EXPECT_ERRNO(syscall(SYS_init_module, NULL, 0, ""), EPERM);
        EXPECT_ERRNO(syscall(SYS_bpf, 0, NULL, 0), EPERM);

        /* newer than Debian's libseccomp, allowed by Docker: the kernel
         * answers, not the filter (mseal, listmount) */
        errno = 0;
        CHECK(syscall(462, 0, 0, 0) == 0 || errno != EPERM);
        errno = 0;
        CHECK(syscall(458, NULL, NULL, 0, 0) == 0 || errno != EPERM);
        /* past the newest known call: ENOSYS, so that libc falls back */
        EXPECT_ERRNO(syscall(467, 0, 0, 0, 0), ENOSYS);
        EXPECT_ERRNO(syscall(1000, 0), ENOSYS);

        /* what a normal program does keeps working */
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK(fd >= 0);
        close(fd);
        CHECK(syscall(SYS_personality, 0xffffffffUL) >= 0);
        pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
        CHECK(pid >= 0);
        if (pid == 0)
                _exit(7);
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

static void test_installed(void)
{
        _cleanup_seccomp_program_ SeccompProgram *p = NULL;
        int status;

        CHECK(seccomp_program_default_full(caps_default(), "", &p) == 0);
        status = run_in_child(child_default, p);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *v, size_t n)
{
        qsort(v, n, sizeof(*v), cmp_u64);
        return v[n / 2] / 1e6;
}

static char *cache_file(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        char *path = NULL;

        CHECK(d);
        while ((de = readdir(d)))
                if (strstr(de->d_name, ".bpf") && de->d_name[0] != '.') {
                        CHECK(!path); /* one profile, one file */
                        CHECK(asprintf(&path, "%s/%s", dir, de->d_name) > 0);
                }
        CHECK(path);
        return path;
}

static bool load_is_cached(const char *dir)
{
        _cleanup_seccomp_program_ SeccompProgram *p = NULL;

        CHECK(seccomp_program_default_full(caps_default(), dir, &p) == 0);
        return seccomp_program_from_cache(p);
}

static void damage(const char *path, off_t offset, const void *bytes, size_t n)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);

        CHECK(fd >= 0);
        CHECK(pwrite(fd, bytes, n, offset) == (ssize_t)n);
        close(fd);
}

/* Flips one byte of the key material at the end of the file and fixes the
 * checksum, as a hash collision would look. */
static void forge_material(const char *path)
{
        _cleanup_free_ char *buf = NULL;
        uint64_t parts[4], sum[2];
        uint32_t n_insns, key_len;
        size_t len;

        CHECK(read_full_file(path, 1 << 20, &buf, &len) == 0);
        memcpy(&n_insns, buf + 12, 4);
        memcpy(&key_len, buf + 16, 4);
        CHECK(len == SECCOMP_CACHE_HEADER_SIZE + n_insns * 8 + key_len);
        buf[len - 1] ^= 0x55;
        hash128(buf + SECCOMP_CACHE_HEADER_SIZE, n_insns * 8, parts);
        hash128(buf + SECCOMP_CACHE_HEADER_SIZE + n_insns * 8, key_len, parts + 2);
        hash128(parts, sizeof(parts), sum);
        memcpy(buf + 40, sum, 16);
        CHECK(write_file_atomic(path, buf, len, 0600) == 0);
}

static void test_cache(void)
{
        char dir[] = "/tmp/berth-seccomp-cache-XXXXXX";
        _cleanup_free_ char *file = NULL, *sub = NULL;
        struct stat st;

        CHECK(mkdtemp(dir));
        CHECK(asprintf(&sub, "%s/run/seccomp", dir) > 0);

        /* the directory is created on first use; the second load reads it */
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));
        file = cache_file(sub);
        CHECK(stat(file, &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        CHECK(st.st_size > SECCOMP_CACHE_HEADER_SIZE + 100 * 8);

        /* different capabilities: a different filter, a different file */
        {
                _cleanup_seccomp_program_ SeccompProgram *p = NULL;
                CHECK(seccomp_program_default_full(caps_default() | (1ULL << 21), sub, &p) == 0);
                CHECK(!seccomp_program_from_cache(p));
        }
        CHECK(load_is_cached(sub));

        /* truncated mid-instruction, truncated to the header, flipped bits in
         * the instructions, a foreign header, a group-writable file: all are
         * rebuilt, and the rebuilt file is good again */
        CHECK(truncate(file, st.st_size - 3) == 0);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        CHECK(truncate(file, SECCOMP_CACHE_HEADER_SIZE) == 0);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        CHECK(truncate(file, st.st_size - 8) == 0);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        damage(file, SECCOMP_CACHE_HEADER_SIZE + 8 * 5 + 4, "\x01\x02\x03\x04", 4);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        damage(file, 0, "NOTBERTH", 8);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        damage(file, 24, "0000", 4); /* the key hash it claims to be for */
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        /* other key material under the right name and hash, with a
         * checksum that matches what the file holds: a collision's look */
        forge_material(file);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        CHECK(chmod(file, 0620) == 0);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        CHECK(unlink(file) == 0 && symlink("/dev/zero", file) == 0);
        CHECK(!load_is_cached(sub));
        CHECK(load_is_cached(sub));

        /* an unusable directory: compiled in memory, still a program */
        {
                _cleanup_seccomp_program_ SeccompProgram *p = NULL;
                CHECK(seccomp_program_default_full(caps_default(), "/proc/berth-no-such-dir", &p) ==
                      0);
                CHECK(!seccomp_program_from_cache(p));
                CHECK(seccomp_program_length(p) > 100);
        }

        /* the environment variable names the default directory */
        CHECK(setenv("BERTH_SECCOMP_CACHE_DIR", sub, 1) == 0);
        {
                _cleanup_seccomp_program_ SeccompProgram *p = NULL;
                CHECK(seccomp_program_default(caps_default(), &p) == 0);
                CHECK(seccomp_program_from_cache(p));
        }
        CHECK(unsetenv("BERTH_SECCOMP_CACHE_DIR") == 0);

        CHECK(rm_rf(dir) == 0);
}

static void test_timing(void)
{
        char dir[] = "/tmp/berth-seccomp-time-XXXXXX";
        uint64_t cold[15], warm[200];

        CHECK(mkdtemp(dir));
        for (size_t i = 0; i < ELEMENTSOF(cold); i++) {
                _cleanup_seccomp_program_ SeccompProgram *p = NULL;
                uint64_t t = now_ns();
                CHECK(seccomp_program_default_full(caps_default(), "", &p) == 0);
                cold[i] = now_ns() - t;
        }
        CHECK(load_is_cached(dir) == false);
        for (size_t i = 0; i < ELEMENTSOF(warm); i++) {
                _cleanup_seccomp_program_ SeccompProgram *p = NULL;
                uint64_t t = now_ns();
                CHECK(seccomp_program_default_full(caps_default(), dir, &p) == 0);
                warm[i] = now_ns() - t;
                CHECK(seccomp_program_from_cache(p));
        }
        printf("seccomp_program_default: cold (compile) median %.3f ms, warm (cache) median "
               "%.3f ms\n",
               median_ms(cold, ELEMENTSOF(cold)), median_ms(warm, ELEMENTSOF(warm)));
        /* the whole point of the cache; generous so sanitizer builds pass */
        CHECK(median_ms(warm, ELEMENTSOF(warm)) < median_ms(cold, ELEMENTSOF(cold)));
        CHECK(rm_rf(dir) == 0);
}

int main(void)
{
        test_installed();
        test_cache();
        test_timing();
        return 0;
}
