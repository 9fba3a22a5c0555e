/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every unit berth-generator writes must pass `systemd-analyze verify`.
 * Generates units for the whole Quadlet corpus plus a declaration using
 * every key berth supports, then verifies them all. Works without systemd as
 * PID 1 (--generators=no); the runtime and berthctl paths point at a stub,
 * because verify checks that ExecStart= binaries exist and berth need not be
 * installed for unit tests.
 *
 * systemd may complain about a line the declaration itself passes through
 * (Foo= in [Unit], an invalid DynamicUser=, UpheldBy= unknown to systemd
 * 252): that is the declaration's own, counted, and allowed. Anything about
 * a line berth wrote fails the test. */
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

static const char kitchen_sink[] =
    "[Unit]\n"
    "Description=every key berth supports\n"
    "After=ks-data.volume\n"
    "[Container]\n"
    "Image=registry.example.com/app/web:1.2\n"
    "Pull=newer\n"
    "Exec=/bin/sh -c \"echo 'hello world' \\\"$HOME\\\"; sleep inf\" ;\n"
    "Entrypoint=/sbin/tini --\n"
    "Environment=A=1 \"B=two words\" 'C=\\ttab'\n"
    "EnvironmentFile=/etc/default/web\n"
    "EnvironmentHost=yes\n"
    "User=1000\n"
    "Group=1000\n"
    "GroupAdd=wheel\n"
    "WorkingDir=/srv\n"
    "HostName=web-1\n"
    "Timezone=local\n"
    "Volume=/srv/data:/data:ro,Z\n"
    "Volume=ks-data.volume:/var/lib/app\n"
    "Volume=cache:/cache\n"
    "Volume=/scratch\n"
    "Mount=\"type=bind,src=/srv/with space,dst=/with,readonly\"\n"
    "Mount=type=tmpfs,dst=/tmpfs,tmpfs-size=64m\n"
    "Tmpfs=/run/app:size=1m\n"
    "ReadOnly=yes\n"
    "VolatileTmp=yes\n"
    "ContainerName=web\n"
    "Label=org.example.a=1 \"org.example.b=two words\"\n"
    "Annotation=x=y\n"
    "Notify=yes\n"
    "StopSignal=SIGINT\n"
    "StopTimeout=30\n"
    "RunInit=yes\n"
    "ReloadCmd=/usr/bin/reload --all\n"
    "AddCapability=NET_ADMIN cap_sys_time\n"
    "DropCapability=CAP_MKNOD\n"
    "NoNewPrivileges=yes\n"
    "SeccompProfile=/etc/berth/seccomp.json\n"
    "AddDevice=/dev/null:/dev/mynull:rwm\n"
    "Sysctl=net.core.somaxconn=1024\n"
    "Ulimit=nofile=1024:2048\n"
    "PidsLimit=100\n"
    "Memory=512m\n"
    "ShmSize=64m\n"
    "Network=ks-net.network\n"
    "PublishPort=127.0.0.1:8080:80\n"
    "PublishPort=5353:53/udp\n"
    "DNS=192.0.2.53\n"
    "DNSSearch=example.test\n"
    "DNSOption=ndots:2\n"
    "AddHost=db.test:192.0.2.10\n"
    "IP=10.91.0.7\n"
    "[Service]\n"
    "Restart=always\n"
    "TimeoutStartSec=5\n"
    "[Install]\n"
    "WantedBy=multi-user.target\n";

static const char ks_volume[] = "[Volume]\nUser=1000\nGroup=1000\n";
static const char ks_image[] = "[Image]\nImage=registry.example.com/app/base:1\nPolicy=always\n";
static const char ks_network[] = "[Network]\nSubnet=10.91.0.0/24\nGateway=10.91.0.1\n"
                                 "IPRange=10.91.0.0/25\nInternal=yes\nOptions=mtu=1450\n"
                                 "Label=a=b\nDNS=192.0.2.1\nInterfaceName=ks0\n"
                                 "NetworkDeleteOnStop=yes\n";
static const char ks_reload[] = "[Container]\nImage=localhost/x\nReloadSignal=SIGHUP\n";

static bool line_in_file(const char *path, const char *line)
{
        _cleanup_free_ char *text = NULL;
        char *save = NULL;
        size_t len;

        if (read_full_file(path, 4 << 20, &text, &len) < 0)
                return false;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                while (*l == ' ' || *l == '\t')
                        l++;
                if (streq(l, line))
                        return true;
        }
        return false;
}

/* "/x/out/a.service:12: msg": is line 12 of that unit the declaration's own? */
static bool from_declaration(const char *msg)
{
        char path[4096], *colon;
        _cleanup_free_ char *text = NULL;
        const char *src = NULL, *target = NULL;
        unsigned want, no = 0;
        char *save = NULL;
        size_t len;

        if (msg[0] != '/')
                return false;
        snprintf(path, sizeof(path), "%s", msg);
        colon = strchr(path, ':');
        if (!colon || sscanf(colon + 1, "%u:", &want) != 1)
                return false;
        *colon = 0;
        if (read_full_file(path, 4 << 20, &text, &len) < 0)
                return false;
        (void)save;
        for (char *l = text, *nl; l && *l; l = nl ? nl + 1 : NULL) {
                nl = strchr(l, '\n');
                if (nl)
                        *nl = 0;
                no++;
                if (strneq(l, "SourcePath=", 11))
                        src = l + 11;
                if (no == want)
                        target = l;
        }
        return src && target && line_in_file(src, target);
}

