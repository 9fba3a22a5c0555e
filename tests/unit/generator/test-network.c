/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Networks in declarations: a .network file becomes NAME-network.service
 * running berth-netns create (checked against a golden unit), and a
 * container's Network= and network keys become berth-runtime's options,
 * the default bridge when Network= is not set. Bad values fail the one
 * file, naming the file, the line and the key. */
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

/* The golden network unit: every [Network] key berth honours. */
static const char app_network[] = "[Network]\n"
                                  "Subnet=10.91.0.0/24\n"
                                  "Gateway=10.91.0.1\n"
                                  "IPRange=10.91.0.128/25\n"
                                  "Internal=yes\n"
                                  "Options=mtu=1450\n"
                                  "Label=tier=back \"owner=ops team\"\n"
                                  "DNS=192.0.2.53\n"
                                  "InterfaceName=appbr0\n"
                                  "Driver=bridge\n"
                                  "IPv6=no\n";

/* What berth adds after the declaration's own lines (as [X-Network]). */
static const char app_golden_fmt[] =
    "\n"
    "[Unit]\n"
    "Wants=network-online.target\n"
    "After=network-online.target\n"
    "SourcePath=%s/app.network\n"
    "RequiresMountsFor=/var/lib/berth\n"
    "\n"
    "[Service]\n"
    "Type=oneshot\n"
    "RemainAfterExit=yes\n"
    "SyslogIdentifier=%%N\n"
    "ExecStart=/usr/libexec/berth/berth-netns create systemd-app --subnet 10.91.0.0/24 "
    "--gateway 10.91.0.1 --ip-range 10.91.0.128/25 --interface-name appbr0 --internal "
    "--option mtu=1450 --label tier=back --label \"owner=ops team\" --dns 192.0.2.53\n";

/* file, contents, the error it must give (file:line: Key: …) */
static const char *const bad_networks[][3] = {
    {"bad-driver.network", "[Network]\nDriver=macvlan\n",
     "bad-driver.network:2: Driver: not supported by berth: Driver macvlan"},
    {"bad-subnet.network", "[Network]\nSubnet=10.1.2/24\n",
     "bad-subnet.network:2: Subnet: '10.1.2/24' is not an IPv4 subnet"},
    {"bad-subnet6.network", "[Network]\nSubnet=fd00::/64\n",
     "bad-subnet6.network:2: Subnet: not supported by berth: IPv6 subnet"},
    {"bad-two-subnets.network", "[Network]\nSubnet=10.1.0.0/24\nSubnet=10.2.0.0/24\n",
     "bad-two-subnets.network:3: Subnet: not supported by berth: a second subnet"},
    {"bad-gateway.network", "[Network]\n\nGateway=10.1.0.1\n",
     "bad-gateway.network:3: Gateway: cannot set gateway or range without subnet"},
    {"bad-gateway2.network", "[Network]\nSubnet=10.1.0.0/24\nGateway=10.1.0.x\n",
     "bad-gateway2.network:3: Gateway: '10.1.0.x' is not an IPv4 address"},
    {"bad-range.network", "[Network]\nSubnet=10.1.0.0/24\nIPRange=10.1.0.9-nope\n",
     "bad-range.network:3: IPRange: '10.1.0.9-nope' is not an IPv4 range"},
    {"bad-option.network", "[Network]\nOptions=isolate=true\n",
     "bad-option.network:2: Options: not supported by berth: option 'isolate=true'"},
    {"bad-mtu.network", "[Network]\nOptions=mtu=9\n",
     "bad-mtu.network:2: Options: 'mtu=9': the MTU must be 68-65535"},
    {"bad-ipv6.network", "[Network]\nIPv6=yes\n",
     "bad-ipv6.network:2: IPv6: not supported by berth: IPv6 networks"},
    {"bad-internal.network", "[Network]\nInternal=perhaps\n",
     "bad-internal.network:2: Internal: not a boolean: 'perhaps'"},
    {"bad-name.network", "[Network]\nNetworkName=host\n",
     "bad-name.network:2: NetworkName: 'host' is not a valid network name"},
    {"bad-name2.network", "[Network]\nNetworkName=a/b\n",
     "bad-name2.network:2: NetworkName: 'a/b' is not a valid network name"},
    {"bad-ifname.network", "[Network]\nInterfaceName=a-very-long-bridge-name\n",
     "bad-ifname.network:2: InterfaceName: 'a-very-long-bridge-name' is not an interface name"},
    {"bad-label.network", "[Network]\nLabel=novalue\n",
     "bad-label.network:2: Label: 'novalue' is not KEY=VALUE"},
    {"bad-dns.network", "[Network]\nDNS=dns.example\n",
     "bad-dns.network:2: DNS: 'dns.example' is not an IP address"},
    {"bad-ipam.network", "[Network]\nIPAMDriver=dhcp\n",
     "bad-ipam.network:2: IPAMDriver: not supported by berth: IPAMDriver dhcp"},
    {"bad-podman.network", "[Network]\nPodmanArgs=--foo\n",
     "bad-podman.network:2: PodmanArgs: not supported by berth"},
};

