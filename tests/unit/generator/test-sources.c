/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where declarations and drop-ins are found, and what is written for them:
 * /etc over /usr/lib, sub-directories, drop-in precedence (type-wide,
 * dash-prefix, template, own), templates and instances, .socket files,
 * [Install] symlinks, and a failed file costing only itself. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "fileio.h"
#include "gen-test.h"

static char root[] = "/tmp/berth-gen-sources-XXXXXX";

static void put(const char *rel, const char *text)
{
        char p[4096];

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        CHECK(mkdir_parents(p, 0755) == 0);
        CHECK(write_file_atomic(p, text, strlen(text), 0644) == 0);
}

static char *get(const char *rel)
{
        char p[4096];
        char *t = NULL;
        size_t n;

        snprintf(p, sizeof(p), "%s/out/%s", root, rel);
        if (read_full_file(p, 1 << 20, &t, &n) < 0)
                return NULL;
        return t;
}

static char *link_of(const char *rel)
{
        char p[4096], t[4096];
        ssize_t n;

        snprintf(p, sizeof(p), "%s/out/%s", root, rel);
        n = readlink(p, t, sizeof(t) - 1);
        if (n < 0)
                return NULL;
        t[n] = 0;
        return strdup(t);
}

static void check_link(const char *rel, const char *target)
{
        _cleanup_free_ char *l = link_of(rel);

        CHECK_STREQ(l, target);
}

static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strneq(p, line, n) && (p[n] == '\n' || p[n] == 0))
                        return true;
        return false;
}

int main(void)
{
        _cleanup_free_ char *web = NULL, *foo = NULL, *tmpl = NULL, *inst = NULL;
        char etc[4096], usr[4096], out[4096], p[4096];
        int r;

        CHECK(gen_test_mkdtemp(root));
        snprintf(etc, sizeof(etc), "%s/etc", root);
        snprintf(usr, sizeof(usr), "%s/usr", root);
        snprintf(out, sizeof(out), "%s/out", root);
        CHECK(mkdir(out, 0755) == 0);

        /* /etc wins a name clash, wherever the file sits. */
        put("usr/web.container", "[Container]\nImage=localhost/vendor\n");
        put("etc/sub/dir/web.container",
            "[Container]\nImage=localhost/admin\nEnvironment=A=main\n"
            "[Install]\nWantedBy=multi-user.target\nAlias=www.service\n");
        /* drop-ins: later names override, the same name in a more specific
         * or more important place replaces the other */
        put("usr/container.d/10-all.conf", "[Container]\nEnvironment=ALL=usr\n");
        put("etc/container.d/10-all.conf", "[Container]\nEnvironment=ALL=etc\n");
        put("etc/web.container.d/20-own.conf", "[Container]\nEnvironment=A=dropin\n");
        put("etc/foo-.container.d/30-prefix.conf", "[Container]\nEnvironment=PREFIX=1\n");
        put("etc/foo-bar.container", "[Container]\nImage=localhost/foo\n");
        /* a template, enabled through DefaultInstance, and an instance */
        put("etc/db@.container", "[Container]\nImage=localhost/db\n"
                                 "[Install]\nWantedBy=multi-user.target\nDefaultInstance=main\n");
        put("etc/db@.container.d/10-t.conf", "[Container]\nEnvironment=T=1\n");
        snprintf(p, sizeof(p), "%s/db@.container", etc);
        {
                char l2[4096];
                snprintf(l2, sizeof(l2), "%s/db@replica.container", etc);
                CHECK(symlink(p, l2) == 0);
        }
        /* a socket beside its container */
        put("etc/web.socket", "[Socket]\nListenStream=127.0.0.1:8080\n"
                              "[Install]\nWantedBy=sockets.target\n");
        /* a broken file costs only itself */
        put("etc/broken.container", "[Container\nImage=x\n");

        {
                const char *const paths[] = {etc, usr, NULL};
                GenTestRun t = {.search_paths = paths, .output_dir = out};
                r = gen_test_run(&t);
                CHECK_INT(t.n_failed, 1);
        }
        CHECK_INT(r, EXIT_FAILURE);

        web = get("web.service");
        CHECK(web);
        CHECK(strstr(web, "--image localhost/admin"));
        CHECK(strstr(web, "--env ALL=etc"));
        CHECK(!strstr(web, "ALL=usr"));
        CHECK(strstr(web, "--env A=dropin"));
        CHECK(!strstr(web, "--env A=main"));
        snprintf(p, sizeof(p), "SourcePath=%s/sub/dir/web.container", etc);
        CHECK(has_line(web, p));

        foo = get("foo-bar.service");
        CHECK(foo && strstr(foo, "--env PREFIX=1") && strstr(foo, "--env ALL=etc"));
        CHECK(!strstr(web, "PREFIX"));

        tmpl = get("db@.service");
        CHECK(tmpl && strstr(tmpl, "--name systemd-%p_%i") && strstr(tmpl, "--env T=1"));
        inst = get("db@replica.service");
        CHECK(inst && strstr(inst, "--env T=1"));

        check_link("multi-user.target.wants/web.service", "../web.service");
        check_link("www.service", "web.service");
        check_link("multi-user.target.wants/db@main.service", "../db@.service");
        check_link("multi-user.target.wants/db@replica.service", "../db@replica.service");
        snprintf(p, sizeof(p), "%s/web.socket", etc);
        check_link("web.socket", p);
        check_link("sockets.target.wants/web.socket", "../web.socket");

        CHECK(!get("broken.service"));
        /* The overridden vendor file leaves no trace, not even its pull. */
        {
                glob_t gl;
                snprintf(p, sizeof(p), "%s/berth-pull-localhost-vendor-*", out);
                CHECK(glob(p, 0, NULL, &gl) == GLOB_NOMATCH);
                snprintf(p, sizeof(p), "%s/berth-pull-localhost-admin-*", out);
                CHECK(glob(p, 0, NULL, &gl) == 0 && gl.gl_pathc == 1);
                globfree(&gl);
        }

        CHECK(rm_rf(root) == 0);
        printf("ok\n");
        return 0;
}
