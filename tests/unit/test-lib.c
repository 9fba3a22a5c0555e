/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "digest.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "parse-util.h"
#include "strv.h"
#include "tap.h"

static void test_digest(void)
{
        char d[DIGEST_STRING_MAX];

        CHECK(sha256_buffer("abc", 3, d) == 0);
        CHECK_STREQ(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(digest_is_valid(d));
        CHECK(!digest_is_valid("sha256:../../etc/passwd"));
        CHECK(!digest_is_valid(
            "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
        CHECK(!digest_is_valid(
            "sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

static void test_parse(void)
{
        uint64_t v;

        CHECK(parse_size("64m", &v) == 0 && v == 64ULL << 20);
        CHECK(parse_size("1G", &v) == 0 && v == 1ULL << 30);
        CHECK(parse_size("512kb", &v) == 0 && v == 512ULL << 10);
        CHECK(parse_size("100", &v) == 0 && v == 100);
        CHECK(parse_size("-1", &v) < 0);
        CHECK(parse_size("12q", &v) < 0);
        CHECK(parse_size("99999999999999999999", &v) < 0);
        CHECK(parse_boolean("yes") == 1 && parse_boolean("off") == 0 && parse_boolean("x") < 0);
}

static void test_strv(void)
{
        _cleanup_strv_free_ char **l = NULL;

        CHECK(strv_env_set(&l, "A=1") == 0);
        CHECK(strv_env_set(&l, "B=2") == 0);
        CHECK(strv_env_set(&l, "A=3") == 0);
        CHECK_INT(strv_length(l), 2);
        CHECK_STREQ(strv_env_get(l, "A"), "3");
        CHECK(strv_env_get(l, "C") == NULL);
}

static void test_atomic(void)
{
        char tmpl[] = "/tmp/berth-test-XXXXXX";
        char path[256];
        _cleanup_free_ char *back = NULL;
        size_t len;

        CHECK(mkdtemp(tmpl));
        snprintf(path, sizeof(path), "%s/a/b/c", tmpl);
        CHECK(mkdir_parents(path, 0755) == 0);
        CHECK(write_file_atomic(path, "hello", 5, 0640) == 0);
        CHECK(read_full_file(path, 100, &back, &len) == 0);
        CHECK_STREQ(back, "hello");
        free(TAKE_PTR(back));
        CHECK(read_full_file(path, 3, &back, &len) == -EFBIG);
        CHECK(rm_rf(tmpl) == 0);
        CHECK(access(tmpl, F_OK) < 0);
}

/* valid() takes names of max bytes and refuses longer ones */
static void check_name_max(bool (*valid)(const char *), size_t max)
{
        _cleanup_free_ char *s = malloc(max + 2);

        CHECK(s);
        memset(s, 'a', max + 1);
        s[max] = '\0';
        CHECK(valid(s));
        s[max] = 'a';
        s[max + 1] = '\0';
        CHECK(!valid(s));
}

/* One rule for container and network names in every part (lib/names.c). */
static void test_names(void)
{
        CHECK(container_name_is_valid("web") && container_name_is_valid("a.b_c-1"));
        CHECK(!container_name_is_valid("") && !container_name_is_valid(NULL));
        CHECK(!container_name_is_valid("-x") && !container_name_is_valid(".x"));
        CHECK(!container_name_is_valid("a/b") && !container_name_is_valid("a b"));
        /* ASCII only: a locale's isalnum() must not widen it */
        CHECK(!container_name_is_valid("caf\xc3\xa9"));
        check_name_max(container_name_is_valid, CONTAINER_NAME_MAX);

        CHECK(network_name_is_valid("app") && network_name_is_valid("systemd-app.net"));
        for (const char *const *w = (const char *const[]){"bridge", "host", "none", "default",
                                                          "private", "container", "ns", NULL};
             *w; w++)
                CHECK(network_name_is_reserved(*w) && !network_name_is_valid(*w));
        check_name_max(network_name_is_valid, NETWORK_NAME_MAX);

        /* the generator's specifiers */
        CHECK(!network_name_is_valid("net-%i") && object_name_is_valid("net-%i", 64, "%"));
        CHECK(object_name_is_valid("%i", 64, "%") && !object_name_is_valid("%i", 64, NULL));
}

/* Podman's volume names, for the generator, berthd and the runtime alike */
static void test_volume_names(void)
{
        CHECK(volume_name_is_valid("data") && volume_name_is_valid("0cache_v1.2-x"));
        CHECK(volume_name_is_valid("a..b"));
        CHECK(!volume_name_is_valid("") && !volume_name_is_valid(NULL));
        CHECK(!volume_name_is_valid(".") && !volume_name_is_valid(".."));
        CHECK(!volume_name_is_valid("_x") && !volume_name_is_valid("-x") &&
              !volume_name_is_valid(".x"));
        CHECK(!volume_name_is_valid("a/b") && !volume_name_is_valid("/data") &&
              !volume_name_is_valid("a b") && !volume_name_is_valid("a:b"));
        CHECK(!volume_name_is_valid("caf\xc3\xa9") && !volume_name_is_valid("v%i"));
        check_name_max(volume_name_is_valid, VOLUME_NAME_MAX);
}

/* Runs one log call with stderr pointed at a temporary file; returns what the
 * call returned and stores the line it printed in line. */
#define CAPTURE_LOG(ret, line, call)                                                               \
        do {                                                                                       \
                FILE *_f = tmpfile();                                                              \
                int _saved;                                                                        \
                CHECK(_f);                                                                         \
                fflush(stderr);                                                                    \
                _saved = dup(STDERR_FILENO);                                                       \
                CHECK(_saved >= 0 && dup2(fileno(_f), STDERR_FILENO) == STDERR_FILENO);            \
                (ret) = (call);                                                                    \
                fflush(stderr);                                                                    \
                CHECK(dup2(_saved, STDERR_FILENO) == STDERR_FILENO);                               \
                close(_saved);                                                                     \
                rewind(_f);                                                                        \
                CHECK(fgets((line), sizeof(line), _f));                                            \
                fclose(_f);                                                                        \
        } while (0)

static void test_log_errno(void)
{
        char line[256], expected[256];
        int r;

        log_setup("test-lib", LOG_TARGET_STDERR);

        /* an errno from the system keeps its explanation */
        CAPTURE_LOG(r, line, log_error_errno(EACCES, "open %s", "/x"));
        CHECK_INT(r, -EACCES);
        snprintf(expected, sizeof(expected), "test-lib: open /x: %s\n", strerror(EACCES));
        CHECK_STREQ(line, expected);
        CAPTURE_LOG(r, line, log_error_errno(-ENOENT, "stat %s", "/y"));
        CHECK_INT(r, -ENOENT);
        snprintf(expected, sizeof(expected), "test-lib: stat /y: %s\n", strerror(ENOENT));
        CHECK_STREQ(line, expected);

        /* a synthetic one returns the same value but prints the message as written */
        CAPTURE_LOG(r, line, log_error_errno(SYNTHETIC_ERRNO(EINVAL), "name %s is invalid", "a/b"));
        CHECK_INT(r, -EINVAL);
        CHECK_STREQ(line, "test-lib: name a/b is invalid\n");
        CAPTURE_LOG(r, line, log_warning_errno(SYNTHETIC_ERRNO(-EBADMSG), "bad %d", 1));
        CHECK_INT(r, -EBADMSG);
        CHECK_STREQ(line, "test-lib: bad 1\n");
        CAPTURE_LOG(r, line, log_oom());
        CHECK_INT(r, -ENOMEM);
        CHECK_STREQ(line, "test-lib: Out of memory\n");

        /* no error at all, and a filtered level still returns the error */
        CAPTURE_LOG(r, line, log_error("plain"));
        CHECK_INT(r, 0);
        CHECK_STREQ(line, "test-lib: plain\n");
        CHECK_INT(log_debug_errno(SYNTHETIC_ERRNO(ESRCH), "not shown"), -ESRCH);
        CHECK_INT(log_debug_errno(EPERM, "not shown"), -EPERM);

        /* errno is left alone */
        errno = EXDEV;
        CAPTURE_LOG(r, line, log_error_errno(SYNTHETIC_ERRNO(EINVAL), "x"));
        CHECK_INT(errno, EXDEV);
}

int main(void)
{
        test_digest();
        test_parse();
        test_strv();
        test_atomic();
        test_names();
        test_volume_names();
        test_log_errno();
        return 0;
}
