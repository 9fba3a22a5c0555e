/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unprivileged checks of the network library: PublishPort= parsing, subnet
 * arithmetic, berth.conf, .network validation and the /etc files. */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "fileio.h"
#include "ipv4.h"
#include "log.h"
#include "network-internal.h"
#include "network.h"
#include "publish.h"

static void test_publish(void)
{
        PublishSpec p;
        uint32_t lo;

        CHECK(publish_parse("80", &p) == 0);
        CHECK(p.host_lo == 0 && p.container_lo == 80 && p.container_hi == 80 &&
              p.proto == IPPROTO_TCP && p.host_ip == 0);
        CHECK(publish_parse("8080:80/udp", &p) == 0);
        CHECK(p.host_lo == 8080 && p.host_hi == 8080 && p.container_lo == 80 &&
              p.proto == IPPROTO_UDP);
        CHECK(publish_parse("127.0.0.1:8080:80", &p) == 0);
        CHECK(ipv4_parse("127.0.0.1", &lo) == 0 && p.host_ip == lo && p.host_lo == 8080);
        CHECK(publish_parse("127.0.0.1::80", &p) == 0);
        CHECK(p.host_ip == lo && p.host_lo == 0);
        CHECK(publish_parse("8080-8082:80-82/tcp", &p) == 0);
        CHECK(p.host_lo == 8080 && p.host_hi == 8082 && p.container_lo == 80 &&
              p.container_hi == 82);
        /* a host range for one container port: the first free one */
        CHECK(publish_parse("9000-9010:80", &p) == 0);
        CHECK(p.host_lo == 9000 && p.host_hi == 9010 && p.container_hi == 80);

        static const char *const bad[] = {
            "",
            "80:",
            ":80",
            "0",
            "65536",
            "-1",
            "abc",
            "80/sctp",
            "80/",
            "8080-8081:80-82",
            "90-80:80",
            "1:2:3:4",
            "[::1]:80:80",
            "1.2.3:80:80",
            "1.2.3.4.5:80:80",
            "300.1.1.1:80:80",
            "8080::80",
            "8080:80:",
            " 80",
            "80 ",
            "+80",
            "0x50",
            "1-65536",
            "1-4097:1-4097",
            "99999999999999999999",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (publish_parse(bad[i], &p) >= 0) {
                        fprintf(stderr, "accepted bad PublishPort=%s\n", bad[i]);
                        exit(1);
                }
        }
}

static void test_ipv4(void)
{
        Ipv4Subnet s, t;
        char buf[IPV4_CIDR_STRLEN];

        CHECK(ipv4_subnet_parse("10.90.0.0/24", &s) == 0);
        CHECK_STREQ(ipv4_subnet_format(&s, buf), "10.90.0.0/24");
        CHECK(ipv4_subnet_broadcast(&s) == ((10u << 24) | (90u << 16) | 255));
        CHECK(ipv4_subnet_parse("10.90.0.1/24", &s) < 0); /* host bits */
        CHECK(ipv4_subnet_parse("10.90.0.0/33", &s) < 0);
        CHECK(ipv4_subnet_parse("10.90.0.0", &s) < 0);
        CHECK(ipv4_subnet_parse("10.90/16", &s) < 0);
        CHECK(ipv4_subnet_parse("0.0.0.0/0", &s) == 0 && ipv4_subnet_mask(&s) == 0);
        CHECK(ipv4_subnet_parse("10.90.0.0/16", &s) == 0);
        CHECK(ipv4_subnet_parse("10.90.4.0/24", &t) == 0);
        CHECK(ipv4_subnet_overlaps(&s, &t) && ipv4_subnet_overlaps(&t, &s));
        CHECK(ipv4_subnet_parse("10.91.0.0/24", &t) == 0);
        CHECK(!ipv4_subnet_overlaps(&s, &t));
}

static char *tmpdir(void)
{
        char *d = strdup("/tmp/berth-net-unit.XXXXXX");

        CHECK(d && mkdtemp(d));
        return d;
}

static NetworkContext *context(const char *dir, const char *conf_text)
{
        NetworkContext *ctx;
        char path[512];

        snprintf(path, sizeof(path), "%s/berth.conf", dir);
        CHECK(write_file_atomic(path, conf_text, strlen(conf_text), 0644) == 0);
        CHECK(network_context_new(path, &ctx) == 0);
        free(ctx->state_dir);
        free(ctx->run_dir);
        CHECK(asprintf(&ctx->state_dir, "%s/state", dir) > 0);
        CHECK(asprintf(&ctx->run_dir, "%s/run", dir) > 0);
        return ctx;
}

