#!/bin/bash
# Declared networks, as a user would use them: app.network and two
# containers with Network=app.network. Starting the containers starts
# app-network.service first (Requires=, After=); container a reaches b's
# busybox httpd by b's container name; a container without Network= is on
# the default bridge; berthctl run --network -p joins the same network and
# publishes a port. The network's command run again with the same keys
# changes nothing; with a changed subnet it is refused while containers are
# attached. Restarting the unit after editing the file restarts its
# containers too (Requires=), so the new subnet is taken.
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
declared_require
declared_boot

REG=127.0.0.1:5000
declared_registry "$REG/test/busybox:1"

declare_file app.network <<EOF2
[Network]
Subnet=10.92.3.0/24
Gateway=10.92.3.1
Label=purpose=test
EOF2
declare_file b.container <<EOF2
[Container]
Image=$REG/test/busybox:1
ContainerName=b
Network=app.network
Exec=/bin/sh -c 'mkdir -p /www && echo hello-from-b >/www/index.html && exec httpd -f -p 8080 -h /www'
EOF2
declare_file a.container <<EOF2
[Container]
Image=$REG/test/busybox:1
ContainerName=a
Network=app.network
Exec=/bin/sleep 1000
EOF2
declare_file c.container <<EOF2
[Container]
Image=$REG/test/busybox:1
ContainerName=c
Exec=/bin/sleep 1000
EOF2
harness_run systemctl daemon-reload

# --- the generated units ------------------------------------------------------------
unit=$(harness_run systemctl cat app-network.service) || fail "no app-network.service"
grep -q '^ExecStart=.*/berth-netns create systemd-app --subnet 10.92.3.0/24 --gateway 10.92.3.1 --label purpose=test$' <<<"$unit" ||
        fail "unexpected app-network.service: $unit"
grep -q '^Type=oneshot$' <<<"$unit" && grep -q '^RemainAfterExit=yes$' <<<"$unit" ||
        fail "app-network.service is not a oneshot that remains: $unit"
deps=$(harness_run systemctl show -p Requires -p After a.service)
[[ $deps == *app-network.service* ]] || fail "a.service does not require app-network.service: $deps"
[ "$(harness_run systemctl is-active app-network.service || true)" = inactive ] ||
        fail "app-network.service is active before anything asked for it"

# --- start the containers: the network unit comes up first --------------------------------
harness_run timeout 300 systemctl start b.service a.service c.service ||
        fail "start failed: $(harness_run systemctl status --no-pager app-network b a c || true)"
harness_run systemctl is-active --quiet app-network.service || fail "app-network.service is not active"
net_up=$(harness_run systemctl show -p ActiveEnterTimestampMonotonic --value app-network.service)
for u in a b; do
        started=$(harness_run systemctl show -p InactiveExitTimestampMonotonic --value $u.service)
        [ "$net_up" -gt 0 ] && [ "$net_up" -le "$started" ] ||
                fail "$u.service started ($started) before app-network.service was up ($net_up)"
done
harness_run test -f "$STATEDIR/networks/systemd-app.json" || fail "berth-netns create wrote no configuration"
assert_container_main_pid a.service

# The containers' own view, through the init's namespaces (busybox's tools).
in_ct() {
        local pid
        pid=$(harness_run systemctl show -p MainPID --value "$1.service")
        shift
        harness_run nsenter -t "$pid" -a -- "$@"
}
addr=$(in_ct a ip -4 -o addr show dev eth0) || fail "a has no eth0"
[[ $addr == *" 10.92.3."* ]] || fail "a's address is not in app's subnet: $addr"
hosts=$(in_ct a cat /etc/hosts)
grep -qE '^10\.92\.3\.[0-9]+[[:space:]]+b$' <<<"$hosts" || fail "a's /etc/hosts does not list b: $hosts"

