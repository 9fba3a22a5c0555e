/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit-file parser and word splitter, as systemd reads unit files, and
 * hostile or random input that must never crash them or leak into other
 * declarations. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "fileio.h"
#include "gen-test.h"
#include "split.h"
#include "strv.h"

static UnitFile *parse(const char *text, int *ret)
{
        UnitFile *u = unit_file_new();

        CHECK(u);
        *ret = unit_file_parse(u, "test.container", text, strlen(text));
        return u;
}

static void test_sections_comments_continuations(void)
{
        _cleanup_unit_file_ UnitFile *u = NULL;
        const UnitEntry **l = NULL;
        size_t n;
        int r;

        u = parse("# comment\n"
                  "; also a comment\n"
                  "[Container]\n"
                  "Image = localhost/x \n"
                  "Exec=/bin/a \\\n"
                  "# a comment inside a continuation is skipped\n"
                  "  b \\ \n"
                  "  c\r\n"
                  "Environment=A=1\n"
                  "Environment=\n"
                  "Environment=B=2\n"
                  "#   -v /x:/y \\\n"
                  "Label=kept\n"
                  "[Unit]\n"
                  "Description=d\n",
                  &r);
        CHECK_INT(r, 0);
        CHECK_STREQ(unit_file_lookup(u, "Container", "Image"), "localhost/x");
        CHECK_STREQ(unit_file_lookup(u, "Container", "Exec"), "/bin/a    b    c");
        CHECK_STREQ(unit_file_lookup(u, "Container", "Label"), "kept");
        CHECK_STREQ(unit_file_lookup(u, "Unit", "Description"), "d");
        CHECK_INT(unit_file_last(u, "Container", "Exec")->line, 5);
        CHECK(unit_file_lookup_all(u, "Container", "Environment", &l, &n) == 0);
        CHECK_INT(n, 1);
        CHECK_STREQ(l[0]->value, "B=2");
        free(l);
}

static void test_syntax_errors(void)
{
        static const char *const bad[] = {
            "[Container\nImage=x\n",         /* unterminated section */
            "[Container]\nImage\n",          /* missing = */
            "[Container]\nIm age=x\n",       /* key with a blank */
            "[Container]\n=x\n",             /* empty key */
            "[Container]\nImage=\xff\n",     /* invalid UTF-8 */
            "[Container]\nImage=\xc0\xaf\n", /* overlong UTF-8 */
            "[]\nImage=x\n",                 /* empty section name */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_unit_file_ UnitFile *u = NULL;
                int r;
                u = parse(bad[i], &r);
                CHECK_INT(r, -EBADMSG);
        }
        {
                /* NUL bytes are refused, not truncated at. */
                _cleanup_unit_file_ UnitFile *u = unit_file_new();
                static const char t[] = "[Container]\nImage=a\0b\n";
                CHECK_INT(unit_file_parse(u, "t", t, sizeof(t) - 1), -EBADMSG);
        }
        {
                /* Assignments before any section are ignored, as systemd does. */
                _cleanup_unit_file_ UnitFile *u = NULL;
                int r;
                u = parse("Image=x\n[Container]\nImage=y\n", &r);
                CHECK_INT(r, 0);
                CHECK_STREQ(unit_file_lookup(u, "Container", "Image"), "y");
        }
}

static void test_split(void)
{
        _cleanup_strv_free_ char **w = NULL;
        bool bad = false;

        CHECK(split_all("/some/path \"an arg\" \"a;b\\nc\\td'e\" a;b\\nc\\td 'a\"b' "
                        "'\\110ello \\127orld'",
                        SPLIT_EXEC, &w, &bad) == 0);
        CHECK_INT(strv_length(w), 6);
        CHECK_STREQ(w[1], "an arg");
        CHECK_STREQ(w[2], "a;b\nc\td'e");
        CHECK_STREQ(w[3], "a;b\nc\td");
        CHECK_STREQ(w[4], "a\"b");
        CHECK_STREQ(w[5], "Hello World");
        CHECK(!bad);
        strv_free(w);

        /* Unknown escapes are kept and reported, as Quadlet does. */
        CHECK(split_all("'test\\.com'", SPLIT_EXEC, &w, &bad) == 0);
        CHECK_STREQ(w[0], "test\\.com");
        CHECK(bad);
        strv_free(w);

        /* List keys keep backslashes and drop quotes. */
        CHECK(split_all("alias.service \"another alias\"", SPLIT_LIST, &w, NULL) == 0);
        CHECK_STREQ(w[1], "another alias");
        strv_free(w);
        w = NULL;

        CHECK_INT(split_all("\"open", SPLIT_UNQUOTE, &w, NULL), -EINVAL);
        CHECK(split_all("\\x00 \\u0000", SPLIT_EXEC, &w, &bad) == 0); /* NUL is never decoded */
        CHECK_STREQ(w[0], "\\x00");
}

