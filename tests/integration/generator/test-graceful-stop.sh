#!/bin/bash
# systemctl stop of a declared container is Docker's stop: the stop signal
# reaches the app, which gets to finish (the unit ends inactive, not failed);
# an app that ignores it is killed after StopTimeout=.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"

declared_require
declared_boot
ref=127.0.0.1:5000/test/busybox:1
declared_registry "$ref" >/dev/null
declare_file web.container <<EOT
[Container]
Image=$ref
StopSignal=SIGUSR1
Exec=sh -c 'trap "echo got-USR1; sleep 2; echo graceful-done; exit 0" USR1; echo up; while :; do sleep 0.2; done'
EOT
declare_file stubborn.container <<EOT
[Container]
Image=$ref
StopTimeout=3
Exec=sleep 1000
EOT
harness_run systemctl daemon-reload
harness_run systemctl start web stubborn
harness_wait 30 sh -c 'journalctl -u web | grep >/dev/null up'

harness_run systemctl stop web
# journald may still be writing the last lines when systemctl returns.
harness_wait 10 sh -c 'journalctl -u web | grep >/dev/null got-USR1' || fail "the stop signal did not reach the app"
harness_wait 10 sh -c 'journalctl -u web | grep >/dev/null graceful-done' ||
        fail "the app was killed before it finished"
state=$(harness_run systemctl show -p ActiveState --value web)
[ "$state" = inactive ] || fail "web is $state after a clean stop, not inactive"

# sleep as PID 1 ignores SIGTERM: the stop takes StopTimeout=, then SIGKILL.
t0=$(date +%s)
harness_run systemctl stop stubborn || true
t1=$(date +%s)
[ $((t1 - t0)) -ge 3 ] || fail "stubborn stopped after $((t1 - t0)) s, before its StopTimeout=3"
[ $((t1 - t0)) -le 6 ] || fail "stubborn took $((t1 - t0)) s to stop, StopTimeout=3"
[ "$(harness_run systemctl show -p ActiveState --value stubborn)" != active ] || fail "stubborn still runs"
echo ok
