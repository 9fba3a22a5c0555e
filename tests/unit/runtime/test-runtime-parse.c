/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime's parsers of untrusted or user input: the image's passwd and
 * group files, mount/volume/tmpfs options, ulimits, sysctls, config.json. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../tap.h"
#include "container.h"
#include "fileio.h"
#include "limits.h"
#include "log.h"
#include "mount-opts.h"
#include "oci-config.h"
#include "strv.h"
#include "user-db.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# comment\n"
                             "broken line without fields\n"
                             "bad:x:notanumber:1:x:/bad:/bin/sh\n"
                             "app:x:1000:1000:App:/home/app:/bin/sh\n"
                             "+nis\n"
                             "short:x:7:7\n"
                             "nobody:x:65534:65534::/nonexistent:/bin/false";
static const char group[] = "root:x:0:\n"
                            "wheel:x:10:root,app\n"
                            "audio:x:29:app,other\n"
                            "app:x:1000:\n"
                            "weird:x:-1:app\n"
                            "huge:x:99999999999:app\n";

static void test_user(void)
{
        ExecUser u = {};

        CHECK_INT(exec_user_resolve("app", NULL, passwd, group, &u), 0);
        CHECK_INT(u.uid, 1000);
        CHECK_INT(u.gid, 1000);
        CHECK_STREQ(u.home, "/home/app");
        CHECK_INT(u.n_groups, 2);
        CHECK_INT(u.groups[0], 10);
        CHECK_INT(u.groups[1], 29);
        exec_user_done(&u);

        CHECK_INT(exec_user_resolve(NULL, NULL, passwd, group, &u), 0);
        CHECK_INT(u.uid, 0);
        CHECK_STREQ(u.home, "/root");
        exec_user_done(&u);

        /* numeric, in passwd or not */
        CHECK_INT(exec_user_resolve("1000", NULL, passwd, group, &u), 0);
        CHECK_STREQ(u.home, "/home/app");
        exec_user_done(&u);
        CHECK_INT(exec_user_resolve("4242", NULL, passwd, group, &u), 0);
        CHECK_INT(u.uid, 4242);
        CHECK_INT(u.gid, 0);
        CHECK_STREQ(u.home, "/");
        CHECK_INT(u.n_groups, 0);
        exec_user_done(&u);

        /* explicit group: no member groups, --group-add appended */
        char *add[] = {"audio", "77", NULL};
        CHECK_INT(exec_user_resolve("app:wheel", add, passwd, group, &u), 0);
        CHECK_INT(u.gid, 10);
        CHECK_INT(u.n_groups, 2);
        CHECK_INT(u.groups[0], 29);
        CHECK_INT(u.groups[1], 77);
        exec_user_done(&u);
        CHECK_INT(exec_user_resolve("app:555", NULL, passwd, group, &u), 0);
        CHECK_INT(u.gid, 555);
        exec_user_done(&u);

        /* unknown names, malformed entries never match */
        CHECK_INT(exec_user_resolve("ghost", NULL, passwd, group, &u), -ESRCH);
        CHECK_INT(exec_user_resolve("bad", NULL, passwd, group, &u), -ESRCH);
        CHECK_INT(exec_user_resolve("short", NULL, passwd, group, &u), -ESRCH);
        CHECK_INT(exec_user_resolve("+nis", NULL, passwd, group, &u), -ESRCH);
        CHECK_INT(exec_user_resolve("app:nogroup", NULL, passwd, group, &u), -ENXIO);
        CHECK_INT(exec_user_resolve("app:weird", NULL, passwd, group, &u), -ENXIO);
        char *bad_add[] = {"huge", NULL};
        CHECK_INT(exec_user_resolve("app", bad_add, passwd, group, &u), -ENXIO);
        CHECK_INT(exec_user_resolve(":10", NULL, passwd, group, &u), -EINVAL);

        /* no files at all: numeric works, names do not */
        CHECK_INT(exec_user_resolve("12:34", NULL, NULL, NULL, &u), 0);
        CHECK_INT(u.uid, 12);
        CHECK_INT(u.gid, 34);
        exec_user_done(&u);
        CHECK_INT(exec_user_resolve("root", NULL, NULL, NULL, &u), -ESRCH);

        /* a huge line with no newline and no colons */
        size_t n = 1 << 20;
        char *big = malloc(n + 1);
        CHECK(big);
        memset(big, 'a', n);
        big[n] = 0;
        CHECK_INT(exec_user_resolve("a", NULL, big, big, &u), -ESRCH);
        free(big);
}

