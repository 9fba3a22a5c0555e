#!/bin/bash
# Notify=yes: the app in the container gets a working NOTIFY_SOCKET, and
# systemd keeps the unit "activating" until the app itself sends READY=1
# (test-app notify: after a delay), then "active".
#
# usage: test-notify.sh TEST_APP   (meson passes the static test-app)
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
declared_app_boot "${1:-}"
DELAY=8

declare_file slow.container <<EOF2
[Container]
Image=$REG/test/app:1
Exec=/usr/bin/test-app notify $DELAY
Notify=yes

[Service]
TimeoutStartSec=300
EOF2
harness_run systemctl daemon-reload
# The image first, so the delay measured below is the app's alone.
pull=$(pull_unit_of slow.service)
[ -n "$pull" ] || fail "slow.service requires no pull unit"
harness_run timeout 300 systemctl start "$pull" || fail "$pull failed"

harness_run systemctl start --no-block slow.service
harness_wait 120 sh -c 'journalctl --sync; journalctl -u slow -o cat | grep >/dev/null "READY=1 in"' ||
        fail "the app did not start: $(harness_run systemctl status --no-pager slow || true)"
state=$(harness_run systemctl show -p ActiveState --value slow.service)
harness_run journalctl --sync
sent=$(harness_journal -u slow -o cat | grep -c 'sent READY=1' || true)
[ "$sent" = 0 ] || fail "the app already sent READY=1; the machine is too slow for this check"
[ "$state" = activating ] || fail "slow.service is '$state' before the app said READY=1"
harness_wait 120 systemctl is-active --quiet slow.service ||
        fail "slow.service did not become active: $(harness_run systemctl status --no-pager slow || true)"
harness_run journalctl --sync
harness_journal -u slow -o cat | grep >/dev/null 'sent READY=1' ||
        fail "slow.service became active, but not by the app's READY=1"
assert_container_main_pid slow.service
harness_run systemctl stop slow.service
echo ok
