#!/bin/bash
# Network=none gives a container only lo (up, no other link); Network=host
# shows exactly the host's links, including one the test adds. Neither
# touches berth's bridge, rules or allocations. A .container without
# Network= is on the default bridge.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

# A link only the host has, so that "the host's interfaces" means something.
harness_run ip link add berth-probe0 type veth peer name berth-probe1 || fail "cannot add a veth pair"
harness_run ip link set berth-probe0 up
net_baseline

declare_container isolated Network=none "$IDLE_EXEC"
declare_container plain "$IDLE_EXEC"
declare_container hostnet Network=host "$IDLE_EXEC"
harness_run systemctl daemon-reload
start_unit isolated.service hostnet.service

links() { sed -E 's/^[0-9]+: ([^:@]+).*/\1/' | sort | tr '\n' ' '; }
out=$(in_ctr isolated.service ip -o link) || fail "ip link in isolated failed"
[ "$(links <<<"$out")" = "lo " ] || fail "Network=none: links other than lo: $out"
[[ $out == *"<LOOPBACK,UP,LOWER_UP>"* ]] || fail "Network=none: lo is not up: $out"
out=$(in_ctr isolated.service ip -4 -o addr) || fail "ip addr in isolated failed"
[[ $out == *"lo"*"inet 127.0.0.1/8"* && $out != *eth0* ]] || fail "Network=none: unexpected addresses: $out"

host=$(harness_run ip -o link | links)
out=$(in_ctr hostnet.service ip -o link) || fail "ip link in hostnet failed"
[ "$(links <<<"$out")" = "$host" ] || fail "Network=host shows '$(links <<<"$out")', the host has '$host'"
[[ $host == *berth-probe0* ]] || fail "the host's links lack berth-probe0: $host"
# The same namespace, not a copy: both see the same inode.
hostns=$(harness_run readlink /proc/1/ns/net)
ctrns=$(harness_run readlink "/proc/$(main_pid hostnet.service)/ns/net")
[ "$hostns" = "$ctrns" ] || fail "Network=host runs in $ctrns, the host is $hostns"

assert_same_state "$NET_BEFORE" "while none and host containers run"

start_unit plain.service
out=$(in_ctr plain.service ip -o link) || fail "ip link in plain failed"
[ "$(links <<<"$out")" = "eth0 lo " ] || fail "without Network=: links are $(links <<<"$out")"
out=$(in_ctr plain.service ip -4 -o addr show dev eth0) || fail "ip addr in plain failed"
[[ $out == *" 10.90.0."* ]] || fail "without Network=: not on the default bridge: $out"

harness_run systemctl stop isolated.service plain.service hostnet.service
assert_same_state "$NET_BEFORE" "after the stops"
echo ok
