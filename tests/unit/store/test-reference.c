/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "reference.h"
#include "tap.h"

static void ok(const char *in, const char *expected)
{
        _cleanup_free_ char *s = NULL;
        int r = reference_normalise_string(in, &s);

        if (r < 0) {
                fprintf(stderr, "\"%s\" refused: %s\n", in, strerror(-r));
                exit(1);
        }
        CHECK_STREQ(s, expected);
}

static void bad(const char *in)
{
        _cleanup_free_ char *s = NULL;

        if (reference_normalise_string(in, &s) >= 0) {
                fprintf(stderr, "\"%s\" accepted as \"%s\"\n", in, s);
                exit(1);
        }
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int main(void)
{
        _cleanup_(reference_freep) Reference *r = NULL;
        char longname[400];

        ok("nginx", "docker.io/library/nginx:latest");
        ok("nginx:1.25", "docker.io/library/nginx:1.25");
        ok("library/nginx", "docker.io/library/nginx:latest");
        ok("docker.io/nginx", "docker.io/library/nginx:latest");
        ok("index.docker.io/nginx", "docker.io/library/nginx:latest");
        ok("user/app", "docker.io/user/app:latest");
        ok("host:5000/x", "host:5000/x:latest");
        ok("host:5000/x:tag", "host:5000/x:tag");
        ok("localhost/x", "localhost/x:latest");
        ok("127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000/a/b/c:v1.2-rc_3");
        ok("[::1]:5000/x", "[::1]:5000/x:latest");
        ok("quay.io/a-b/c__d.e", "quay.io/a-b/c__d.e:latest");
        ok("Registry.Example/x", "Registry.Example/x:latest");
        ok("busybox@sha256:" HEX64, "docker.io/library/busybox@sha256:" HEX64);
        ok("busybox:1@sha256:" HEX64, "docker.io/library/busybox:1@sha256:" HEX64);
        ok("a---b", "docker.io/library/a---b:latest");

        CHECK(reference_parse("host:5000/x", &r) == 0);
        CHECK_STREQ(r->domain, "host:5000");
        CHECK_STREQ(r->path, "x");
        CHECK(r->tag == NULL && r->digest == NULL);
        reference_free(TAKE_PTR(r));
        CHECK(reference_parse("nginx@sha256:" HEX64, &r) == 0);
        CHECK(r->tag == NULL);
        CHECK_STREQ(r->digest, "sha256:" HEX64);
        CHECK(reference_normalise(r) == 0);
        CHECK(r->tag == NULL); /* a digest needs no default tag */

        bad("");
        bad("Nginx");
        bad("docker.io/Library/nginx");
        bad("nginx:");
        bad("nginx:-tag");
        bad("nginx:"
            "a123456789012345678901234567890123456789012345678901234567890123456789"
            "01234567890123456789012345678901234567890123456789012345678");
        bad("nginx@sha256:abc");
        bad("nginx@sha256:" HEX64 "0");
        bad("nginx@md5:" HEX64);
        bad("a/../b");
        bad("..");
        bad("a/./b");
        bad("a//b");
        bad("/nginx");
        bad("nginx/");
        bad("host:5000/");
        bad("host:port/x");
        bad("host:123456/x");
        bad("-host.com/x");
        bad("host..com/x");
        bad("ng inx");
        bad("nginx\n");
        bad("ngi\x01nx");
        bad("a_-b");
        bad("a__.b");
        bad("_a");
        bad("a.");
        bad("x@");
        bad(HEX64);
        bad("[zz]:5000/x");
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        bad(longname);
        longname[200] = '/';
        bad(longname); /* 399 characters: over the 255 name limit */
        return 0;
}