static void test_mount_options(void)
{
        MountSpec m;

        CHECK_INT(volume_parse("/src:/dst:ro,z", "/vols", &m), 0);
        CHECK_INT(m.kind, MOUNT_BIND);
        CHECK(m.readonly);
        CHECK(m.recursive);
        CHECK_STREQ(m.source, "/src");
        CHECK_STREQ(m.destination, "/dst");
        mount_spec_done_static(&m);

        CHECK_INT(volume_parse("/src:/dst", "/vols", &m), 0);
        CHECK(!m.readonly);
        mount_spec_done_static(&m);

        CHECK_INT(volume_parse("/anon", "/vols", &m), 0);
        CHECK(m.create_source);
        CHECK(!m.source);
        CHECK_STREQ(m.destination, "/anon");
        mount_spec_done_static(&m);
        CHECK_INT(volume_parse("anon", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse("/src:relative", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse("../etc:/x", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse("a/b:/x", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse("..:/x", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse(":/x", "/vols", &m), -EINVAL);
        /* lib/names.c's volume rule, as the generator and berthd apply it */
        CHECK_INT(volume_parse(".x:/x", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse("_x:/x", "/vols", &m), -EINVAL);
        CHECK_INT(volume_parse("a b:/x", "/vols", &m), -EINVAL);
        CHECK_INT(mount_parse("type=volume,source=_x,target=/x", "/vols", &m), -EINVAL);

        CHECK_INT(mount_parse("type=bind,source=/a,target=/b,readonly", "/v", &m), 0);
        CHECK(m.readonly);
        CHECK_STREQ(m.source, "/a");
        mount_spec_done_static(&m);
        CHECK_INT(mount_parse("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700", "/v", &m), 0);
        CHECK_INT(m.kind, MOUNT_FS);
        CHECK_STREQ(m.data, "mode=700,size=1048576");
        mount_spec_done_static(&m);
        CHECK_INT(mount_parse("type=bind,source=rel,target=/b", "/v", &m), -EINVAL);
        CHECK_INT(mount_parse("type=nfs,source=/a,target=/b", "/v", &m), -EINVAL);
        CHECK_INT(mount_parse("type=bind,target=/b", "/v", &m), -EINVAL);
        CHECK_INT(mount_parse("type=bind,source=/a,target=/b,bogus=1", "/v", &m), -EINVAL);
        CHECK_INT(mount_parse("type=bind,source=/a,target=/b,readonly=maybe", "/v", &m), -EINVAL);

        CHECK_INT(tmpfs_parse("/run:size=2m,mode=755,exec", &m), 0);
        CHECK_STREQ(m.data, "size=2m,mode=755");
        CHECK(!(m.flags & MS_NOEXEC));
        CHECK(m.flags & MS_NOSUID);
        mount_spec_done_static(&m);
        CHECK_INT(tmpfs_parse("run", &m), -EINVAL);
        CHECK_INT(tmpfs_parse("/run:bind", &m), -EINVAL);
}

static void test_limits(void)
{
        Rlimit rl;

        CHECK_INT(rlimit_from_name("nofile"), RLIMIT_NOFILE);
        CHECK_INT(rlimit_from_name("RLIMIT_NPROC"), RLIMIT_NPROC);
        CHECK_INT(rlimit_from_name("RLIMIT_BOGUS"), -EINVAL);
        CHECK_INT(rlimit_parse("nofile=10:20", &rl), 0);
        CHECK_INT(rl.limit.rlim_cur, 10);
        CHECK_INT(rl.limit.rlim_max, 20);
        CHECK_INT(rlimit_parse("core=unlimited", &rl), 0);
        CHECK(rl.limit.rlim_max == RLIM_INFINITY);
        CHECK_INT(rlimit_parse("nofile=20:10", &rl), -ERANGE);
        CHECK_INT(rlimit_parse("nofile", &rl), -EINVAL);
        CHECK_INT(rlimit_parse("nofile=x", &rl), -EINVAL);

        CHECK_INT(sysctl_check("net.ipv4.ip_forward", false), 0);
        CHECK_INT(sysctl_check("net/ipv4/ip_forward", false), 0);
        CHECK_INT(sysctl_check("net.ipv4.ip_forward", true), -EPERM);
        CHECK_INT(sysctl_check("kernel.shmmax", false), 0);
        CHECK_INT(sysctl_check("kernel.sem", false), 0);
        CHECK_INT(sysctl_check("fs.mqueue.msg_max", false), 0);
        CHECK_INT(sysctl_check("kernel.hostname", false), -EPERM);
        CHECK_INT(sysctl_check("vm.drop_caches", false), -EPERM);
        CHECK_INT(sysctl_check("net/../../kernel/x", false), -EINVAL);
        CHECK_INT(sysctl_check("", false), -EINVAL);
}

static char *bundle_with(const char *config)
{
        char tmpl[] = "/tmp/berth-unit-oci.XXXXXX";
        char *dir = mkdtemp(tmpl), *path = NULL;

        CHECK(dir);
        dir = strdup(dir);
        CHECK(asprintf(&path, "%s/config.json", dir) > 0);
        CHECK_INT(write_file_atomic(path, config, strlen(config), 0644), 0);
        free(path);
        return dir;
}

#define OCI_BASE_PROCESS                                                                           \
        "\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\",\"user\":{\"uid\":5,\"gid\":6,"       \
        "\"additionalGids\":[7]}%s}"
#define OCI_BASE_LINUX "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}%s]%s}"

static int oci_try(const char *process_extra, const char *ns_extra, const char *linux_extra,
                   const char *top_extra, Container **ret)
{
        _cleanup_free_ char *config = NULL, *dir = NULL, *p = NULL, *l = NULL;
        int r;

        CHECK(asprintf(&p, OCI_BASE_PROCESS, process_extra) > 0);
        CHECK(asprintf(&l, OCI_BASE_LINUX, ns_extra, linux_extra) > 0);
        CHECK(asprintf(&config, "{\"root\":{\"path\":\"rootfs\"},%s,%s%s}", p, l, top_extra) > 0);
        dir = bundle_with(config);
        r = container_from_oci_bundle(dir, "t", NULL, ret);
        CHECK_INT(rm_rf(dir), 0);
        return r;
}

static void test_oci(void)
{
        Container *c = NULL;

        CHECK_INT(oci_try("", "", "", ",\"annotations\":{\"x.y\":\"z\"}", &c), 0);
        CHECK_STREQ(c->user_spec, "5:6");
        CHECK_STREQ(c->group_add[0], "7");
        CHECK(c->clone_flags & CLONE_NEWPID);
        CHECK(!(c->clone_flags & CLONE_NEWNET));
        CHECK(strstr(c->root_path, "/rootfs"));
        CHECK_INT(c->seccomp_mode, SECCOMP_MODE_UNCONFINED);
        container_free(c);

        CHECK_INT(oci_try(",\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
                          "\"permitted\":[\"CAP_KILL\"]}",
                          "", "", "", &c),
                  0);
        CHECK_INT(c->caps, 1ULL << 5);
        container_free(c);

        CHECK_INT(oci_try(",\"capabilities\":{\"bounding\":[\"CAP_NOPE\"]}", "", "", "", &c),
                  -EINVAL);
        CHECK_INT(oci_try(",\"capabilities\":{\"bounding\":[42]}", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try(",\"rlimits\":[{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}]", "", "",
                          "", &c),
                  -EINVAL);
        CHECK_INT(oci_try(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\"}]", "", "", "", &c), -EINVAL);
        /* process.terminal: a pty; consoleSize only with it, in range */
        CHECK_INT(oci_try(",\"terminal\":true,\"consoleSize\":{\"height\":30,\"width\":90}", "", "",
                          "", &c),
                  0);
        CHECK(c->tty);
        CHECK_INT(c->tty_rows, 30);
        CHECK_INT(c->tty_cols, 90);
        container_free(c);
        CHECK_INT(oci_try(",\"terminal\":false,\"consoleSize\":{\"height\":-1}", "", "", "", &c),
                  0);
        CHECK(!c->tty);
        CHECK_INT(c->tty_rows, 0);
        container_free(c);
        CHECK_INT(oci_try(",\"terminal\":\"yes\"", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try(",\"terminal\":true,\"consoleSize\":{\"height\":65536,\"width\":1}", "",
                          "", "", &c),
                  -EINVAL);
        CHECK_INT(oci_try(",\"terminal\":true,\"consoleSize\":{\"height\":-1,\"width\":1}", "", "",
                          "", &c),
                  -EINVAL);
        CHECK_INT(oci_try(",\"terminal\":true,\"consoleSize\":{\"height\":\"30\",\"width\":1}", "",
                          "", "", &c),
                  -EINVAL);
        CHECK_INT(oci_try(",\"terminal\":true,\"consoleSize\":[30,90]", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try("", ",{\"type\":\"user\"}", "", "", &c), -EOPNOTSUPP);
        CHECK_INT(oci_try("", ",{\"type\":\"bogus\"}", "", "", &c), -EINVAL);
        CHECK_INT(oci_try("", ",{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}", "", "", &c),
                  -EOPNOTSUPP);
        CHECK_INT(oci_try("", "", ",\"sysctl\":{\"kernel.hostname\":\"x\"}", "", &c), -EPERM);
        CHECK_INT(oci_try("", ",{\"type\":\"network\"}",
                          ",\"sysctl\":{\"net.core.somaxconn\":\"9\"}", "", &c),
                  0);
        container_free(c);
        CHECK_INT(oci_try("", "", ",\"uidMappings\":[{\"containerID\":0}]", "", &c), -EOPNOTSUPP);
        CHECK_INT(oci_try("", "", "", ",\"hooks\":{\"prestart\":[{\"path\":\"/x\"}]}", &c),
                  -EOPNOTSUPP);
        CHECK_INT(
            oci_try("", "", "", ",\"mounts\":[{\"destination\":\"rel\",\"type\":\"tmpfs\"}]", &c),
            -EINVAL);
        CHECK_INT(
            oci_try("", "", "", ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\"}]", &c),
            -EINVAL);
        CHECK_INT(oci_try("", "", "",
                          ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\","
                          "\"options\":[\"size=1m,mode=777\"]}]",
                          &c),
                  -EINVAL);

        /* not JSON, duplicate keys, wrong types */
        char *dir = bundle_with("{\"root\": ");
        CHECK_INT(container_from_oci_bundle(dir, "t", NULL, &c), -EINVAL);
        rm_rf(dir);
        free(dir);
        dir = bundle_with("{\"root\":{\"path\":\"a\"},\"root\":{\"path\":\"b\"}}");
        CHECK_INT(container_from_oci_bundle(dir, "t", NULL, &c), -EINVAL);
        rm_rf(dir);
        free(dir);
        dir = bundle_with("[]");
        CHECK_INT(container_from_oci_bundle(dir, "t", NULL, &c), -EINVAL);
        rm_rf(dir);
        free(dir);
        CHECK_INT(oci_try(",\"env\":\"notalist\"", "", "", "", &c), -EINVAL);
        /* the process object is type- and range-checked (also for exec --process) */
        CHECK_INT(oci_try(",\"noNewPrivileges\":\"yes\"", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try(",\"oomScoreAdj\":5000", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try(",\"capabilities\":[\"CAP_KILL\"]", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try(",\"rlimits\":{}", "", "", "", &c), -EINVAL);
        CHECK_INT(oci_try(",\"oomScoreAdj\":-1000,\"noNewPrivileges\":true", "", "", "", &c), 0);
        CHECK_INT(c->oom_score_adj, -1000);
        CHECK(c->no_new_privileges);
        container_free(c);
}

static int process_try(const char *json, Container **ret)
{
        _cleanup_(json_decrefp) json_t *p = json_loads(json, 0, NULL);
        Container *c = container_new();
        int r;

        CHECK(p && c);
        r = oci_process_from_json(c, p, "t: ");
        if (r < 0)
                container_free(c);
        else
                *ret = c;
        return r;
}

static void test_oci_process(void)
{
        Container *c = NULL;

        CHECK_INT(
            process_try("{\"args\":[\"sh\",\"-c\",\"x\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
                        "\"user\":{\"uid\":1000,\"gid\":29,\"additionalGids\":[10,4294967294],"
                        "\"umask\":18}}",
                        &c),
            0);
        CHECK_STREQ(c->args[2], "x");
        CHECK(c->args[3] == NULL);
        CHECK_STREQ(c->env[0], "A=1");
        CHECK_STREQ(c->cwd, "/tmp");
        CHECK_STREQ(c->user_spec, "1000:29");
        CHECK_STREQ(c->group_add[1], "4294967294");
        CHECK_INT(c->umask, 18);
        container_free(c);
        /* a missing user is root, as config.json has always had it */
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\"}", &c), 0);
        CHECK_STREQ(c->user_spec, "0:0");
        container_free(c);

        CHECK_INT(process_try("{\"cwd\":\"/\"}", &c), -EINVAL);
        CHECK_INT(process_try("{\"args\":[],\"cwd\":\"/\"}", &c), -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\",null],\"cwd\":\"/\"}", &c), -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"]}", &c), -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":[]}", &c), -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"uid\":\"0\"}}", &c),
                  -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}", &c),
                  -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"gid\":4294967295}}", &c),
                  -EINVAL);
        CHECK_INT(
            process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"additionalGids\":7}}", &c),
            -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"user\":{\"umask\":512}}", &c),
                  -EINVAL);
        CHECK_INT(process_try("{\"args\":[\"x\"],\"cwd\":\"/\",\"terminal\":1}", &c), -EINVAL);
}

static int unapplied(const char *resources_json, char **ret)
{
        json_t *j = json_loads(resources_json, 0, NULL);
        int n;

        CHECK(j);
        n = oci_resources_unapplied(j, ret);
        json_decref(j);
        return n;
}

/* Limits a bundle asks for are named (and warned about), zeros, empty values
 * and device rules are not: podman and the bench bundle always carry a
 * devices deny-all. */
static void test_oci_resources(void)
{
        char *l = NULL;

        CHECK_INT(unapplied("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}", &l), 0);
        CHECK(!l);
        CHECK_INT(unapplied("{\"memory\":{\"limit\":0},\"cpu\":{\"cpus\":\"\"},\"pids\":{}}", &l),
                  0);
        CHECK(!l);
        CHECK_INT(unapplied("{\"memory\":{\"limit\":104857600},\"devices\":[],"
                            "\"pids\":{\"limit\":2048},\"blockIO\":{\"weight\":0}}",
                            &l),
                  2);
        CHECK_STREQ(l, "memory, pids");
        free(l);
        CHECK_INT(unapplied("{\"unified\":{\"memory.high\":\"1G\"},"
                            "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}",
                            &l),
                  2);
        CHECK_STREQ(l, "unified, hugepageLimits");
        free(l);
        /* not an object: nothing to say, and the start goes on */
        CHECK_INT(unapplied("[1]", &l), 0);
        CHECK(!l);
}

int main(void)
{
        log_set_max_level(LOG_EMERG); /* the failures below are expected */
        test_user();
        test_mount_options();
        test_limits();
        test_oci();
        test_oci_process();
        test_oci_resources();
        printf("ok\n");
        return 0;
}
