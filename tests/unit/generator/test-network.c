/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network keys of a .container become berth-runtime's network options;
 * network options with Network=none|host and unsupported networks are
 * refused with the key named. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "fileio.h"
#include "gen-test.h"

static void put(const char *dir, const char *name, const char *text)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        CHECK(write_file_atomic(path, text, strlen(text), 0644) == 0);
}

static char *service(const char *out, const char *name)
{
        char path[4096];
        char *text = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/%s.service", out, name);
        if (read_full_file(path, 1 << 20, &text, &len) < 0)
                return NULL;
        return text;
}

int main(void)
{
        char tmpl[] = "/tmp/berth-gen-net-XXXXXX", q[4096], out[4096], err[4096];
        _cleanup_free_ char *web = NULL, *ports = NULL, *plain = NULL, *named = NULL,
                            *errors = NULL;
        const char *const paths[] = {q, NULL};
        GenTestRun t = {.search_paths = paths, .output_dir = out, .stderr_path = err};
        size_t len;

        CHECK(gen_test_mkdtemp(tmpl));
        snprintf(q, sizeof(q), "%s/q", tmpl);
        snprintf(out, sizeof(out), "%s/out", tmpl);
        snprintf(err, sizeof(err), "%s/err", tmpl);
        CHECK(mkdir(q, 0755) == 0 && mkdir(out, 0755) == 0);

        put(q, "web.container",
            "[Container]\nImage=localhost/web\nNetwork=bridge\n"
            "PublishPort=127.0.0.1:8080:80\nPublishPort=5353:53/udp\nDNS=192.0.2.53\n"
            "DNSSearch=example.test\nDNSOption=ndots:2\nAddHost=db.test:192.0.2.10\n"
            "IP=10.90.0.7\n");
        /* Ports without Network= mean the bridge, as with Podman. */
        put(q, "ports.container", "[Container]\nImage=localhost/web\nPublishPort=8081:80\n");
        put(q, "plain.container", "[Container]\nImage=localhost/web\n");
        put(q, "bad-none.container",
            "[Container]\nImage=localhost/web\nNetwork=none\nPublishPort=80\n");
        put(q, "bad-net.container", "[Container]\nImage=localhost/web\nNetwork=other.network\n");
        /* An existing network by name, as in Quadlet. */
        put(q, "named.container",
            "[Container]\nImage=localhost/web\nNetwork=backend\nPublishPort=8082:80\n");
        put(q, "bad-ns.container", "[Container]\nImage=localhost/web\nNetwork=container:x\n");
        put(q, "bad-alias.container",
            "[Container]\nImage=localhost/web\nNetwork=bridge\nNetworkAlias=x\n");

        (void)gen_test_run(&t);
        CHECK_INT(t.n_failed, 4);

        web = service(out, "web");
        CHECK(web);
        CHECK(strstr(web, "--network bridge --publish 127.0.0.1:8080:80 --publish 5353:53/udp "
                          "--dns 192.0.2.53 --dns-search example.test --dns-option ndots:2 "
                          "--add-host db.test:192.0.2.10 --ip 10.90.0.7"));
        ports = service(out, "ports");
        CHECK(ports && strstr(ports, "--network bridge --publish 8081:80"));
        named = service(out, "named");
        CHECK(named && strstr(named, "--network backend --publish 8082:80"));
        plain = service(out, "plain");
        CHECK(plain && !strstr(plain, "--network"));
        CHECK(!service(out, "bad-none") && !service(out, "bad-net") && !service(out, "bad-alias") &&
              !service(out, "bad-ns"));

        CHECK(read_full_file(err, 1 << 20, &errors, &len) == 0);
        CHECK(strstr(errors, "PublishPort= needs a network, not Network=none"));
        CHECK(strstr(errors, "not supported yet: Network=other.network"));
        CHECK(strstr(errors, "NetworkAlias: not supported yet"));
        CHECK(strstr(errors, "not supported yet: Network=container:x"));
        printf("ok\n");
        return 0;
}