# a reaches b by its container name (b's httpd may still be starting). The
# name is in a's /etc/hosts, which is how every libc resolves it. The test
# image's busybox is static and its wget crashes in glibc's NSS without the
# machine's libraries, so a's own nc asks for the address a's hosts file
# gives for "b", and a glibc client (the machine's curl) in a's network
# namespace, with a's /etc/hosts, asks for the name itself.
a_pid=$(harness_run systemctl show -p MainPID --value a.service)
for _ in $(seq 100); do
        out=$(in_ct a sh -c 'ip=$(sed -n "s/^\([0-9.]*\)[[:space:]]*b$/\1/p" /etc/hosts)
                printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 "$ip" 8080' 2>&1) || true
        [[ $out == *hello-from-b* ]] && break
        sleep 0.2
done
if [[ $out != *hello-from-b* ]]; then
        harness_run systemctl status --no-pager b.service >&2 || true
        in_ct a sh -c 'cat /etc/hosts; ip -4 -o addr; ip route' >&2 || true
        fail "a cannot reach b's httpd at the address of b in its /etc/hosts: $out"
fi
# (a copy of a's hosts file: a file of another mount namespace cannot be
# bind-mounted)
out=$(harness_run nsenter -t "$a_pid" -n -- unshare -m sh -c \
        'cp "/proc/$1/root/etc/hosts" /run/hosts.a && mount --bind /run/hosts.a /etc/hosts &&
         curl -sS --max-time 5 http://b:8080/' sh "$a_pid" 2>&1) ||
        fail "a glibc client in a's network namespace cannot reach http://b:8080/: $out"
[ "$out" = hello-from-b ] || fail "http://b:8080/ from a's network namespace answered: $out"
harness_run rm -f /run/hosts.a

# --- berthctl run on the declared network, with a published port ------------------------
harness_run berthctl run -d --name d --network systemd-app -p 127.0.0.1:18080:8080 "$REG/test/busybox:1" \
        sh -c 'mkdir -p /www && echo hello-from-d >/www/index.html && exec httpd -f -p 8080 -h /www' >/dev/null ||
        fail "berthctl run -d --network systemd-app -p failed"
[ "$(harness_run busctl get-property org.berth1 /org/berth1/container/d org.berth1.Container Network)" = 's "systemd-app"' ] ||
        fail "d's Network property is not systemd-app"
for _ in $(seq 100); do
        out=$(harness_run curl -sS --max-time 2 http://127.0.0.1:18080/ 2>&1) && [ "$out" = hello-from-d ] && break
        sleep 0.2
done
[ "$out" = hello-from-d ] || fail "the port d published (127.0.0.1:18080) does not reach its httpd: $out"
hosts=$(in_ct a cat /etc/hosts)
grep -qE '^10\.92\.3\.[0-9]+[[:space:]]+d$' <<<"$hosts" || fail "a's /etc/hosts does not list d: $hosts"
harness_run berthctl rm -f d >/dev/null || fail "berthctl rm -f d failed"

# c, without Network=, is on the default bridge (10.90.0.0/24)
addr=$(in_ct c ip -4 -o addr show dev eth0) || fail "c has no eth0: not on the default bridge"
[[ $addr == *" 10.90.0."* ]] || fail "c's address is not on the default bridge: $addr"

# --- the network's command again, with containers attached: the same keys are
# fine, a changed subnet is refused (the containers would be cut off)
netns=$(conf BERTH_LIBEXECDIR)/berth-netns
harness_run "$netns" create systemd-app --subnet 10.92.3.0/24 --gateway 10.92.3.1 --label purpose=test ||
        fail "berth-netns create with the same keys failed while containers are attached"
if out=$(harness_run "$netns" create systemd-app --subnet 10.92.4.0/24 2>&1); then
        fail "a changed subnet was taken while containers are attached"
fi
[[ $out == *"configuration changed while containers are attached"* ]] ||
        fail "the refused change is not explained: $out"

# --- what a user does: edit the file, reload, restart the network's unit. The
# containers that require it are restarted with it (Requires=), so the new
# subnet is taken and they come back on it.
declare_file app.network <<EOF2
[Network]
Subnet=10.92.4.0/24
EOF2
harness_run systemctl daemon-reload
harness_run timeout 300 systemctl restart app-network.service ||
        fail "restarting app-network.service with a new subnet failed: $(harness_journal -u app-network -o cat || true)"
cfg=$(harness_run cat "$STATEDIR/networks/systemd-app.json")
[[ $cfg == *'"subnet": "10.92.4.0/24"'* ]] || fail "the new subnet was not recorded: $cfg"
harness_wait 60 systemctl is-active --quiet a.service b.service || fail "a and b did not come back"
addr=$(in_ct a ip -4 -o addr show dev eth0) || fail "a has no eth0 after the restart"
[[ $addr == *" 10.92.4."* ]] || fail "a is not on the new subnet: $addr"
addr=$(in_ct c ip -4 -o addr show dev eth0) || fail "c lost its eth0"
[[ $addr == *" 10.90.0."* ]] || fail "c (default bridge) moved: $addr"

harness_run timeout 120 systemctl stop a.service b.service c.service || fail "stop failed"
links=$(harness_run ip -o link show)
if grep -q ' vb' <<<"$links"; then
        fail "veths remain after the containers stopped: $links"
fi
echo ok
