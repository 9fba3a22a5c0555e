/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container records: name rules, JSON round trip, hostile record files, and
 * the runtime command lines berthd and berthctl derive from a record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container-record.h"
#include "fileio.h"
#include "macro.h"
#include "strv.h"
#include "tap.h"

static void test_names(void)
{
        char long_name[CONTAINER_NAME_MAX + 2];

        CHECK(container_name_is_valid("web"));
        CHECK(container_name_is_valid("a.b_c-d9"));
        CHECK(container_name_is_valid("9lives"));
        CHECK(!container_name_is_valid(""));
        CHECK(!container_name_is_valid(NULL));
        CHECK(!container_name_is_valid("-web"));
        CHECK(!container_name_is_valid(".hidden"));
        CHECK(!container_name_is_valid("../etc"));
        CHECK(!container_name_is_valid("a/b"));
        CHECK(!container_name_is_valid("a b"));
        CHECK(!container_name_is_valid("a\nb"));
        CHECK(!container_name_is_valid("wéb"));
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        CHECK(!container_name_is_valid(long_name));
        long_name[CONTAINER_NAME_MAX] = '\0';
        CHECK(container_name_is_valid(long_name));

        CHECK(env_assignment_is_valid("A=b"));
        CHECK(env_assignment_is_valid("A="));
        CHECK(!env_assignment_is_valid("=b"));
        CHECK(!env_assignment_is_valid("A"));
        CHECK(!env_assignment_is_valid("A=b\nExecStart=/bin/evil"));

        CHECK(volume_spec_is_valid("/srv:/data"));
        CHECK(volume_spec_is_valid("/srv:/data:ro"));
        CHECK(volume_spec_is_valid("myvol:/data"));
        CHECK(!volume_spec_is_valid("/srv"));
        CHECK(!volume_spec_is_valid("/srv:data"));
        CHECK(!volume_spec_is_valid("/srv:/data:rx"));
        CHECK(!volume_spec_is_valid("../x:/data"));
        CHECK(!volume_spec_is_valid(":/data"));

        CHECK(network_mode_is_valid("none") && network_mode_is_valid("host"));
        CHECK(network_mode_is_valid("bridge") && network_mode_is_valid("systemd-app"));
        CHECK(!network_mode_is_valid("") && !network_mode_is_valid("default"));
        CHECK(!network_mode_is_valid("container:web") && !network_mode_is_valid("a/b"));
        CHECK(!network_mode_is_valid("-x") && !network_mode_is_valid("a\nb"));
        CHECK(network_name_is_valid("app") && !network_name_is_valid("bridge"));
        CHECK(publish_spec_is_valid("80") && publish_spec_is_valid("8080:80"));
        CHECK(publish_spec_is_valid("127.0.0.1:8080:80/tcp"));
        CHECK(publish_spec_is_valid("127.0.0.1::80") && publish_spec_is_valid("53:53/udp"));
        CHECK(publish_spec_is_valid("8080-8082:80-82"));
        CHECK(!publish_spec_is_valid("") && !publish_spec_is_valid("0"));
        CHECK(!publish_spec_is_valid("65536") && !publish_spec_is_valid("80/sctp"));
        CHECK(!publish_spec_is_valid("a:b:c:80") && !publish_spec_is_valid(":80"));
        CHECK(!publish_spec_is_valid("[::1]:80:80") && !publish_spec_is_valid("300.0.0.1:1:80"));
        CHECK(!publish_spec_is_valid("90-80:80") && !publish_spec_is_valid("-80"));
        CHECK(!publish_spec_is_valid("80 --privileged"));
        CHECK(ip_address_is_valid("192.0.2.1") && ip_address_is_valid("2001:db8::1"));
        CHECK(!ip_address_is_valid("dns.example") && !ip_address_is_valid(NULL));
        CHECK(ipv4_address_is_valid("10.0.0.1") && !ipv4_address_is_valid("2001:db8::1"));
        CHECK(dns_search_is_valid("example.test") && !dns_search_is_valid("a b"));
        CHECK(dns_option_is_valid("ndots:2") && !dns_option_is_valid("x\ny"));
        CHECK(add_host_is_valid("db:192.0.2.1") && add_host_is_valid("db:2001:db8::1"));
        CHECK(!add_host_is_valid("db") && !add_host_is_valid(":1.2.3.4"));
        CHECK(!add_host_is_valid("db:nowhere") && !add_host_is_valid("-x:1.2.3.4"));

        CHECK(restart_policy_from_string("always") == RESTART_ALWAYS);
        CHECK(restart_policy_from_string("sometimes") == _RESTART_INVALID);
        CHECK_STREQ(restart_policy_to_systemd(RESTART_UNLESS_STOPPED), "always");
        CHECK_STREQ(restart_policy_to_systemd(RESTART_ON_FAILURE), "on-failure");
}

