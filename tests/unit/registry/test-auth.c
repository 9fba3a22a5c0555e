/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "registry-config.h"
#include "strv.h"
#include "tap.h"
#include "www-authenticate.h"

static void test_www_authenticate(void)
{
        AuthChallenge c = {};
        char *big;

        CHECK(www_authenticate_parse("Bearer realm=\"https://auth.docker.io/token\","
                                     "service=\"registry.docker.io\","
                                     "scope=\"repository:library/nginx:pull\"",
                                     &c) == 0);
        CHECK(c.scheme == AUTH_SCHEME_BEARER);
        CHECK_STREQ(c.realm, "https://auth.docker.io/token");
        CHECK_STREQ(c.service, "registry.docker.io");
        CHECK_STREQ(c.scope, "repository:library/nginx:pull");
        auth_challenge_done(&c);

        CHECK(www_authenticate_parse("Basic realm=\"Registry Realm\"", &c) == 0);
        CHECK(c.scheme == AUTH_SCHEME_BASIC);
        CHECK_STREQ(c.realm, "Registry Realm");
        auth_challenge_done(&c);

        /* several challenges: Bearer wins, case and spacing vary, escapes */
        CHECK(www_authenticate_parse("Negotiate abc==, basic realm=x ,  BEARER  realm = "
                                     "\"http://h/t?a=\\\"b\\\"\" , service=svc",
                                     &c) == 0);
        CHECK(c.scheme == AUTH_SCHEME_BEARER);
        CHECK_STREQ(c.realm, "http://h/t?a=\"b\"");
        CHECK_STREQ(c.service, "svc");
        CHECK(c.scope == NULL);
        auth_challenge_done(&c);

        CHECK(www_authenticate_parse("", &c) == -EBADMSG);
        CHECK(www_authenticate_parse("Negotiate", &c) == -EBADMSG);
        CHECK(www_authenticate_parse("Bearer service=\"x\"", &c) == -EBADMSG); /* no realm */
        CHECK(www_authenticate_parse("Bearer realm=\"unterminated", &c) == -EBADMSG);
        CHECK(www_authenticate_parse("Bearer realm=\"ctl\x01\"", &c) == -EBADMSG);
        CHECK(www_authenticate_parse("Bearer realm=", &c) == -EBADMSG);
        CHECK(www_authenticate_parse("\"quoted\"", &c) == -EBADMSG);
        CHECK(www_authenticate_parse(NULL, &c) == -EBADMSG);

        big = malloc(100001);
        CHECK(big);
        memcpy(big, "Bearer realm=\"", 14);
        memset(big + 14, 'a', 100000 - 14);
        big[100000] = 0;
        CHECK(www_authenticate_parse(big, &c) == -EBADMSG);
        free(big);
}

static void lookup(const char *json, const char *host, int expect_r, const char *user,
                   const char *pass)
{
        _cleanup_free_ char *u = NULL, *p = NULL;
        int r = auth_json_lookup(json, strlen(json), host, &u, &p, NULL);

        if (r != expect_r) {
                fprintf(stderr, "auth_json_lookup(%s, %s) = %d, expected %d\n", json, host, r,
                        expect_r);
                exit(1);
        }
        if (user) {
                CHECK_STREQ(u, user);
                CHECK_STREQ(p, pass);
        } else
                CHECK(!u && !p);
}

