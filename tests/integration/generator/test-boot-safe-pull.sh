#!/bin/bash
# Boot-safe pulls: a container with TimeoutStartSec=5 whose registry only
# comes up 10 s after `systemctl start` still ends up running. The image is
# pulled by the generated pull unit, which has no start timeout, so the
# container's own timeout only counts once the image is there.
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
declared_require
declared_boot

REG=127.0.0.1:5000
# The image goes into the registry first; then the registry goes away, as
# one that is not reachable yet at boot.
declared_registry "$REG/demo/busybox:1.0"
harness_run systemctl stop harness-registry.service
if harness_run curl -sf -o /dev/null "http://$REG/v2/"; then
        fail "the registry still answers after it was stopped"
fi

declare_file web.container <<EOF2
[Container]
Image=$REG/demo/busybox:1.0
Exec=/bin/sh -c "echo boot-safe-up; exec sleep 1000"

[Service]
TimeoutStartSec=5
EOF2
harness_run systemctl daemon-reload
pull=$(pull_unit_of web.service)
[ -n "$pull" ] || fail "web.service requires no pull unit"

harness_run systemctl start --no-block web.service
# Part of the scenario, not a wait for a result: the registry is down for 10 s.
sleep 10
# Still waiting: the pull is retried, web's start job is queued.
harness_run systemctl list-jobs --no-legend web.service | grep >/dev/null start ||
        fail "web.service's start job ended while the registry was down: $(harness_run systemctl status --no-pager "$pull" web || true)"
if harness_run systemctl is-failed --quiet "$pull"; then
        fail "$pull failed while the registry was down"
fi
harness_registry 5000

# Running, or given up: web's start job has ended either way.
harness_wait 300 sh -c 'systemctl is-active --quiet web.service || ! systemctl list-jobs --no-legend web.service | grep >/dev/null start' || true
harness_run systemctl is-active --quiet web.service ||
        fail "web.service is not running: $(harness_run systemctl status --no-pager "$pull" web.service || true)"
harness_run journalctl --sync
harness_journal -u "$pull" -o cat | grep >/dev/null 'unreachable' ||
        fail "$pull did not report the registry as unreachable while it was down"
[ "$(harness_run systemctl show -p NRestarts --value web.service)" = 0 ] ||
        fail "web.service was restarted on the way"
harness_run journalctl --sync
if harness_journal -u web.service -o cat | grep >/dev/null -i 'timed out\|timeout'; then
        fail "web.service hit a timeout: $(harness_journal -u web.service -o cat)"
fi
assert_container_main_pid web.service
harness_wait 60 sh -c 'journalctl --sync; journalctl -u web -o cat | grep >/dev/null -x boot-safe-up' ||
        fail "the container's output is not in the journal"
harness_run systemctl stop web.service
echo ok
