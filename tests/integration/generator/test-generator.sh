#!/bin/bash
# berth-generator in a real systemd, as a user would use it: declarations in
# /etc/berth become services after daemon-reload; the container's init is
# the Main PID with no berth process left; its output is in the journal,
# tagged CONTAINER_NAME, and berthctl logs knows declared containers; kill -9 under Restart=always brings it back; stop
# is quick; [Install] is emulated; a template instance runs; a file with a
# syntax error fails alone.
#
# The image is a busybox root file system (Rootfs=); pulls from a registry
# through berthd are in test-registry-pull.sh and the other tests here.
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
harness_require_root
if ! meson introspect --installed "$BUILD_DIR" | grep >/dev/null '/berth-generator"'; then
        echo "SKIP: this build installs no berth-generator" >&2
        exit 77
fi

harness_boot

# Writable layers live in the state directory: tmpfs, because an overlay
# upper directory cannot live on the harness's own overlay root.
harness_sh 'mkdir -p "$1" && mount -t tmpfs berth-state "$1"' "$STATEDIR"
harness_sh 'set -e
mkdir -p /run/bb/bin /run/bb/etc
cp /bin/busybox /run/bb/bin/
for a in sh sleep echo cat; do ln -s busybox /run/bb/bin/$a; done
echo "root:x:0:0:root:/root:/bin/sh" > /run/bb/etc/passwd'

declare_file web.container <<'EOT'
[Unit]
Description=berth generator integration test

[Container]
Rootfs=/run/bb
Exec=/bin/sh -c "echo web-says-hello; exec sleep 1000"
StopTimeout=5

[Service]
Restart=always
RestartSec=100ms

[Install]
WantedBy=multi-user.target
EOT
declare_file apps/db@.container <<'EOT'
[Container]
Rootfs=/run/bb
Exec=/bin/sh -c "echo instance-%i-up; exec sleep 1000"
EOT
declare_file broken.container <<'EOT'
[Container
Rootfs=/run/bb
EOT

harness_run systemctl daemon-reload

# ---- what the generator wrote ------------------------------------------------
unit=$(harness_run systemctl cat web.service) || fail "no web.service after daemon-reload"
grep -q '^ExecStart=.*berth-runtime run --name systemd-%N --rootfs /run/bb --rm' <<<"$unit" ||
        fail "unexpected ExecStart in: $unit"
grep -q '^SourcePath=.*/web.container$' <<<"$unit" || fail "no SourcePath= in: $unit"
harness_run test -L /run/systemd/generator/multi-user.target.wants/web.service ||
        fail "[Install] WantedBy= was not emulated"
harness_run systemctl cat db@.service >/dev/null || fail "no db@.service from apps/db@.container"
if harness_run systemctl cat broken.service >/dev/null 2>&1; then
        fail "a unit was generated for a file with a syntax error"
fi
gen=$(harness_run sh -c 'ls /lib/systemd/system-generators/berth-generator /usr/lib/systemd/system-generators/berth-generator 2>/dev/null | head -1')
[ -n "$gen" ] || fail "berth-generator is not installed in the system-generators directory"
if out=$(harness_run "$gen" --dry-run --no-kmsg "$CONFDIR/broken.container" 2>&1); then
        fail "--dry-run of a broken file succeeded"
fi
grep -q 'broken.container:1: invalid section header' <<<"$out" || fail "no clear error: $out"

# ---- berthctl logs: declared containers that never ran are containers ---------
# (their unit is known to systemd); a name nothing declares is an error (5)
logs_status() { # NAME [OPTION...]: berthctl logs' exit status, 124 if it waits 3 s
        local rc=0
        harness_run timeout 3 berthctl logs "$@" >/dev/null 2>&1 || rc=$?
        echo "$rc"
}
for n in systemd-web web systemd-db_two; do
        [ "$(logs_status "$n")" = 0 ] || fail "berthctl logs $n of a declared container failed"
done
[ "$(logs_status -f systemd-web)" = 124 ] || fail "berthctl logs -f systemd-web did not wait for output"
for n in nosuch broken systemd-broken systemd-nosuch_x; do
        [ "$(logs_status "$n")" = 5 ] || fail "berthctl logs $n exited $(logs_status "$n"), expected 5"
done
out=$(harness_run berthctl logs nosuch 2>&1) && fail "berthctl logs nosuch succeeded"
grep -q "no container named nosuch" <<<"$out" || fail "berthctl logs nosuch says: $out"

# ---- start: the container's init is the main PID -----------------------------
harness_run systemctl start web || fail "web did not start: $(harness_run systemctl status web || true)"
pid1=$(harness_run systemctl show -p MainPID --value web)
[ "$pid1" -gt 0 ] || fail "web has no MainPID"
[[ $(harness_run grep NSpid: "/proc/$pid1/status") =~ [[:space:]]1$ ]] ||
        fail "MainPID $pid1 is not a container init"
[ "$(harness_run cat "/proc/$pid1/comm")" = sleep ] || fail "MainPID is not the container's command"
if harness_run pgrep -f 'berth-runtime run' >/dev/null; then
        fail "a berth-runtime process remains"
fi
harness_wait 10 sh -c 'journalctl --sync; journalctl -u web -o cat | grep >/dev/null web-says-hello' ||
        fail "the container's output is not in the unit's journal"
harness_run journalctl --no-pager CONTAINER_NAME=systemd-web -o cat | grep >/dev/null web-says-hello ||
        fail "the journal entries are not tagged CONTAINER_NAME=systemd-web"
[ "$(harness_run berthctl logs systemd-web)" = web-says-hello ] ||
        fail "berthctl logs systemd-web does not show the declared container's output"

# ---- kill -9 under Restart=always --------------------------------------------
harness_run kill -9 "$pid1"
harness_wait 20 sh -c "p=\$(systemctl show -p MainPID --value web); [ \"\$p\" -gt 0 ] && [ \"\$p\" != $pid1 ] && systemctl is-active --quiet web" ||
        fail "web did not come back after kill -9"

# ---- stop within the stop timeout (sleep ignores nothing: SIGTERM ends it) ---
start=$SECONDS
harness_run systemctl stop web
[ $((SECONDS - start)) -le 6 ] || fail "stop took $((SECONDS - start))s, more than StopTimeout=5"
harness_run test ! -e "$STATEDIR/containers/systemd-web" ||
        fail "ExecStopPost cleanup left the writable layer"

# ---- enabled: pulled in by multi-user.target (the boot's target) ------------
harness_run systemctl start multi-user.target
harness_wait 20 systemctl is-active --quiet web || fail "multi-user.target did not start the enabled web"
harness_run systemctl stop web

# ---- a template instance -----------------------------------------------------
harness_run systemctl start db@one || fail "db@one did not start: $(harness_run systemctl status db@one || true)"
harness_wait 10 sh -c 'journalctl --sync; journalctl -u db@one -o cat | grep >/dev/null instance-one-up' ||
        fail "the instance did not run with its instance name"
harness_run systemctl stop db@one
echo ok