/* Containers whose network keys cannot be honoured. */
static const char *const bad_containers[][3] = {
    {"bad-none.container", "[Container]\nImage=localhost/web\nNetwork=none\nPublishPort=80\n",
     "bad-none.container:4: PublishPort: PublishPort= needs a network, not Network=none"},
    {"bad-missing.container", "[Container]\nImage=localhost/web\nNetwork=other.network\n",
     "bad-missing.container:3: Network: requested Quadlet network other.network was not found"},
    {"bad-two.container",
     "[Container]\nImage=localhost/web\nNetwork=app.network\nNetwork=backend\n",
     "bad-two.container:4: Network: berth joins one network per container: Network=backend and "
     "Network=app.network"},
    {"bad-share.container", "[Container]\nImage=localhost/web\nNetwork=container:db\n",
     "bad-share.container:3: Network: not supported by berth: Network=container:db (joining "
     "another container's network namespace)"},
    {"bad-opts.container", "[Container]\nImage=localhost/web\nNetwork=backend:ip=10.1.0.5\n",
     "bad-opts.container:3: Network: not supported by berth: network options"},
    {"bad-netname.container", "[Container]\nImage=localhost/web\nNetwork=back/end\n",
     "bad-netname.container:3: Network: 'back/end' is not a network"},
    {"bad-alias.container", "[Container]\nImage=localhost/web\nNetworkAlias=x\n",
     "bad-alias.container:3: NetworkAlias: not supported yet"},
};

