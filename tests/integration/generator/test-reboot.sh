#!/bin/bash
# An enabled declared container (WantedBy=multi-user.target) runs again after
# a reboot: the harness's systemd powers off cleanly and a new one boots on
# the same root (harness_reboot; the store and /etc/berth are kept, as on a
# disk). At boot the generator writes web.service, multi-user.target pulls it
# in, and the container runs with its init as Main PID.
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
declared_require
export HARNESS_PERSIST=1
declared_boot

REG=127.0.0.1:5000
declared_registry "$REG/demo/busybox:1.0"

declare_file web.container <<EOF2
[Container]
Image=$REG/demo/busybox:1.0
Exec=/bin/sh -c "echo web-up-in-boot-\$\$(cat /proc/sys/kernel/random/boot_id); exec sleep 1000"

[Install]
WantedBy=multi-user.target
EOF2
harness_run systemctl daemon-reload
harness_run timeout 300 systemctl start web.service ||
        fail "web did not start: $(harness_run systemctl status --no-pager web || true)"
before=$(harness_run systemctl show -p MainPID --value web.service)
harness_run touch /var/lib/berth/.kept-across-reboot

harness_reboot
harness_run test -e /var/lib/berth/.kept-across-reboot || fail "the reboot did not keep /var/lib/berth"
if harness_run systemctl is-active --quiet harness-registry.service; then
        fail "the transient registry unit survived the reboot: this was no reboot"
fi
harness_wait 300 systemctl is-active --quiet web.service ||
        fail "web.service is not running after the reboot: $(harness_run systemctl status --no-pager web.service || true)"
harness_run systemctl show -p WantedBy --value web.service | grep >/dev/null -w multi-user.target ||
        fail "web.service is not wanted by multi-user.target"
assert_container_main_pid web.service
after=$(harness_run systemctl show -p MainPID --value web.service)
echo "web's Main PID: $before before the reboot, $after after"
harness_run journalctl --sync
harness_journal -b -u web -o cat | grep >/dev/null '^web-up-in-boot-' ||
        fail "the container did not run in this boot"
harness_run systemctl stop web.service
echo ok