/* escape_word() must give back exactly the word when systemd splits it. */
static void test_escape_roundtrip(unsigned seed)
{
        static const char alphabet[] = "ab \t\n\"'\\;%$=x\x01\x7f/é";
        for (int i = 0; i < 5000; i++) {
                char word[64];
                size_t len = (size_t)(rand_r(&seed) % 20);
                _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
                _cleanup_strv_free_ char **w = NULL;

                for (size_t k = 0; k < len; k++)
                        word[k] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
                word[len] = 0;
                escape_word(&b, word);
                CHECK(split_all(b.s, SPLIT_EXEC, &w, NULL) == 0);
                CHECK_INT(strv_length(w), 1);
                CHECK_STREQ(w[0], word);
        }
}

/* Random and mutated text must parse or fail cleanly, never crash. */
static void test_fuzz(unsigned seed)
{
        static const char *const seeds[] = {
            "[Container]\nImage=localhost/x\nExec=a \"b c\" 'd' \\\n e\nVolume=/a:/b:ro\n"
            "Mount=type=bind,src=/x,dst=/y\n[Install]\nWantedBy=multi-user.target\n",
            "[Unit]\nAfter=a.container b.volume\n[Service]\nType=oneshot\n",
        };
        static const char pieces[] = "[]=\\\"'#;\n \t\r%@.:/,\xc3\xa9\xff\x00";

        for (int i = 0; i < 20000; i++) {
                char buf[512];
                size_t len;
                _cleanup_unit_file_ UnitFile *u = unit_file_new();

                CHECK(u);
                if (i % 2) {
                        const char *s = seeds[rand_r(&seed) % ELEMENTSOF(seeds)];
                        len = strlen(s);
                        memcpy(buf, s, len);
                        for (int m = rand_r(&seed) % 8; m >= 0; m--)
                                buf[rand_r(&seed) % len] =
                                    pieces[rand_r(&seed) % (sizeof(pieces) - 1)];
                } else {
                        len = (size_t)(rand_r(&seed) % sizeof(buf));
                        for (size_t k = 0; k < len; k++)
                                buf[k] = (char)(rand_r(&seed) % 4 == 0
                                                    ? pieces[rand_r(&seed) % (sizeof(pieces) - 1)]
                                                    : 'a' + rand_r(&seed) % 26);
                }
                (void)unit_file_parse(u, "fuzz.container", buf, len);
                /* Whatever parsed must survive splitting as every key does. */
                for (size_t s = 0; s < u->n_sections; s++)
                        for (size_t e = 0; e < u->sections[s].n_entries; e++) {
                                _cleanup_strv_free_ char **w = NULL;
                                (void)split_all(u->sections[s].entries[e].value, SPLIT_EXEC, &w,
                                                NULL);
                        }
        }
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        CHECK(write_file_atomic(p, data, len, 0644) == 0);
}

static bool exists(const char *dir, const char *name)
{
        char p[4096];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return lstat(p, &st) == 0;
}

/* Hostile declarations beside a good one: each fails alone, nothing crashes
 * and nothing is written outside the output directory. */