static void test_config(void)
{
        _cleanup_free_ char *dir = tmpdir();
        NetworkContext *ctx;
        char path[512];

        ctx = context(dir, "[Runtime]\nDefaultSubnet=junk\n[Network]\n# comment\n"
                           "DefaultSubnet = 172.30.0.0/24\nDefaultInterface=brx\nOther=1\n");
        CHECK_STREQ(ctx->default_subnet, "172.30.0.0/24");
        CHECK_STREQ(ctx->default_interface, "brx");
        network_context_free(ctx);

        snprintf(path, sizeof(path), "%s/berth.conf", dir);
        CHECK(write_file_atomic(path, "[Network]\nDefaultSubnet=10.0.0.1/8\n", 35, 0644) == 0);
        CHECK(network_context_new(path, &ctx) < 0);
        CHECK(write_file_atomic(path, "[Network]\nDefaultInterface=way-too-long-ifname\n", 47,
                                0644) == 0);
        CHECK(network_context_new(path, &ctx) < 0);
        /* the default path may be missing, an explicit one may not */
        snprintf(path, sizeof(path), "%s/missing.conf", dir);
        CHECK(network_context_new(path, &ctx) < 0);
        (void)rm_rf(dir);
}

static void test_create(void)
{
        _cleanup_free_ char *dir = tmpdir(), *text = NULL;
        NetworkContext *ctx = context(dir, "");
        char *opts[] = {(char *)"mtu=9000", NULL};
        NetworkConfig a = {.name = "a"}, b = {.name = "b", .subnet = "10.90.1.0/25"};
        NetworkConfig c = {
            .name = "c", .subnet = "10.50.0.0/16", .options = opts, .internal = true};
        char path[512];
        Network *n;

        /* no Subnet=: the first free 10.90.N.0/24 after the default */
        CHECK(network_create(ctx, &a) == 0);
        CHECK(network_load(ctx, "a", &n) == 0);
        CHECK(n->subnet.addr == ((10u << 24) | (90u << 16) | (1u << 8)) &&
              n->subnet.prefixlen == 24);
        CHECK_STREQ(n->interface, "berth1");
        CHECK(n->gateway == n->subnet.addr + 1);
        network_free(n);
        CHECK(network_create(ctx, &a) == 0); /* idempotent */
        CHECK(network_create(ctx, &b) < 0);  /* overlaps a */
        CHECK(network_create(ctx, &c) == 0);
        CHECK(network_load(ctx, "c", &n) == 0);
        CHECK(n->mtu == 9000 && n->internal && streq(n->interface, "berth2"));
        network_free(n);

        /* the default network needs no file */
        CHECK(network_load(ctx, NULL, &n) == 0);
        CHECK_STREQ(n->name, "bridge");
        CHECK_STREQ(n->interface, "berth0");
        network_free(n);
        CHECK(network_load(ctx, "nosuch", &n) < 0);

        /* a corrupt config is refused, not half-used */
        snprintf(path, sizeof(path), "%s/state/a.json", dir);
        CHECK(write_file_atomic(path, "{\"name\": \"a\"}", 13, 0644) == 0);
        CHECK(network_load(ctx, "a", &n) < 0);
        CHECK(write_file_atomic(path, "not json", 8, 0644) == 0);
        CHECK(network_load(ctx, "a", &n) < 0);

        CHECK(network_remove(ctx, "c") == 0);
        CHECK(network_remove(ctx, "c") == 0);
        CHECK(network_remove(ctx, "../etc") < 0);
        network_context_free(ctx);
        (void)rm_rf(dir);
}