static ContainerRecord *sample(void)
{
        ContainerRecord *c = NULL;

        CHECK(container_record_new("web", &c) == 0);
        CHECK(container_id_is_valid(c->id));
        CHECK(c->created > 0);
        c->image = strdup("docker.io/library/busybox:latest");
        c->image_id =
            strdup("sha256:381c98f2f54056c65f72b6c695f6a22258b3601f766000e0af8e50932fa1e70e");
        CHECK(strv_extend(&c->command, "sh") == 0);
        CHECK(strv_extend(&c->command, "-c") == 0);
        CHECK(strv_extend(&c->command, "echo hi; exit 3") == 0);
        CHECK(strv_extend(&c->env, "FOO=bar baz") == 0);
        CHECK(strv_extend(&c->volumes, "/srv:/data:ro") == 0);
        c->user = strdup("1000:1000");
        c->workdir = strdup("/tmp");
        c->entrypoint = strdup("/bin/env");
        c->restart = RESTART_ALWAYS;
        c->memory_max = 64 << 20;
        c->cpu_quota = 500000;
        c->tasks_max = 100;
        return c;
}

static void test_round_trip(void)
{
        _cleanup_(container_record_freep) ContainerRecord *c = sample(), *d = NULL;
        _cleanup_free_ char *json = NULL, *json2 = NULL;

        CHECK(container_record_to_json(c, &json) == 0);
        CHECK(container_record_from_json(json, &d) == 0);
        CHECK(container_record_to_json(d, &json2) == 0);
        CHECK_STREQ(json, json2);
        CHECK_STREQ(d->name, "web");
        CHECK(d->restart == RESTART_ALWAYS);
        CHECK(d->memory_max == 64 << 20);
        CHECK_STREQ(d->command[2], "echo hi; exit 3");
}

static void test_hostile_json(void)
{
        static const char *const bad[] = {
            "",
            "[]",
            "{\"name\":\"web\"}",               /* no id, image */
            "{\"name\":\"../../etc\",\"id\":\"" /* path in a name */
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\"}",
            "{\"name\":\"web\",\"id\":\"xyz\",\"image\":\"x\",\"image_id\":\"y\"}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"env\":[\"A=1\\nB=2\"]}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"env\":\"A=1\"}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"restart\":\"sometimes\"}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"memory_max\":-1}",
            "{\"name\":\"web\",\"name\":\"db\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\"}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"volumes\":[\"/a:b\"]}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"auto_remove\":\"yes\"}",
            /* network settings berth-runtime must never see */
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"network\":\"--privileged\"}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"publish\":[\"80:80:80:80\"]}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"ip\":\"10.0.0.300\"}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"network\":\"host\","
            "\"publish\":[\"80\"]}",
            "{\"name\":\"web\",\"id\":\""
            "0000000000000000000000000000000000000000000000000000000000000000\","
            "\"image\":\"x\",\"image_id\":\"y\",\"add_host\":[\"x\"]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ContainerRecord *c = NULL;
                int r = container_record_from_json(bad[i], &c);
                if (r >= 0) {
                        fprintf(stderr, "accepted hostile record %zu: %s\n", i, bad[i]);
                        exit(1);
                }
        }
}

static void test_files(void)
{
        _cleanup_(container_record_freep) ContainerRecord *c = sample(), *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        char dir[] = "/tmp/berth-test-records.XXXXXX";
        _cleanup_free_ char *path = NULL;

        CHECK(mkdtemp(dir));
        CHECK(container_record_save(dir, c) == 0);
        CHECK(container_record_load(dir, "web", &d) == 0);
        CHECK_STREQ(d->id, c->id);
        CHECK(container_record_list(dir, &names) == 0);
        CHECK(strv_length(names) == 1);
        CHECK_STREQ(names[0], "web");
        /* a record renamed by hand is not taken for another container */
        CHECK(asprintf(&path, "%s/db", dir) > 0);
        CHECK(mkdir(path, 0700) == 0);
        free(path);
        CHECK(asprintf(&path, "%s/db/config.json", dir) > 0);
        {
                _cleanup_free_ char *json = NULL;
                CHECK(container_record_to_json(c, &json) == 0);
                CHECK(write_file_atomic(path, json, strlen(json), 0600) == 0);
        }
        container_record_free(d);
        d = NULL;
        CHECK(container_record_load(dir, "db", &d) == -EBADMSG);
        CHECK(container_record_load(dir, "../x", &d) == -EINVAL);
        CHECK(container_record_remove(dir, "web") == 0);
        CHECK(container_record_load(dir, "web", &d) == -ENOENT);
        CHECK(container_record_remove(dir, "web") == 0);
        CHECK(rm_rf(dir) == 0);
}

