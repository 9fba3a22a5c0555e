# shellcheck shell=bash
# Shared by the networking integration tests: a real systemd in the harness,
# a loopback registry with a busybox image, and declared containers on berth
# networks. The harness's network namespace plays the host: berth's bridge,
# veths and nftables table live there and vanish with it. "Other hosts" are
# network namespaces the test makes inside the harness, joined to it by a
# veth pair on a documentation subnet. Source after `set -euo pipefail`.
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"

REG=127.0.0.1:5000
IMAGE=$REG/test/busybox:1
NET_RUN_DIR=$(conf BERTH_RUNDIR)/network

net_require() {
        declared_require
        local t
        for t in ip nft busybox; do
                command -v "$t" >/dev/null || harness_skip "$t is not installed"
        done
        meson introspect --installed "$BUILD_DIR" | grep -q '/berth-netns"' ||
                harness_skip "this build installs no berth-netns"
}

# Boots the harness, starts the registry and pushes the busybox image, and
# pulls it once, so that the tests' timings are networking, not pulls.
net_boot() {
        declared_boot
        declared_registry "$IMAGE" >/dev/null
        harness_run timeout 120 berthctl pull -q "$IMAGE" >/dev/null ||
                fail "could not pull $IMAGE from the harness's registry"
}

# declare_container NAME [KEY=VALUE...]: NAME.container running IMAGE with
# the given [Container] keys, one per argument.
declare_container() {
        local name=$1
        shift
        {
                printf '[Container]\nImage=%s\n' "$IMAGE"
                printf '%s\n' "$@"
        } | declare_file "$name.container"
}

# A container command that serves $1 over HTTP on port ${2:-80} and stops
# cleanly on SIGTERM (a shell as PID 1 ignores signals it has no trap for).
httpd_exec() {
        printf "Exec=sh -c 'mkdir -p /www && echo %s >/www/index.html && httpd -p %s -h /www && trap \"exit 0\" TERM && while :; do sleep 1 & wait; done'" \
                "$1" "${2:-80}"
}
# A container command that only waits, and stops cleanly on SIGTERM.
# shellcheck disable=SC2034 # used by the tests
IDLE_EXEC="Exec=sh -c 'trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'"

# start_unit UNIT...: systemctl start, with the unit's status on failure.
start_unit() {
        local u
        harness_run timeout 120 systemctl start "$@" && return 0
        for u in "$@"; do
                harness_run systemctl status --no-pager -n 30 "$u" >&2 || true
        done
        fail "systemctl start $* failed"
}

# main_pid UNIT: the container init's PID (in the harness's PID namespace).
main_pid() {
        local pid
        pid=$(harness_run systemctl show -p MainPID --value "$1")
        if [ -z "$pid" ] || [ "$pid" = 0 ]; then
                fail "$1 has no main PID"
        fi
        echo "$pid"
}

# in_ctr UNIT CMD...: runs CMD in UNIT's container (berth-runtime exec: its
# namespaces, root, user and environment).
in_ctr() {
        local unit=$1 pid
        shift
        pid=$(main_pid "$unit") || return 1
        harness_run "$HARNESS_BERTH_RUNTIME" exec --pid "$pid" -- "$@"
}

# fetch WHERE URL: an HTTP GET with busybox wget, retried for up to 15 s
# while a server comes up. WHERE is "host" (the harness), "netns:NS" (a
# test-made namespace) or a container's UNIT. Prints the body.
fetch() {
        local where=$1 url=$2 start=$SECONDS
        # busybox's timeout and wget, on the host and in the image alike.
        local cmd=(busybox timeout 5 busybox wget -q -O - "$url")
        while :; do
                case "$where" in
                host) harness_run "${cmd[@]}" 2>/dev/null && return 0 ;;
                netns:*) harness_run ip netns exec "${where#netns:}" "${cmd[@]}" 2>/dev/null && return 0 ;;
                *) in_ctr "$where" "${cmd[@]}" 2>/dev/null && return 0 ;;
                esac
                [ $((SECONDS - start)) -lt 15 ] || return 1
                sleep 0.2
        done
}

# other_host NS PREFIX: a network namespace NS standing in for another host,
# linked to the harness by a veth pair: harness side PREFIX.1/24, NS side
# PREFIX.2/24. With ROUTE=1, NS's default route goes via PREFIX.1.
other_host() {
        local ns=$1 prefix=$2
        # shellcheck disable=SC2016 # expanded inside
        harness_sh '
                set -e
                ip netns add "$1"
                ip link add "h-$1" type veth peer name "o-$1" netns "$1"
                ip addr add "$2.1/24" dev "h-$1"
                ip link set "h-$1" up
                ip -n "$1" link set lo up
                ip -n "$1" addr add "$2.2/24" dev "o-$1"
                ip -n "$1" link set "o-$1" up
                if [ "$3" = 1 ]; then ip -n "$1" route add default via "$2.1"; fi' \
                "$ns" "$prefix" "${ROUTE:-0}" || fail "could not set up namespace $ns"
}

# The state berth may leave behind on the host: links by name and
# administrative flags, addresses, the whole nftables rule set and berth's
# allocation files. Carrier flags settle asynchronously and are no state
# berth sets; the lock file stays on purpose.
net_snapshot() {
        # shellcheck disable=SC2016 # expanded inside
        harness_sh '
                nft list ruleset
                echo "-- links"
                ip -o link | sed -E "s/^[0-9]+: ([^:@]+)[^<]*<([^>]*)>.*/\1 \2/; s/,?(LOWER_UP|NO-CARRIER|M-DOWN)//g"
                echo "-- addresses"
                ip -br addr | sed "s/@[^ ]*//" | awk "{\$2=\"\"; print}"
                echo "-- allocations"
                if [ -d "$1" ]; then find "$1" -type f ! -name lock | sort; fi' "$NET_RUN_DIR"
}

# net_baseline: records the state the test must return to in $NET_BEFORE.
net_baseline() {
        NET_BEFORE=$HARNESS_DIR/before
        net_snapshot >"$NET_BEFORE"
}

# assert_same_state BEFORE-FILE WHAT: the state now equals BEFORE-FILE.
assert_same_state() {
        local now
        now=$(mktemp "$HARNESS_DIR/state.XXXXXX")
        net_snapshot >"$now"
        diff -u "$1" "$now" >&2 || fail "$2: links, addresses, rules or allocations differ from before"
}

# wait_journal UNIT TEXT [TIMEOUT]: until UNIT's journal has a line with TEXT.
wait_journal() {
        # shellcheck disable=SC2016 # expanded inside
        harness_wait "${3:-30}" sh -c 'journalctl --sync; journalctl -u "$1" -o cat | grep -qF -- "$2"' sh "$1" "$2"
}
