#!/bin/bash
# Network=none gives a container only lo (up, no other link), and so does
# a .container without Network=; Network=host shows exactly the host's
# links, including one the test adds. Neither touches berth's bridge, rules
# or allocations.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

# A link only the host has, so that "the host's interfaces" means something.
harness_run ip link add berth-probe0 type veth peer name berth-probe1 || fail "cannot add a veth pair"
harness_run ip link set berth-probe0 up
before=$HARNESS_DIR/before
net_snapshot >"$before"

declare_container isolated Network=none "$IDLE_EXEC"
declare_container plain "$IDLE_EXEC"
declare_container hostnet Network=host "$IDLE_EXEC"
harness_run systemctl daemon-reload
start_unit isolated.service plain.service hostnet.service

links() { sed -E 's/^[0-9]+: ([^:@]+).*/\1/' | sort | tr '\n' ' '; }
for u in isolated plain; do
        out=$(in_ctr "$u.service" ip -o link) || fail "ip link in $u failed"
        [ "$(links <<<"$out")" = "lo " ] || fail "$u: links other than lo: $out"
        [[ $out == *"<LOOPBACK,UP,LOWER_UP>"* ]] || fail "$u: lo is not up: $out"
        out=$(in_ctr "$u.service" ip -4 -o addr) || fail "ip addr in $u failed"
        [[ $out == *"lo"*"inet 127.0.0.1/8"* && $out != *eth0* ]] || fail "$u: unexpected addresses: $out"
done

host=$(harness_run ip -o link | links)
out=$(in_ctr hostnet.service ip -o link) || fail "ip link in hostnet failed"
[ "$(links <<<"$out")" = "$host" ] || fail "Network=host shows '$(links <<<"$out")', the host has '$host'"
[[ $host == *berth-probe0* ]] || fail "the host's links lack berth-probe0: $host"
# The same namespace, not a copy: both see the same inode.
hostns=$(harness_run readlink /proc/1/ns/net)
ctrns=$(harness_run readlink "/proc/$(main_pid hostnet.service)/ns/net")
[ "$hostns" = "$ctrns" ] || fail "Network=host runs in $ctrns, the host is $hostns"

assert_same_state "$before" "while none, plain and host containers run"
harness_run systemctl stop isolated.service plain.service hostnet.service
assert_same_state "$before" "after the stops"
echo ok
