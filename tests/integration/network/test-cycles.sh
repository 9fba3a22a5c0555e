#!/bin/bash
# 50 systemctl start/stop cycles of a declared bridge container with
# published ports (25 alone on the bridge, so that the bridge and berth's
# table come and go each time, and 25 beside another container, so that
# only its own elements do), then a kill -9 of a container's init with
# Restart=no: ExecStopPost= cleans up. Afterwards the nftables rule set,
# links, addresses and berth's allocations equal the state before.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

net_baseline

declare_container web "$(httpd_exec cycling)" PublishPort=18080:80 PublishPort=127.0.0.1:18081:81/udp
declare_container anchor "$IDLE_EXEC" PublishPort=18000:80
declare_container victim "$(httpd_exec victim)" PublishPort=18082:80 "[Service]" Restart=no
harness_run systemctl daemon-reload

# cycles N: N start/stop cycles of web.service inside the harness (one
# nsenter for all of them); the address must be the same each time.
cycles() {
        # shellcheck disable=SC2016 # expanded inside
        harness_sh '
                for i in $(seq "$1"); do
                        systemctl start web.service || { echo "start $i failed"; exit 1; }
                        a=$(sed -n "s/.*\"address\": *\"\([0-9.]*\)\".*/\1/p" "$2/containers/systemd-web.json")
                        [ "$a" = "$3" ] || { echo "cycle $i: address $a, expected $3"; exit 1; }
                        systemctl stop web.service || { echo "stop $i failed"; exit 1; }
                done' "$1" "$NET_RUN_DIR" "$2"
}

t0=$SECONDS
start_unit web.service
out=$(fetch host http://127.0.0.1:18080/index.html) || fail "the published port does not answer"
[ "$out" = cycling ] || fail "unexpected reply '$out'"
harness_run systemctl stop web.service
cycles 24 10.90.0.2 || fail "cycles alone on the bridge"
assert_same_state "$NET_BEFORE" "after 25 cycles alone"

start_unit anchor.service
with_anchor=$HARNESS_DIR/with-anchor
net_snapshot >"$with_anchor"
cycles 24 10.90.0.3 || fail "cycles beside another container"
start_unit web.service
out=$(fetch host http://127.0.0.1:18080/index.html) || fail "the published port does not answer after 49 cycles"
[ "$out" = cycling ] || fail "unexpected reply '$out'"
harness_run systemctl stop web.service
echo "50 start/stop cycles (with 2 fetches and 2 snapshots) took $((SECONDS - t0)) s" >&2
assert_same_state "$with_anchor" "after 25 cycles beside another container"

# kill -9 of the init: the unit fails, ExecStopPost= detaches.
start_unit victim.service
out=$(fetch host http://127.0.0.1:18082/index.html) || fail "victim's published port does not answer"
pid=$(main_pid victim.service)
harness_run kill -9 "$pid"
# shellcheck disable=SC2016 # expanded inside
harness_wait 30 sh -c '[ "$(systemctl show -p ActiveState --value victim.service)" = failed ]' ||
        fail "victim.service did not fail after kill -9: $(harness_run systemctl status --no-pager victim.service || true)"
restarts=$(harness_run systemctl show -p NRestarts --value victim.service)
[ "$restarts" = 0 ] || fail "victim.service restarted ($restarts) despite Restart=no"
assert_same_state "$with_anchor" "after kill -9 and ExecStopPost="
if harness_run busybox timeout 3 busybox wget -q -O - http://127.0.0.1:18082/ 2>/dev/null; then
        fail "the killed container's port still answers"
fi
harness_run systemctl reset-failed victim.service

harness_run systemctl stop anchor.service
assert_same_state "$NET_BEFORE" "after all stops"
echo ok
