# Shared setup of the network root tests (sourced).
#
# Each test re-executes itself in a new network namespace that plays the
# host: berth's bridge, veths, sysctls and nftables table all live there and
# vanish with it, so the real host's network is never touched and parallel
# runs cannot collide. "Containers" are `unshare --net` processes; "other
# hosts" are namespaces joined to the stand-in host by a veth pair with a
# documentation subnet (192.0.2.0/24, 198.51.100.0/24). No packet leaves these
# namespaces.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (network namespaces, nftables)"
        exit 77
fi
for tool in unshare nsenter ip nft busybox; do
        if ! command -v "$tool" >/dev/null; then
                echo "SKIP: $tool is not installed"
                exit 77
        fi
done
if [ -z "${BERTH_NET_TEST_INNER:-}" ]; then
        BERTH_NET_TEST_INNER=1 exec unshare --net -- "$0" "$@"
fi

BUILD_DIR=${BUILD_DIR:?BUILD_DIR must point at the build tree}
NETNS=$BUILD_DIR/runtime/network/berth-netns
T=$(mktemp -d /tmp/berth-net-test.XXXXXX)
PIDS=()
TABLE=berth_t$$
BRIDGE=bt$$

cleanup() {
        local rc=$?
        for p in "${PIDS[@]}"; do
                kill -9 "$p" 2>/dev/null || true
        done
        wait 2>/dev/null || true
        rm -rf "$T"
        exit $rc
}
trap cleanup EXIT INT TERM

ip link set lo up
printf 'nameserver 192.0.2.53\nsearch example.test\n' >"$T/resolv.conf"
printf 'nameserver 127.0.0.53\n' >"$T/stub-resolv.conf"
printf 'nameserver 198.51.100.53\n' >"$T/resolved.conf"

# berth-netns with every path under the test's directory
bn() {
        "$NETNS" --run-dir "$T/run" --state-dir "$T/state" --table "$TABLE" \
                --default-interface "$BRIDGE" --resolv-conf "${RESOLV_CONF:-$T/resolv.conf}" \
                --resolved-conf "$T/resolved.conf" "$@"
}

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# start_container: a process in new network and mount namespaces (its /etc
# files become berth's with bind_etc). Sets PID (not via $(), so that the
# cleanup sees every process started).
start_container() {
        unshare --net --mount --propagation private sleep 1000000 </dev/null >/dev/null 2>&1 &
        local pid=$!
        PIDS+=("$pid")
        PID=$pid
        # unshare has exec'd sleep once the namespace differs from ours
        for _ in $(seq 100); do
                [ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
                sleep 0.02
        done
}

attach() { # attach NAME PID [berth-netns attach options]
        local name=$1 pid=$2
        shift 2
        bn attach --container "$name" --pid "$pid" "$@" >"$T/$name.json"
}

# Bind the files berth wrote onto the container's /etc, as the runtime does.
bind_etc() { # bind_etc NAME PID
        local name=$1 pid=$2 f
        for f in hosts resolv.conf hostname; do
                nsenter -t "$pid" -m mount --bind "$T/run/containers/$name/$f" "/etc/$f"
        done
}

in_ctr() { # in_ctr PID CMD...: run in the container's namespaces
        local pid=$1
        shift
        nsenter -t "$pid" -n -m "$@"
}

# httpd serving "$2" as /index.html inside namespace of pid $1 on port $3
serve() {
        local pid=$1 text=$2 port=$3 dir
        dir=$(mktemp -d "$T/www.XXXXXX")
        echo "$text" >"$dir/index.html"
        nsenter -t "$pid" -n busybox httpd -f -p "$port" -h "$dir" </dev/null >/dev/null 2>&1 &
        PIDS+=("$!")
}

# fetch PID URL: wget from inside pid's namespaces (or the host with PID=-),
# retrying while a server starts.
fetch() {
        local pid=$1 url=$2 i
        for i in $(seq 30); do
                if [ "$pid" = - ]; then
                        timeout 3 busybox wget -q -O - "$url" 2>/dev/null && return 0
                else
                        in_ctr "$pid" timeout 3 busybox wget -q -O - "$url" 2>/dev/null && return 0
                fi
                sleep 0.1
        done
        return 1
}

# other_host NAME SUBNET_PREFIX: a namespace linked to the stand-in host by a
# veth pair, host side .1, other side .2, default route to the host. Sets PID.
other_host() {
        local name=$1 prefix=$2 pid
        start_container
        pid=$PID
        ip link add "h$name" type veth peer name "o$name" netns "/proc/$pid/ns/net"
        ip addr add "$prefix.1/24" dev "h$name"
        ip link set "h$name" up
        nsenter -t "$pid" -n ip link set lo up
        nsenter -t "$pid" -n ip addr add "$prefix.2/24" dev "o$name"
        nsenter -t "$pid" -n ip link set "o$name" up
        nsenter -t "$pid" -n ip route add default via "$prefix.1"
}

snapshot() {
        {
                nft list ruleset
                ip -br link | sed 's/@[^ ]*//' | awk '{print $1, $2}'
                ip -br addr
        } >"$1"
}

json_field() { # json_field FILE KEY
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}
