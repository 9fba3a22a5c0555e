#!/bin/bash
# A declared container whose image comes from a registry, as a user would
# run it: /etc/berth/web.container with Image= from a loopback registry,
# daemon-reload, systemctl start. The generated pull unit runs berthctl pull
# through berthd (D-Bus activated); the container's init becomes web's Main
# PID with no berth process left; its output is in the journal, tagged
# CONTAINER_NAME. A pull of a tag the registry lacks fails visibly, with the
# registry's reason, in systemctl status of its pull unit.
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
declared_require
declared_boot

PORT=5000
REG=127.0.0.1:$PORT
declared_registry "$REG/demo/busybox:1.0"

declare_file web.container <<EOF2
[Unit]
Description=web, pulled from the loopback registry

[Container]
Image=$REG/demo/busybox:1.0
Exec=/bin/sh -c "echo web-from-registry; exec sleep 1000"
EOF2
declare_file missing.container <<EOF2
[Container]
Image=$REG/demo/busybox:no-such-tag
Exec=/bin/true
EOF2
harness_run systemctl daemon-reload

pull=$(pull_unit_of web.service)
[ -n "$pull" ] || fail "web.service requires no berth-pull-* unit: $(harness_run systemctl cat web.service)"
harness_run systemctl cat "$pull" | grep >/dev/null '^ExecStart=.*berthctl pull' ||
        fail "$pull does not run berthctl pull"
if harness_run systemctl is-active --quiet berthd.service; then
        fail "berthd runs before anything asked for it"
fi

harness_run timeout 300 systemctl start web ||
        fail "web did not start: $(harness_run systemctl status --no-pager "$pull" web || true)"
harness_run systemctl is-active --quiet "$pull" || fail "$pull is not active after the start"
harness_run systemctl is-active --quiet berthd.service || fail "berthd was not activated for the pull"
harness_run berthctl images | grep >/dev/null "$REG/demo/busybox" ||
        fail "the image is not in the store: $(harness_run berthctl images)"
assert_container_main_pid web.service
harness_run systemctl status --no-pager web.service || true
harness_wait 60 sh -c 'journalctl --sync; journalctl -u web -o cat | grep >/dev/null -x web-from-registry' ||
        fail "the container's output is not in web's journal"
harness_journal CONTAINER_NAME=systemd-web -o cat | grep >/dev/null -x web-from-registry ||
        fail "the journal entries are not tagged CONTAINER_NAME=systemd-web"
harness_run systemctl stop web
# The pull's progress is in the pull unit's journal as percentages.
pull_log=$(harness_journal -u "$pull" -o cat)
grep -Eq "$REG/demo/busybox:1.0: [0-9]+%$" <<<"$pull_log" ||
        fail "no percentage in the journal of $pull: $pull_log"

# ---- a failed pull: visible, with the registry's reason ----------------------
mpull=$(pull_unit_of missing.service)
[ -n "$mpull" ] || fail "missing.service requires no pull unit"
if harness_run timeout 300 systemctl start missing; then
        fail "a container whose image tag does not exist started"
fi
harness_run systemctl is-failed --quiet "$mpull" || fail "$mpull is not failed"
harness_run journalctl --sync
status=$(harness_run systemctl status --no-pager -n 20 "$mpull" || true)
echo "$status"
grep -Eiq 'manifest unknown|404|not found' <<<"$status" ||
        fail "systemctl status $mpull does not show the registry's reason"
grep -Eq "$REG/demo/busybox:no-such-tag.*HTTP 404" <<<"$status" ||
        fail "the failed pull does not name the reference and the HTTP status"
echo ok