static void test_hostile_files(unsigned seed)
{
        char tmpl[] = "/tmp/berth-gen-hostile-XXXXXX", q[4096], out[4096];
        _cleanup_strbuf_ StrBuf big = STRBUF_INIT;

        CHECK(gen_test_mkdtemp(tmpl));
        snprintf(q, sizeof(q), "%s/q", tmpl);
        snprintf(out, sizeof(out), "%s/out", tmpl);
        CHECK(mkdir(q, 0755) == 0 && mkdir(out, 0755) == 0);

        write_file(q, "good.container", "[Container]\nImage=localhost/good\n", 33);
        /* a 2 MiB line */
        strbuf_append(&big, "[Container]\nImage=localhost/x\nLabel=");
        for (int i = 0; i < 2 * 1024 * 1024; i++)
                strbuf_putc(&big, 'a');
        write_file(q, "hugeline.container", big.s, big.len);
        /* 100000 continuation lines */
        strbuf_truncate(&big, 0);
        strbuf_append(&big, "[Container]\nImage=localhost/x\nExec=a");
        for (int i = 0; i < 100000; i++)
                strbuf_append(&big, " \\\n");
        write_file(q, "deepcont.container", big.s, big.len);
        /* thousands of keys are fine, tens of thousands are refused */
        strbuf_truncate(&big, 0);
        strbuf_append(&big, "[Container]\nImage=localhost/x\n");
        for (int i = 0; i < 4000; i++)
                strbuf_printf(&big, "Environment=K%d=v\nBogus%d=x\n", i, i);
        write_file(q, "manykeys.container", big.s, big.len);
        for (int i = 0; i < 50000; i++)
                strbuf_printf(&big, "Label=k%d=v\n", i);
        write_file(q, "toomanykeys.container", big.s, big.len);
        write_file(q, "nul.container", "[Container]\nImage=a\0b\n", 22);
        write_file(q, "utf8.container", "[Container]\nImage=\xfe\xff\n", 20);
        write_file(q, "escape.container",
                   "[Container]\nImage=localhost/x\n[Install]\nWantedBy=../../../etc/x.service "
                   "/abs.service\nAlias=../evil.service a/../../b.service\n",
                   117);
        write_file(q, "name.container", "[Container]\nImage=localhost/x\nContainerName=../../etc\n",
                   52);
        write_file(q, "inject.container", "[Container]\nImage=--privileged\n", 31);
        /* lib/names.c's rules for container and volume names: "a..b" is
         * a name (as for Podman), a path or a leading "_" is not */
        write_file(q, "dots.container", "[Container]\nImage=localhost/x\nContainerName=a..b\n", 49);
        write_file(q, "vdots.volume", "[Volume]\nVolumeName=a..b\n", 25);
        write_file(q, "vpath.volume", "[Volume]\nVolumeName=../../etc\n", 30);
        write_file(q, "vunder.volume", "[Volume]\nVolumeName=_x\n", 23);
        /* random bytes */
        {
                char r[4096];
                for (size_t i = 0; i < sizeof(r); i++)
                        r[i] = (char)rand_r(&seed);
                write_file(q, "random.container", r, sizeof(r));
        }

        {
                const char *const paths[] = {q, NULL};
                GenTestRun t = {.search_paths = paths, .output_dir = out};
                CHECK_INT(gen_test_run(&t), EXIT_FAILURE);
        }

        CHECK(exists(out, "good.service"));
        CHECK(exists(out, "manykeys.service")); /* unknown keys only warn */
        CHECK(exists(out, "escape.service"));   /* bad [Install] names are skipped */
        CHECK(!exists(out, "hugeline.service"));
        CHECK(!exists(out, "toomanykeys.service"));
        CHECK(!exists(out, "nul.service"));
        CHECK(!exists(out, "utf8.service"));
        CHECK(!exists(out, "name.service"));
        CHECK(!exists(out, "inject.service"));
        CHECK(exists(out, "dots.service"));
        CHECK(exists(out, "vdots-volume.service"));
        CHECK(!exists(out, "vpath-volume.service"));
        CHECK(!exists(out, "vunder-volume.service"));
        CHECK(!exists(out, "random.service"));
        CHECK(!exists(tmpl, "etc"));
        CHECK(!exists(tmpl, "evil.service"));
        CHECK(!exists(tmpl, "b.service"));
        CHECK(rm_rf(tmpl) == 0);
}

int main(void)
{
        unsigned seed = (unsigned)getpid();
        const char *s = getenv("BERTH_TEST_SEED");

        if (s)
                seed = (unsigned)strtoul(s, NULL, 10);
        printf("seed %u (set BERTH_TEST_SEED to repeat)\n", seed);
        log_setup("test-parser", LOG_TARGET_STDERR);
        log_set_max_level(LOG_CRIT);
        test_sections_comments_continuations();
        test_syntax_errors();
        test_split();
        test_escape_roundtrip(seed);
        test_fuzz(seed);
        test_hostile_files(seed);
        printf("ok\n");
        return 0;
}