int main(void)
{
        const char *shared = getenv("BERTH_SHARED_DIR");
        char tmpl[] = "/tmp/berth-verify-XXXXXX", q[4096], out[4096], stub[4096], cmd[8192];
        _cleanup_strv_free_ char **bad_units = NULL;
        _cleanup_strbuf_ StrBuf units = STRBUF_INIT;
        unsigned n_units = 0, own = 0, failures = 0;
        FILE *p;
        char line[8192];

        if (system("systemd-analyze --version >/dev/null 2>&1") != 0) {
                printf("skip: systemd-analyze cannot run here\n");
                return 77;
        }
        CHECK(gen_test_mkdtemp(tmpl));
        snprintf(q, sizeof(q), "%s/q", tmpl);
        snprintf(out, sizeof(out), "%s/out", tmpl);
        snprintf(stub, sizeof(stub), "%s/stub", tmpl);
        CHECK(mkdir(q, 0755) == 0 && mkdir(out, 0755) == 0);
        CHECK(write_file_atomic(stub, "#!/bin/sh\n", 10, 0755) == 0);

        snprintf(cmd, sizeof(cmd), "%s/ks-web.container", q);
        CHECK(write_file_atomic(cmd, kitchen_sink, sizeof(kitchen_sink) - 1, 0644) == 0);
        snprintf(cmd, sizeof(cmd), "%s/ks-data.volume", q);
        CHECK(write_file_atomic(cmd, ks_volume, sizeof(ks_volume) - 1, 0644) == 0);
        snprintf(cmd, sizeof(cmd), "%s/ks-base.image", q);
        CHECK(write_file_atomic(cmd, ks_image, sizeof(ks_image) - 1, 0644) == 0);
        snprintf(cmd, sizeof(cmd), "%s/ks-net.network", q);
        CHECK(write_file_atomic(cmd, ks_network, sizeof(ks_network) - 1, 0644) == 0);
        snprintf(cmd, sizeof(cmd), "%s/ks-reload@.container", q);
        CHECK(write_file_atomic(cmd, ks_reload, sizeof(ks_reload) - 1, 0644) == 0);
        if (shared) {
                /* The corpus too, when it is there. */
                snprintf(cmd, sizeof(cmd),
                         "cd '%s/quadlet-corpus' 2>/dev/null && for f in *.container *.volume "
                         "*.image *.network *.d; do ln -s \"$PWD/$f\" '%s/'; done",
                         shared, q);
                (void)system(cmd);
        }

        {
                const char *const paths[] = {q, NULL};
                GenTestRun t = {.search_paths = paths, .output_dir = out, .stub = stub};
                (void)gen_test_run(&t); /* some corpus files fail by design */
        }

        snprintf(cmd, sizeof(cmd), "%s/ks-web.service", out);
        CHECK(access(cmd, F_OK) == 0);
        snprintf(cmd, sizeof(cmd), "%s/ks-net-network.service", out);
        CHECK(access(cmd, F_OK) == 0);

        snprintf(cmd, sizeof(cmd), "cd '%s' && find . -maxdepth 1 -name '*.service' -type f", out);
        p = popen(cmd, "r");
        CHECK(p);
        while (fgets(line, sizeof(line), p)) {
                line[strcspn(line, "\n")] = 0;
                strbuf_printf(&units, " '%s'", line);
                n_units++;
        }
        pclose(p);
        CHECK(n_units > 3);

        snprintf(cmd, sizeof(cmd),
                 "cd '%s' && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "
                 "--generators=no%s 2>&1",
                 out, units.s);
        p = popen(cmd, "r");
        CHECK(p);
        while (fgets(line, sizeof(line), p)) {
                line[strcspn(line, "\n")] = 0;
                if (from_declaration(line)) {
                        char *u = strrchr(line, '/');
                        own++;
                        printf("declaration's own: %s\n", line);
                        if (u) {
                                u[strcspn(u, ":")] = 0;
                                (void)strv_extend(&bad_units, u + 1);
                        }
                        continue;
                }
                {
                        /* The follow-ups of a declaration's own fatal line. */
                        bool follow = false;
                        STRV_FOREACH (b, bad_units)
                                if (strstr(line, *b) && (strstr(line, "fatal error") ||
                                                         strstr(line, "bad unit file setting")))
                                        follow = true;
                        if (follow)
                                continue;
                }
                fprintf(stderr, "FAIL: %s\n", line);
                failures++;
        }
        pclose(p);
        printf("systemd-analyze verify: %u units, %u complaints about the declarations' own "
               "lines, %u about berth's\n",
               n_units, own, failures);
        fflush(stdout);
        return failures ? 1 : 0;
}
