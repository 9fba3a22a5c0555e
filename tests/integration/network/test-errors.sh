#!/bin/bash
# Bad network declarations fail the container's start with an error that
# names the key and the value, in `systemctl status` and the journal, and
# leave nothing set up half-way (no veth, no bridge, no nftables rule, no
# address or port allocation): a malformed PublishPort=, a host port some
# other process listens on, an exhausted subnet, an unknown network.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

# expect_start_failure UNIT TEXT BASELINE: starting UNIT fails, its status
# shows TEXT, and the state equals BASELINE (a net_snapshot file).
expect_start_failure() {
        local unit=$1 text=$2 baseline=$3 status state
        if harness_run timeout 60 systemctl start "$unit" 2>/dev/null; then
                fail "$unit started despite a bad declaration ($text)"
        fi
        harness_run journalctl --sync
        status=$(harness_run systemctl status --no-pager -n 40 "$unit" 2>&1) || true
        [[ $status == *"$text"* ]] || fail "systemctl status $unit does not say '$text':
$status"
        echo "$unit: $(grep -F -- "$text" <<<"$status" | head -1)" >&2
        state=$(harness_run systemctl show -p ActiveState --value "$unit")
        [ "$state" = failed ] || fail "$unit is $state after a failed start, not failed"
        assert_same_state "$baseline" "after the failed start of $unit"
        harness_run systemctl reset-failed "$unit"
}

net_baseline

# A malformed PublishPort= (and a good one before it, which must not stay),
# and a network that does not exist.
declare_container badport "$IDLE_EXEC" PublishPort=18080:80 PublishPort=8080:80/sctp
declare_container unknown "$IDLE_EXEC" Network=nosuch PublishPort=18083:80
harness_run systemctl daemon-reload
expect_start_failure badport.service "PublishPort=8080:80/sctp" "$NET_BEFORE"
expect_start_failure unknown.service "Network=nosuch" "$NET_BEFORE"

# A host port another process listens on.
harness_run systemd-run --quiet --unit=squatter busybox httpd -f -p 18085 -h /tmp
harness_wait 15 bash -c "exec 3<>/dev/tcp/127.0.0.1/18085" || fail "the test's listener on 18085 did not come up"
net_snapshot >"$HARNESS_DIR/squatted"
declare_container taken "$IDLE_EXEC" PublishPort=18086:80 PublishPort=18085:80
harness_run systemctl daemon-reload
expect_start_failure taken.service "PublishPort=18085:80: host port 18085/tcp is already in use" \
        "$HARNESS_DIR/squatted"
harness_run systemctl stop squatter.service

# An exhausted subnet: a /30 has room for one container.
printf '[Network]\nSubnet=10.94.0.0/30\nNetworkDeleteOnStop=yes\n' | declare_file tiny.network
declare_container one "$IDLE_EXEC" Network=tiny.network
declare_container two "$IDLE_EXEC" Network=tiny.network PublishPort=18089:80
harness_run systemctl daemon-reload
start_unit one.service
net_snapshot >"$HARNESS_DIR/one"
expect_start_failure two.service "Network=systemd-tiny: no free address left in subnet 10.94.0.0/30" \
        "$HARNESS_DIR/one"
# Once the address is free again, the same declaration starts.
harness_run systemctl stop one.service
start_unit two.service
addr=$(in_ctr two.service ip -4 -o addr show dev eth0) || fail "no eth0 in two"
[[ $addr == *" 10.94.0.2/30 "* ]] || fail "two did not get the freed address: $addr"
harness_run systemctl stop two.service

harness_run systemctl stop tiny-network.service
assert_same_state "$NET_BEFORE" "at the end"
echo ok