static void test_auth_json(void)
{
        /* "alice:s3cr:et" and "bob:pw" */
        const char *j = "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcjpldA==\"},"
                        "\"https://index.docker.io/v1/\":{\"auth\":\"Ym9iOnB3\"}}}";

        lookup(j, "127.0.0.1:5000", 0, "alice", "s3cr:et");
        lookup(j, "docker.io", 0, "bob", "pw");
        lookup(j, "registry-1.docker.io", 0, "bob", "pw");
        lookup(j, "127.0.0.1", 0, NULL, NULL);
        lookup(j, "127.0.0.1:50", 0, NULL, NULL);
        lookup(j, "quay.io", 0, NULL, NULL);
        lookup("{\"auths\":{\"https://quay.io/\":{\"auth\":\"Ym9iOnB3\"}}}", "quay.io", 0, "bob",
               "pw");
        lookup("{}", "quay.io", 0, NULL, NULL);

        lookup("", "h", -EBADMSG, NULL, NULL);
        lookup("[]", "h", -EBADMSG, NULL, NULL);
        lookup("{\"auths\":[]}", "h", -EBADMSG, NULL, NULL);
        lookup("{\"auths\":{\"h\":{\"auth\":7}}}", "h", -EBADMSG, NULL, NULL);
        lookup("{\"auths\":{\"h\":{\"auth\":\"!!!!\"}}}", "h", -EBADMSG, NULL, NULL);
        lookup("{\"auths\":{\"h\":{\"auth\":\"abc\"}}}", "h", -EBADMSG, NULL, NULL);
        /* "nocolon", ":pw" and "a\0b:c" */
        lookup("{\"auths\":{\"h\":{\"auth\":\"bm9jb2xvbg==\"}}}", "h", -EBADMSG, NULL, NULL);
        lookup("{\"auths\":{\"h\":{\"auth\":\"OnB3\"}}}", "h", -EBADMSG, NULL, NULL);
        lookup("{\"auths\":{\"h\":{\"auth\":\"YQBiOmM=\"}}}", "h", -EBADMSG, NULL, NULL);
}

/* A malformed file says where, and never shows a credential. */
static void why(const char *json, const char *expect)
{
        _cleanup_free_ char *u = NULL, *p = NULL, *w = NULL;

        CHECK(auth_json_lookup(json, strlen(json), "h", &u, &p, &w) == -EBADMSG);
        /* jansson's own words after the position vary between versions */
        CHECK(w && strncmp(w, expect, strlen(expect)) == 0);
}

static void test_auth_json_why(void)
{
        why("{\"auths\": {\n\"h\": 1,}", "line 2, column ");
        why("[]", "not a JSON object");
        why("{\"auths\":[]}", "\"auths\" is not an object");
        why("{\"auths\":{\"h\":{\"auth\":7}}}", "auths.\"h\".auth is not a string");
        why("{\"auths\":{\"h\":{\"auth\":\"c2VjcmV0\"}}}",
            "auths.\"h\".auth is not base64 of USER:PASSWORD");
}