static void test_etc_files(void)
{
        _cleanup_free_ char *dir = tmpdir(), *text = NULL;
        NetworkContext *ctx = context(dir, "");
        char path[512];
        char *add[] = {(char *)"db.example:192.0.2.10", NULL};
        char *opts[] = {(char *)"ndots:2", NULL};
        Record me = {.container = (char *)"web", .hostname = (char *)"www", .add_host = add};
        Record peer = {.container = (char *)"db", .hostname = (char *)"db"};
        Record *members[] = {&me, &peer};
        NetworkSpec spec = {.container = "web", .dns_option = opts};
        Network net = {.name = (char *)"bridge"};
        int run_fd;

        CHECK(mkdir_p(ctx->run_dir, 0755) == 0);
        CHECK(mkdir_p(ctx->state_dir, 0755) == 0);
        run_fd = open(ctx->run_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        CHECK(run_fd >= 0);
        CHECK(mkdirat(run_fd, "containers", 0755) == 0);
        CHECK(ipv4_parse("10.90.0.2", &me.address) == 0);
        CHECK(ipv4_parse("10.90.0.3", &peer.address) == 0);

        CHECK(etc_write_hosts(run_fd, &me, members, 2) == 0);
        snprintf(path, sizeof(path), "%s/containers/web/hosts", ctx->run_dir);
        CHECK(read_full_file(path, 4096, &text, NULL) == 0);
        CHECK(strstr(text, "127.0.0.1\tlocalhost\n"));
        CHECK(strstr(text, "10.90.0.2\twww web\n"));
        CHECK(strstr(text, "192.0.2.10\tdb.example\n"));
        CHECK(strstr(text, "10.90.0.3\tdb\n"));
        free(text);
        text = NULL;

        /* the host uses the systemd-resolved stub: its upstreams go in */
        free(ctx->host_resolv_conf);
        free(ctx->resolved_resolv_conf);
        CHECK(asprintf(&ctx->host_resolv_conf, "%s/resolv.conf", dir) > 0);
        CHECK(asprintf(&ctx->resolved_resolv_conf, "%s/resolved.conf", dir) > 0);
        CHECK(write_file_atomic(ctx->host_resolv_conf,
                                "nameserver 127.0.0.53\nsearch lan\noptions edns0\n", 46,
                                0644) == 0);
        CHECK(write_file_atomic(ctx->resolved_resolv_conf,
                                "# upstream\nnameserver 192.0.2.1\nnameserver 127.0.0.1\n"
                                "nameserver 2001:db8::1\n",
                                75, 0644) == 0);
        CHECK(etc_write_resolv_conf(run_fd, ctx, &net, &spec) == 0);
        snprintf(path, sizeof(path), "%s/containers/web/resolv.conf", ctx->run_dir);
        CHECK(read_full_file(path, 4096, &text, NULL) == 0);
        CHECK(strstr(text, "nameserver 192.0.2.1\n"));
        CHECK(strstr(text, "nameserver 2001:db8::1\n"));
        CHECK(!strstr(text, "127.0.0"));
        CHECK(strstr(text, "search lan\n"));
        CHECK(strstr(text, "options ndots:2\n") && !strstr(text, "edns0"));
        free(text);
        text = NULL;

        /* DNS= overrides the host's servers */
        char *dns[] = {(char *)"198.51.100.7", NULL};
        spec.dns = dns;
        CHECK(etc_write_resolv_conf(run_fd, ctx, &net, &spec) == 0);
        CHECK(read_full_file(path, 4096, &text, NULL) == 0);
        CHECK(strstr(text, "nameserver 198.51.100.7\n") && !strstr(text, "192.0.2.1"));

        /* hostile values are refused before anything is written */
        NetworkSpec bad = {.container = "web"};
        char *bad_dns[] = {(char *)"1.2.3.4\nnameserver 6.6.6.6", NULL};
        char *bad_host[] = {(char *)"evil\n1.2.3.4 x:1.2.3.4", NULL};
        char *bad_opt[] = {(char *)"ndots:1\nnameserver", NULL};
        bad.dns = bad_dns;
        CHECK(etc_validate_spec(&bad) < 0);
        bad.dns = NULL;
        bad.add_host = bad_host;
        CHECK(etc_validate_spec(&bad) < 0);
        bad.add_host = NULL;
        bad.dns_option = bad_opt;
        CHECK(etc_validate_spec(&bad) < 0);
        bad.dns_option = NULL;
        bad.hostname = "a b";
        CHECK(etc_validate_spec(&bad) < 0);

        CHECK(container_name_is_valid("web-1.x_y"));
        CHECK(!container_name_is_valid("../x") && !container_name_is_valid("") &&
              !container_name_is_valid(".hidden") && !container_name_is_valid("a/b"));
        close(run_fd);
        network_context_free(ctx);
        (void)rm_rf(dir);
}

int main(void)
{
        log_setup("test-network", LOG_TARGET_STDERR);
        log_set_max_level(getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_CRIT); /* refusals are expected */
        test_publish();
        test_ipv4();
        test_config();
        test_create();
        test_etc_files();
        return 0;
}
