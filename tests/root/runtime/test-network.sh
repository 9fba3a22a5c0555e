#!/bin/bash
# berth-runtime run --network none|host|bridge, --publish and cleanup.
#
# The test re-executes itself in a new network namespace that plays the
# host: the bridge, the veths and berth's nftables table live there and go
# with it, so the real host's network is never touched.
set -eu
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for tool in unshare ip nft; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
if [ -z "${BERTH_RT_NET_INNER:-}" ]; then
        BERTH_RT_NET_INNER=1 exec unshare --net -- "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
ip link set lo up

NETRUN=$TMP/netrun
STORE=$TMP/store
PORT=18080
CT_PID=

net_ct() { # net_ct NAME [OPTIONS] -- CMD...
        local name=$1
        shift
        "$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer-$name" --store "$STORE" \
                --network-run-dir "$NETRUN" --name "$name" "$@"
}
links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
table() { nft list table ip berth 2>/dev/null | grep -v '^\s*$' || true; }

stop_ct() {
        local rt c
        if [ -n "$CT_PID" ]; then
                # httpd as PID 1 ignores SIGTERM: kill the container's init,
                # and the runtime (the child of the net_ct subshell) follows.
                for rt in $(cat /proc/"$CT_PID"/task/*/children 2>/dev/null); do
                        for c in $(cat /proc/"$rt"/task/*/children 2>/dev/null); do
                                kill -9 "$c" 2>/dev/null || true
                        done
                done
                wait "$CT_PID" 2>/dev/null || true
                CT_PID=
        fi
}
trap 'r=$?; stop_ct; (exit $r); cleanup' EXIT INT TERM

mkdir -p "$ROOTFS/www"
echo "hello from berth" >"$ROOTFS/www/index.html"
ln -sf busybox "$ROOTFS/bin/httpd"
ln -sf busybox "$ROOTFS/bin/ip"

# --network none (and no --network): only lo
out=$(net_ct none1 --network none -- /bin/busybox ip -o link show | awk -F': ' '{print $2}')
check_eq "$out" "lo" "--network none interfaces"
out=$(net_ct none2 -- /bin/busybox ip -o link show | awk -F': ' '{print $2}')
check_eq "$out" "lo" "default network interfaces"

# --network host: the (stand-in) host's interfaces
ip link add bt-host0 type veth peer name bt-host1
out=$(net_ct host1 --network host -- /bin/busybox ip -o link show)
check_contains "$out" "bt-host0" "--network host interfaces"
ip link del bt-host0

# network options without a network are refused as invalid arguments
rc=0
net_ct bad1 --network none --publish 8080:80 -- true 2>"$TMP/err" || rc=$?
check_eq "$rc" 2 "--publish with --network none exit code"
rc=0
net_ct bad2 --network 'no/such' -- true 2>"$TMP/err" || rc=$?
check_eq "$rc" 2 "--network with an invalid name"
# an unknown network fails the start and leaves nothing behind
rc=0
net_ct bad3 --network nosuchnet -- true 2>"$TMP/err" || rc=$?
check_eq "$rc" 1 "--network with an unknown network"

links_before=$(links)
table_before=$(table)

# --network bridge with a published port: busybox httpd answers on 127.0.0.1
net_ct web --network bridge --publish "127.0.0.1:$PORT:80" --dns 192.0.2.53 \
        --add-host db.test:192.0.2.10 --hostname webhost \
        -- /bin/busybox httpd -f -p 80 -h /www </dev/null >"$TMP/web.log" 2>&1 &
CT_PID=$!
got=
for _ in $(seq 100); do
        got=$(timeout 3 busybox wget -q -O - "http://127.0.0.1:$PORT/index.html" 2>/dev/null) && break
        kill -0 "$CT_PID" 2>/dev/null || fail "the container exited before serving"
        sleep 0.1
done
[ "$got" = "hello from berth" ] || { cat "$TMP/web.log"; nft list ruleset; fail "fetch through the published port: got '$got'"; }

# the container sees berth's /etc files and eth0
# CT_PID is the subshell running net_ct; its child is the runtime
rt=$(cat /proc/"$CT_PID"/task/*/children | awk '{print $1}')
cpid=$(cat /proc/"$rt"/task/*/children | awk '{print $1}')
[ -n "$cpid" ] || fail "no container init below the runtime"
check_contains "$(cat /proc/"$cpid"/root/etc/resolv.conf)" "nameserver 192.0.2.53" "resolv.conf"
check_contains "$(cat /proc/"$cpid"/root/etc/hosts)" "db.test" "hosts"
check_eq "$(cat /proc/"$cpid"/root/etc/hostname)" "webhost" "hostname file"
check_contains "$(nsenter -t "$cpid" -n ip -o link show)" "eth0" "eth0 inside"
[ "$(links)" != "$links_before" ] || fail "no veth on the host while attached"

# cleanup detaches: the veth and the port's rules go
"$RUNTIME" cleanup --name web --store "$STORE" --network-run-dir "$NETRUN" --upper "$TMP/layer-web"
after=$(links | grep -v '^berth' || true)
check_eq "$after" "$(echo "$links_before" | grep -v '^berth' || true)" "links after cleanup"
table_after=$(table)
if printf '%s\n' "$table_after" | grep -q "$PORT"; then
        fail "published port still in nftables after cleanup: $table_after"
fi
if timeout 2 busybox wget -q -O - "http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1; then
        fail "the port still answers after cleanup"
fi
# a second cleanup (no longer attached) is a no-op
"$RUNTIME" cleanup --name web --store "$STORE" --network-run-dir "$NETRUN" --upper "$TMP/layer-web"
stop_ct

# a foreground run detaches itself when the container exits
out=$(net_ct fg --network bridge -- /bin/busybox ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//')
check_contains "$out" "eth0" "bridge container interfaces"
after=$(links | grep -v '^berth' || true)
check_eq "$after" "$(echo "$links_before" | grep -v '^berth' || true)" "links after a foreground run"
[ -z "$(ls "$NETRUN/containers" 2>/dev/null || true)" ] || fail "records left: $(ls "$NETRUN/containers")"

# a volume on one of the network's /etc files wins over it, as with Docker;
# the others still come from the network
echo "nameserver 192.0.2.99" >"$TMP/my-resolv.conf"
out=$(net_ct vol --network bridge --volume "$TMP/my-resolv.conf:/etc//resolv.conf:ro" -- \
        /bin/busybox sh -c 'cat /etc/resolv.conf; cat /etc/hostname')
check_contains "$out" "nameserver 192.0.2.99" "a user volume on /etc/resolv.conf"
check_contains "$out" "vol" "the network's /etc/hostname beside a user volume"

# cleanup of a container that never had a network does not set anything up
"$RUNTIME" cleanup --name none1 --store "$STORE" --network-run-dir "$TMP/never" --upper "$TMP/layer-none1"
[ ! -e "$TMP/never" ] || fail "cleanup created the network run dir"
echo "OK"