static void test_registries_d(void)
{
        _cleanup_(registry_config_freep) RegistryConfig *c = NULL;
        char dir[] = "/tmp/test-registry-conf.XXXXXX", path[128];
        _cleanup_free_ char *ca = NULL;
        const RegistryHostConfig *h;
        size_t ca_len;

        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/conf", dir);
        CHECK(mkdir(path, 0755) == 0);
        snprintf(path, sizeof(path), "%s/conf/10-local.conf", dir);
        CHECK(
            write_file_atomic(path,
                              "# local registries\n[Registry]\nInsecure=yes\nHost=127.0.0.1:5000\n"
                              "\n[Registry]\nHost=docker.io\nMirror=mirror.example:5000\n"
                              "Mirror=mirror2.example\n",
                              strlen("# local registries\n[Registry]\nInsecure=yes\nHost=127.0.0."
                                     "1:5000\n\n[Registry]\nHost=docker.io\nMirror=mirror."
                                     "example:5000\nMirror=mirror2.example\n"),
                              0644) == 0);
        snprintf(path, sizeof(path), "%s/conf/20-override.conf", dir);
        CHECK(write_file_atomic(path, "[Registry]\nHost=127.0.0.1:5000\nInsecure=no\n", 43, 0644) ==
              0);
        snprintf(path, sizeof(path), "%s/certs/10.0.0.1:443", dir);
        CHECK(mkdir_p(path, 0755) == 0);
        snprintf(path, sizeof(path), "%s/certs/10.0.0.1:443/b.crt", dir);
        CHECK(write_file_atomic(path, "B\n", 2, 0644) == 0);
        snprintf(path, sizeof(path), "%s/certs/10.0.0.1:443/a.crt", dir);
        CHECK(write_file_atomic(path, "A\n", 2, 0644) == 0);
        snprintf(path, sizeof(path), "%s/certs/10.0.0.1:443/a.key", dir);
        CHECK(write_file_atomic(path, "KEY\n", 4, 0600) == 0);

        char conf[128], certs[128];
        snprintf(conf, sizeof(conf), "%s/conf", dir);
        snprintf(certs, sizeof(certs), "%s/certs", dir);
        CHECK(registry_config_load(&(RegistryPaths){.config_dir = conf,
                                                    .certs_dir = certs,
                                                    .auth_file = "/nonexistent"},
                                   &c) == 0);
        h = registry_config_host(c, "127.0.0.1:5000");
        CHECK(h && !h->insecure); /* the later file wins */
        h = registry_config_host(c, "docker.io");
        CHECK(h && h->mirrors && streq(h->mirrors[0], "mirror.example:5000") &&
              streq(h->mirrors[1], "mirror2.example"));
        CHECK(!registry_config_host(c, "quay.io"));

        _cleanup_strv_free_ char **e1 = NULL, **e2 = NULL;
        CHECK(registry_config_endpoints(c, "docker.io", &e1) == 0);
        CHECK_INT(strv_length(e1), 3);
        CHECK_STREQ(e1[0], "mirror.example:5000");
        CHECK_STREQ(e1[2], "registry-1.docker.io"); /* never "docker.io" itself */
        CHECK(registry_config_endpoints(c, "127.0.0.1:5000", &e2) == 0);
        CHECK_INT(strv_length(e2), 1);
        CHECK_STREQ(e2[0], "127.0.0.1:5000");
        CHECK(registry_config_add_insecure(c, "quay.io") == 0);
        CHECK(registry_config_host(c, "quay.io")->insecure);
        CHECK(registry_config_add_insecure(c, "../etc") < 0);

        CHECK(registry_config_ca_bundle(c, "10.0.0.1:443", &ca, &ca_len) == 0);
        CHECK_STREQ(ca, "A\n\nB\n\n"); /* sorted, keys left out */
        free(ca);
        ca = NULL;
        CHECK(registry_config_ca_bundle(c, "10.0.0.2", &ca, &ca_len) == 0);
        CHECK(!ca);
        CHECK(registry_config_ca_bundle(c, "../../etc", &ca, &ca_len) == -EINVAL);

        _cleanup_free_ char *u = NULL, *p = NULL;
        CHECK(registry_config_credentials(c, "127.0.0.1:5000", &u, &p) == 0 && !u);

        /* malformed files name file and line */
        RegistryConfig *e = calloc(1, sizeof(*e));
        CHECK(e);
        CHECK(registry_config_parse(e, "Host=x\n", "t.conf") == -EINVAL);
        CHECK(registry_config_parse(e, "[Other]\nHost=x\n", "t.conf") == -EINVAL);
        CHECK(registry_config_parse(e, "[Registry]\nInsecure=yes\n", "t.conf") == -EINVAL);
        CHECK(registry_config_parse(e, "[Registry]\nHost=a/b\n", "t.conf") == -EINVAL);
        CHECK(registry_config_parse(e, "[Registry]\nHost=a\nInsecure=maybe\n", "t.conf") ==
              -EINVAL);
        CHECK(registry_config_parse(e, "[Registry]\nHost=a\nCAFile=rel.crt\n", "t.conf") ==
              -EINVAL);
        CHECK(registry_config_parse(e, "[Registry]\nHost=a\nColour=blue\n", "t.conf") == -EINVAL);
        CHECK(registry_config_parse(e, "[Registry]\nHost=a\nnonsense\n", "t.conf") == -EINVAL);
        CHECK(registry_config_parse(e, "  [Registry]  \n  Host = a:1  \n; c\n", "t.conf") == 0);
        CHECK(registry_config_host(e, "a:1"));
        registry_config_free(e);

        CHECK(rm_rf(dir) == 0);
}

int main(void)
{
        test_www_authenticate();
        test_auth_json();
        test_auth_json_why();
        test_registries_d();
        return 0;
}