int main(void)
{
        char tmpl[] = "/tmp/berth-gen-net-XXXXXX", q[4096], out[4096], err[4096];
        _cleanup_free_ char *web = NULL, *ports = NULL, *plain = NULL, *errors = NULL, *app = NULL,
                            *golden = NULL, *joined = NULL, *named = NULL, *tmpl_net = NULL,
                            *inst = NULL, *del = NULL, *byname = NULL, *priv = NULL, *host = NULL,
                            *reset = NULL, *named_ct = NULL;
        const char *const paths[] = {q, NULL};
        GenTestRun t = {.search_paths = paths, .output_dir = out, .stderr_path = err};
        size_t len;

        CHECK(gen_test_mkdtemp(tmpl));
        snprintf(q, sizeof(q), "%s/q", tmpl);
        snprintf(out, sizeof(out), "%s/out", tmpl);
        snprintf(err, sizeof(err), "%s/err", tmpl);
        CHECK(mkdir(q, 0755) == 0 && mkdir(out, 0755) == 0);

        /* .network declarations */
        put(q, "app.network", app_network);
        put(q, "named.network", "[Network]\nNetworkName=backend\nDisableDNS=yes\nFoo=bar\n");
        put(q, "pool@.network", "[Network]\n");
        put(q, "gone.network", "[Network]\nNetworkDeleteOnStop=yes\n");
        for (size_t i = 0; i < ELEMENTSOF(bad_networks); i++)
                put(q, bad_networks[i][0], bad_networks[i][1]);

        /* containers */
        put(q, "web.container",
            "[Container]\nImage=localhost/web\nNetwork=bridge\n"
            "PublishPort=127.0.0.1:8080:80\nPublishPort=5353:53/udp\nDNS=192.0.2.53\n"
            "DNSSearch=example.test\nDNSOption=ndots:2\nAddHost=db.test:192.0.2.10\n"
            "IP=10.90.0.7\n");
        put(q, "ports.container", "[Container]\nImage=localhost/web\nPublishPort=8081:80\n");
        put(q, "plain.container", "[Container]\nImage=localhost/web\n");
        put(q, "joined.container",
            "[Container]\nImage=localhost/web\nNetwork=app.network\nPublishPort=8082:80\n");
        put(q, "named.container", "[Container]\nImage=localhost/web\nNetwork=named.network\n");
        put(q, "byname.container", "[Container]\nImage=localhost/web\nNetwork=\"backend\"\n");
        put(q, "private.container", "[Container]\nImage=localhost/web\nNetwork=private\n");
        put(q, "host.container", "[Container]\nImage=localhost/web\nNetwork=host\n");
        put(q, "inst@.container", "[Container]\nImage=localhost/web\nNetwork=pool@.network\n");
        /* An empty assignment resets, a repeated value counts once. */
        put(q, "reset.container",
            "[Container]\nImage=localhost/web\nNetwork=none\nNetwork=\nNetwork=app.network\n"
            "Network=app.network\n");
        for (size_t i = 0; i < ELEMENTSOF(bad_containers); i++)
                put(q, bad_containers[i][0], bad_containers[i][1]);

        (void)gen_test_run(&t);
        CHECK_INT(t.n_failed, ELEMENTSOF(bad_networks) + ELEMENTSOF(bad_containers));
        CHECK(read_full_file(err, 1 << 20, &errors, &len) == 0);

        /* the golden network unit */
        app = service(out, "app-network");
        CHECK(app);
        {
                _cleanup_free_ char *tail = NULL;
                CHECK(asprintf(&tail, app_golden_fmt, q) > 0);
                CHECK(asprintf(&golden, "[X-Network]\n%s%s", app_network + strlen("[Network]\n"),
                               tail) > 0);
        }
        if (!streq(app, golden))
                fprintf(stderr, "--- got ---\n%s--- expected ---\n%s", app, golden);
        CHECK(streq(app, golden));

        named = service(out, "named-network");
        CHECK(named && strstr(named, "berth-netns create backend\n"));
        CHECK(strstr(errors, "named.network:3: DisableDNS: berth runs no DNS server"));
        CHECK(strstr(errors, "named.network:4: Foo: unknown key in [Network], ignoring"));
        tmpl_net = service(out, "pool-network@");
        CHECK(tmpl_net && strstr(tmpl_net, "berth-netns create systemd-pool-%i\n"));
        del = service(out, "gone-network");
        CHECK(del && strstr(del, "\nExecStopPost=/usr/libexec/berth/berth-netns remove "
                                 "systemd-gone\n"));
        CHECK(app && !strstr(app, "ExecStop"));

        /* containers */
        web = service(out, "web");
        CHECK(web);
        CHECK(strstr(web, "--network bridge --publish 127.0.0.1:8080:80 --publish 5353:53/udp "
                          "--dns 192.0.2.53 --dns-search example.test --dns-option ndots:2 "
                          "--add-host db.test:192.0.2.10 --ip 10.90.0.7"));
        ports = service(out, "ports");
        CHECK(ports && strstr(ports, "--network bridge --publish 8081:80"));
        /* No Network=: the default bridge, as with Docker and Podman. */
        plain = service(out, "plain");
        CHECK(plain && strstr(plain, " --network bridge"));
        joined = service(out, "joined");
        CHECK(joined && strstr(joined, " --network systemd-app --publish 8082:80"));
        CHECK(strstr(joined, "\nRequires=app-network.service\nAfter=app-network.service\n"));
        named_ct = service(out, "named");
        CHECK(named_ct && strstr(named_ct, " --network backend") &&
              strstr(named_ct, "Requires=named-network.service"));
        byname = service(out, "byname");
        CHECK(byname && strstr(byname, " --network backend") &&
              !strstr(byname, "Requires=named-network.service"));
        priv = service(out, "private");
        CHECK(priv && strstr(priv, " --network bridge"));
        host = service(out, "host");
        CHECK(host && strstr(host, " --network host"));
        inst = service(out, "inst@");
        CHECK(inst && strstr(inst, " --network systemd-pool-%i") &&
              strstr(inst, "Requires=pool-network@%i.service"));
        reset = service(out, "reset");
        CHECK(reset && strstr(reset, " --network systemd-app") && !strstr(reset, "--network none"));

        for (size_t i = 0; i < ELEMENTSOF(bad_networks); i++) {
                _cleanup_free_ char *base =
                    strndup(bad_networks[i][0], strlen(bad_networks[i][0]) - 8);
                char unit[256];

                snprintf(unit, sizeof(unit), "%s-network", base);
                if (!strstr(errors, bad_networks[i][2]))
                        fprintf(stderr, "missing: %s\n", bad_networks[i][2]);
                CHECK(strstr(errors, bad_networks[i][2]));
                CHECK(!service(out, unit));
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_containers); i++) {
                _cleanup_free_ char *base =
                    strndup(bad_containers[i][0], strlen(bad_containers[i][0]) - 10);

                if (!strstr(errors, bad_containers[i][2]))
                        fprintf(stderr, "missing: %s\n", bad_containers[i][2]);
                CHECK(strstr(errors, bad_containers[i][2]));
                CHECK(!service(out, base));
        }
        printf("ok\n");
        return 0;
}
