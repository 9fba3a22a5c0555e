/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Docker-format profile files: a hand-written profile behaves as written when
 * installed, Docker's own default file compiles to exactly berth's built-in
 * program, and malformed or hostile files fail cleanly with a message that
 * names the file and the problem. */
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>

#include <seccomp.h>

#include "fileio.h"
#include "macro.h"
#include "security.h"
#include "tap.h"

static char dir[] = "/tmp/berth-seccomp-json-XXXXXX";

static char *write_profile(const char *name, const char *text, size_t len)
{
        char *path;

        CHECK(asprintf(&path, "%s/%s", dir, name) > 0);
        CHECK(write_file_atomic(path, text, len, 0644) == 0);
        return path;
}

/* Runs fn with stderr captured; returns what was logged. */
static char *capture_stderr(int (*fn)(const char *), const char *arg, int *ret)
{
        _cleanup_free_ char *log = NULL;
        char *out;
        char path[256];
        size_t len;
        int saved, fd;

        snprintf(path, sizeof(path), "%s/stderr", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        CHECK(saved >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO);
        close(fd);
        *ret = fn(arg);
        fflush(stderr);
        CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
        close(saved);
        CHECK(read_full_file(path, 1 << 20, &log, &len) == 0);
        out = TAKE_PTR(log);
        return out;
}

static int load(const char *path)
{
        _cleanup_seccomp_program_ SeccompProgram *p = NULL;
        return seccomp_program_from_file_full(path, caps_default(), "", &p);
}

static void expect_rejected(const char *label, const char *text, const char *expect)
{
        _cleanup_free_ char *path = write_profile(label, text, strlen(text));
        _cleanup_free_ char *msg = NULL;
        int r;

        msg = capture_stderr(load, path, &r);
        if (r >= 0 || !strstr(msg, path) || !strstr(msg, expect)) {
                fprintf(stderr, "%s: r=%d, message \"%s\", expected \"%s\" and the path\n", label,
                        r, msg, expect);
                exit(1);
        }
        CHECK(!strchr(msg, '\n') || strchr(msg, '\n') == msg + strlen(msg) - 1); /* one line */
}

static void test_hostile(void)
{
        _cleanup_free_ char *deep = NULL, *big = NULL, *msg = NULL, *path = NULL;
        const size_t depth = 100000;
        int r;

        expect_rejected("empty", "", "line 1");
        expect_rejected(
            "truncated",
            "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"",
            "line 1");
        expect_rejected("array", "[]", "top level: expected a JSON object");
        expect_rejected("no-default", "{}", "defaultAction: missing");
        expect_rejected("bad-default", "{\"defaultAction\": \"SCMP_ACT_MAYBE\"}",
                        "unknown action \"SCMP_ACT_MAYBE\"");
        expect_rejected("notify", "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "not supported");
        expect_rejected("listener",
                        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/x\"}",
                        "listenerPath");
        expect_rejected("dup-keys",
                        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": "
                        "\"SCMP_ACT_ERRNO\"}",
                        "duplicate");
        expect_rejected("errno-range",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}",
                        "defaultErrnoRet: expected an integer between 0 and 4095");
        expect_rejected("syscalls-object",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
                        "syscalls: expected an array");
        expect_rejected("names-number",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [1], "
                        "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "syscalls[0]: entry 0: expected a non-empty string");
        expect_rejected("names-path",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\", \"../etc/passwd\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "\"../etc/passwd\" is not a system call name");
        expect_rejected("names-empty",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [], "
                        "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "no system call names");
        expect_rejected("name-and-names",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": "
                        "\"read\", \"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                        "use either \"name\" or \"names\"");
        expect_rejected("no-action",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"]}]}",
                        "syscalls[0]: missing or not a string");
        expect_rejected("arg-index",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, "
                        "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                        "args[0].index: expected an integer 0..5");
        expect_rejected("arg-op",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
                        "\"value\": 1, \"op\": \"SCMP_CMP_ROUGHLY\"}]}]}",
                        "args[0].op: unknown comparison");
        expect_rejected("arg-negative",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
                        "\"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                        "args[0].value: expected a non-negative integer");
        expect_rejected("arg-real",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
                        "\"value\": 1.5, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                        "args[0].value");
        expect_rejected("arg-huge",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
                        "\"value\": 184467440737095516150, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                        "too big");
        expect_rejected("too-many-args",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{}, {}, {}, {}, "
                        "{}, {}, {}]}]}",
                        "more than 6 conditions");
        expect_rejected("arg-not-object",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\"x\"]}]}",
                        "args[0]: expected an object");
        expect_rejected("min-kernel",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
                        "{\"minKernel\": \"four\"}}]}",
                        "minKernel must look like");
        expect_rejected("includes-caps",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                        "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
                        "\"CAP_SYS_ADMIN\"}}]}",
                        "expected an array of strings");
        expect_rejected("both-arch-lists",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                        "[\"SCMP_ARCH_X86\"], \"archMap\": []}",
                        "both \"architectures\" and \"archMap\"");
        expect_rejected("unknown-arch",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
                        "[\"SCMP_ARCH_Z80\"]}",
                        "unknown architecture \"SCMP_ARCH_Z80\"");
        if (seccomp_arch_native() == SCMP_ARCH_X86_64)
                expect_rejected(
                    "unknown-subarch",
                    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": "
                    "\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_Z80\"]}]}",
                    "archMap[0]: unknown architecture \"SCMP_ARCH_Z80\"");
        expect_rejected("flags",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": "
                        "[\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
                        "flags: unknown or unsupported flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
        expect_rejected("archmap-entry",
                        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"sub\": 1}]}",
                        "archMap[0]: expected an object with \"architecture\"");
        expect_rejected("bad-utf8", "{\"defaultAction\": \"SCMP_ACT_\xff\xfe\"}",
                        "unable to decode byte");

        /* nesting bombs stop at the parser's depth limit, not the stack */
        deep = malloc(2 * depth + 1);
        CHECK(deep);
        memset(deep, '[', depth);
        memset(deep + depth, ']', depth);
        deep[2 * depth] = 0;
        expect_rejected("deep", deep, "maximum parsing depth");

        /* too big to read at all */
        big = calloc(1, (5u << 20) + 1);
        CHECK(big);
        memset(big, ' ', 5u << 20);
        free(write_profile("big", big, 5u << 20));
        CHECK(asprintf(&path, "%s/big", dir) > 0);
        msg = capture_stderr(load, path, &r);
        CHECK(r == -EFBIG && strstr(msg, path) && strstr(msg, "larger than"));
        free(msg);
        free(path);

        CHECK(asprintf(&path, "%s/missing.json", dir) > 0);
        msg = capture_stderr(load, path, &r);
        CHECK(r == -ENOENT && strstr(msg, path) && strstr(msg, "No such file"));
}

static void child_custom(const SeccompProgram *p)
{
        char buf[256];
        struct utsname u;

        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
        CHECK(seccomp_program_install(p) == 0);
        errno = 0;
        CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) == -1 && errno == EACCES);
        /* argument-filtered: denied only for a NULL buffer */
        errno = 0;
        CHECK(syscall(SYS_uname, NULL) == -1 && errno == EPERM);
        CHECK(uname(&u) == 0);
        /* the CAP_SYS_ADMIN-only block did not apply to default caps */
        CHECK(syscall(SYS_getppid) > 0);
        /* excluded by the capability the container holds (CAP_KILL) */
        CHECK(syscall(SYS_getuid) >= 0);
        errno = 0;
        CHECK(syscall(SYS_gettid) == -1 && errno == ENOTTY);
}

static void test_custom(void)
{
        static const char text[] =
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"architecture\": "
            "\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\"]}], \"syscalls\": ["
            " {\"names\": [\"getcwd\", \"no_such_call_yet\"], \"action\": \"SCMP_ACT_ERRNO\","
            "  \"errnoRet\": 13, \"comment\": \"unknown names are skipped, as Docker does\"},"
            " {\"name\": \"uname\", \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0,"
            "  \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
            " {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\","
            "  \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
            " {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 25,"
            "  \"excludes\": {\"caps\": [\"CAP_KILL\"]}},"
            " {\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 25,"
            "  \"includes\": {\"arches\": [\"amd64\", \"arm64\"], \"minKernel\": \"3.0\"},"
            "  \"futureKey\": true}"
            "], \"flags\": [\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", \"SECCOMP_FILTER_FLAG_LOG\"],"
            " \"futureTopLevelKey\": {}}";
        _cleanup_free_ char *path = write_profile("custom.json", text, sizeof(text) - 1);
        _cleanup_seccomp_program_ SeccompProgram *p = NULL;
        int status;
        pid_t pid;

        CHECK(seccomp_program_from_file_full(path, caps_default(), dir, &p) == 0);
        CHECK(!seccomp_program_from_cache(p));
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                child_custom(p);
                _exit(0);
        }
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* a profile file is cached like the default */
        seccomp_program_free(p);
        p = NULL;
        CHECK(seccomp_program_from_file_full(path, caps_default(), dir, &p) == 0);
        CHECK(seccomp_program_from_cache(p));
}

/* Docker's own default file, loaded as SeccompProfile=, must give exactly the
 * program berth builds from its tables. */
static void test_reference_file(void)
{
        _cleanup_seccomp_program_ SeccompProgram *a = NULL, *b = NULL;
        _cleanup_free_ char *path = NULL;
        const char *shared = getenv("BERTH_SHARED_DIR");

        CHECK(asprintf(&path, "%s/reference/docker-default-seccomp.json",
                       shared ?: SOURCE_DIR "/../shared") > 0);
        if (access(path, R_OK) < 0) {
                printf("note: %s not readable, skipping the file-vs-table comparison\n", path);
                return;
        }
        CHECK(seccomp_program_from_file_full(path, caps_default(), "", &a) == 0);
        CHECK(seccomp_program_default_full(caps_default(), "", &b) == 0);
        CHECK_INT(seccomp_program_length(a), seccomp_program_length(b));
        CHECK(memcmp(seccomp_program_fprog(a)->filter, seccomp_program_fprog(b)->filter,
                     seccomp_program_length(a) * sizeof(struct sock_filter)) == 0);
}

int main(void)
{
        CHECK(mkdtemp(dir));
        test_hostile();
        test_custom();
        test_reference_file();
        CHECK(rm_rf(dir) == 0);
        return 0;
}
