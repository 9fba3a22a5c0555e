#!/bin/bash
# The hand-off to systemd in a real systemd: berth-runtime as a Type=notify
# service makes the container init the unit's main PID and leaves; systemd
# supervises, reaps and restarts it (Restart=on-failure after kill -9);
# with --notify the app's own READY=1 decides; ExecStopPost= cleanup works.
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
harness_require_root

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

probe=$BUILD_DIR/tests/root/runtime/ct-probe
[ -x "$probe" ] || fail "no $probe: build first"
harness_boot
RT=$HARNESS_BERTH_RUNTIME

# A busybox rootfs on the tmpfs /run inside (an overlayfs upper dir cannot
# live on the harness's overlay root).
harness_sh 'set -e
mkdir -p /run/ct/rootfs/bin /run/ct/rootfs/etc
cp /bin/busybox /run/ct/rootfs/bin/
for a in sh sleep echo cat; do ln -s busybox /run/ct/rootfs/bin/$a; done
echo "root:x:0:0:root:/root:/bin/sh" > /run/ct/rootfs/etc/passwd'
harness_copy_in "$probe" /run/ct/rootfs/bin/ct-probe

main_pid() { harness_run systemctl show -p MainPID --value "$1"; }
nrestarts() { harness_run systemctl show -p NRestarts --value "$1"; }

# ---- MAINPID hand-off and restart after kill -9 ------------------------------
harness_run systemd-run --quiet --unit=ct1 -p Type=notify -p NotifyAccess=all \
        -p Restart=on-failure -p RestartSec=100ms \
        -p "ExecStopPost=$RT cleanup --name ct1 --upper /run/ct/layer1 --rm" \
        -p "ExecReload=$RT exec --name ct1 -- /bin/sh -c 'echo reloaded > /reloaded'" \
        "$RT" run --name ct1 --rootfs /run/ct/rootfs --upper /run/ct/layer1 -- \
        /bin/sh -c 'echo container-says-hello; exec sleep 1000'
harness_run systemctl is-active --quiet ct1 || fail "ct1 is not active: $(harness_run systemctl status ct1 || true)"
pid1=$(main_pid ct1)
[ "$pid1" -gt 0 ] || fail "no MainPID"
nspid=$(harness_run grep NSpid: "/proc/$pid1/status")
[[ $nspid =~ [[:space:]]1$ ]] || fail "MainPID $pid1 is not a container init ($nspid)"
[ "$(harness_run cat "/proc/$pid1/comm")" = sleep ] || fail "MainPID is not the container command"
harness_run grep -q "ct1.service" "/proc/$pid1/cgroup" || fail "the container left the unit's cgroup"
if harness_run pgrep -f berth-runtime >/dev/null; then
        fail "a berth-runtime process remains: $(harness_run pgrep -af berth-runtime)"
fi
harness_wait 10 sh -c 'journalctl --sync; journalctl -u ct1 -o cat | grep >/dev/null container-says-hello' ||
        fail "container output is not in the unit's journal"

harness_run kill -9 "$pid1"
harness_wait 20 sh -c "p=\$(systemctl show -p MainPID --value ct1); [ \"\$p\" -gt 0 ] && [ \"\$p\" != $pid1 ] && systemctl is-active --quiet ct1" ||
        fail "ct1 was not restarted after kill -9: $(harness_run systemctl status ct1 || true)"
pid2=$(main_pid ct1)
[ "$(nrestarts ct1)" = 1 ] || fail "NRestarts is $(nrestarts ct1), expected 1"
[[ $(harness_run grep NSpid: "/proc/$pid2/status") =~ [[:space:]]1$ ]] || fail "restarted MainPID is not a container init"
harness_run test ! -e /proc/"$pid1" || fail "the killed init was not reaped"

# ExecReload= runs berth-runtime exec with $MAINPID: inside the container
harness_run systemctl reload ct1
harness_run grep -q reloaded "/proc/$pid2/root/reloaded" || fail "ExecReload= exec did not run in the container"

harness_run systemctl stop ct1
harness_run test ! -e /run/ct/layer1 || fail "ExecStopPost cleanup --rm left the writable layer"
harness_run test ! -e /proc/"$pid2" || fail "the container survived systemctl stop"

# ---- --notify: READY=1 comes from the app -----------------------------------
harness_run systemd-run --quiet --no-block --unit=ct2 -p Type=notify -p NotifyAccess=all \
        "$RT" run --name ct2 --notify --rootfs /run/ct/rootfs --upper /run/ct/layer2 -- \
        /bin/sh -c 'while [ ! -e /go ]; do sleep 0.1; done; ct-probe notify READY=1; exec sleep 1000'
harness_wait 20 sh -c '[ "$(systemctl show -p MainPID --value ct2)" -gt 0 ]' || fail "ct2 got no MainPID"
sleep 1
state=$(harness_run systemctl show -p ActiveState --value ct2)
[ "$state" = activating ] || fail "ct2 is $state before the app sent READY=1"
pid=$(main_pid ct2)
harness_run touch "/proc/$pid/root/go"
harness_wait 20 systemctl is-active --quiet ct2 || fail "the app's READY=1 did not reach systemd"
harness_run systemctl stop ct2
echo ok