static void test_argv(void)
{
        _cleanup_(container_record_freep) ContainerRecord *c = sample();
        _cleanup_strv_free_ char **argv = NULL, **cleanup = NULL;
        _cleanup_free_ char *unit = NULL;
        static const char *const expect[] = {
            "/rt",
            "run",
            "--name",
            "web",
            "--store",
            "/st",
            "--upper",
            "/st/containers/web",
            "--image",
            "sha256:381c98f2f54056c65f72b6c695f6a22258b3601f766000e0af8e50932fa1e70e",
            "--env",
            "FOO=bar baz",
            "--volume",
            "/srv:/data:ro",
            "--user",
            "1000:1000",
            "--workdir",
            "/tmp",
            "--entrypoint",
            "/bin/env",
            "--network",
            "bridge",
            "--",
            "sh",
            "-c",
            "echo hi; exit 3",
            NULL};

        CHECK(container_runtime_argv(c, "/rt", "/st", &argv) == 0);
        CHECK(strv_length(argv) == ELEMENTSOF(expect) - 1);
        for (size_t i = 0; expect[i]; i++)
                CHECK_STREQ(argv[i], expect[i]);

        CHECK(container_cleanup_argv(c, "/rt", "/st", &cleanup) == 0);
        CHECK(strv_length(cleanup) == 6);
        CHECK_STREQ(cleanup[1], "cleanup");

        /* --rm: a fresh writable layer that cleanup removes */
        c->auto_remove = true;
        strv_free(argv);
        strv_free(cleanup);
        CHECK(container_runtime_argv(c, "/rt", "/st", &argv) == 0);
        CHECK(!strv_contains(argv, "--upper"));
        CHECK(strv_contains(argv, "--rm"));
        CHECK(container_cleanup_argv(c, "/rt", "/st", &cleanup) == 0);
        CHECK(strv_contains(cleanup, "--rm"));

        /* a named network and the container's place on it */
        c->network = strdup("backend");
        c->ip = strdup("10.91.0.7");
        CHECK(strv_extend(&c->publish, "127.0.0.1:8080:80") == 0);
        CHECK(strv_extend(&c->publish, "53:53/udp") == 0);
        CHECK(strv_extend(&c->dns, "192.0.2.53") == 0);
        CHECK(strv_extend(&c->dns_search, "example.test") == 0);
        CHECK(strv_extend(&c->dns_option, "ndots:2") == 0);
        CHECK(strv_extend(&c->add_host, "db.test:192.0.2.10") == 0);
        strv_free(argv);
        CHECK(container_runtime_argv(c, "/rt", "/st", &argv) == 0);
        {
                char line[1024] = "";
                STRV_FOREACH (a, argv)
                        snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", *a);
                CHECK(strstr(line, " --rm --network backend --publish 127.0.0.1:8080:80 "
                                   "--publish 53:53/udp --dns 192.0.2.53 --dns-search "
                                   "example.test --dns-option ndots:2 --add-host "
                                   "db.test:192.0.2.10 --ip 10.91.0.7 -- sh"));
        }
        {
                /* and they survive the record file */
                _cleanup_(container_record_freep) ContainerRecord *d = NULL;
                _cleanup_free_ char *json = NULL;
                CHECK(container_record_to_json(c, &json) == 0);
                CHECK(container_record_from_json(json, &d) == 0);
                CHECK_STREQ(d->network, "backend");
                CHECK_STREQ(d->ip, "10.91.0.7");
                CHECK_STREQ(d->publish[1], "53:53/udp");
                CHECK_STREQ(d->add_host[0], "db.test:192.0.2.10");
        }
        /* publishing needs a network */
        free(c->network);
        c->network = strdup("none");
        CHECK(container_record_network_error(c));

        CHECK(container_unit_name("web", "service", &unit) == 0);
        CHECK_STREQ(unit, "berth-web.service");
        CHECK(container_unit_name("a/b", "service", &unit) == -EINVAL);
}

int main(void)
{
        test_names();
        test_round_trip();
        test_hostile_json();
        test_files();
        test_argv();
        return 0;
}
