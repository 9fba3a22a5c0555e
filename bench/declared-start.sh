#!/bin/bash
# Declared container start latency: from `systemctl start web` until the unit
# is active (systemctl start waits for READY=1 of a Type=notify unit), image
# already in the store, measured inside the real-systemd harness.
# Budget: median <= 25 ms.
#   bench/declared-start.sh [BUILD_DIR] [ROUNDS]   (default: build, 30; root)
set -euo pipefail
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "${1:-$SOURCE_DIR/build}" && pwd)
rounds=${2:-30}
export SOURCE_DIR BUILD_DIR
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"

declared_require
declared_boot
ref=127.0.0.1:5000/bench/busybox:1
declared_registry "$ref" >/dev/null
# The loop starts the unit more often than systemd's default start rate limit.
declare_file web.container <<EOT
[Unit]
StartLimitIntervalSec=0

[Container]
Image=$ref
# sleep as PID 1 ignores SIGTERM; the loop should not wait out a grace period.
StopSignal=SIGKILL
Exec=sleep 1000
EOT
harness_run systemctl daemon-reload
# The first start pulls the image and warms the seccomp cache; not counted.
harness_run systemctl start web
harness_run systemctl stop web

# The loop runs inside, so nsenter's own start-up is not part of the figure.
harness_sh '
for i in $(seq "$1"); do
        t0=$(date +%s%N)
        systemctl start web || { echo "start $i failed" >&2; journalctl -u web -n 15 --no-pager >&2; exit 1; }
        t1=$(date +%s%N)
        echo $(( (t1 - t0) / 1000 ))
        systemctl stop web
        systemctl reset-failed web 2>/dev/null || true
done' "$rounds" >"$HARNESS_DIR/times"

sort -n "$HARNESS_DIR/times" | awk -v n="$rounds" '
        { v[NR] = $1 }
        END {
                m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                printf "declared container start (systemctl start -> active): median %.1f ms, min %.1f, max %.1f over %d runs (budget 25 ms)\n", m / 1000, v[1] / 1000, v[n] / 1000, n
        }'
# For comparison, the same start without a container: a static Type=notify
# unit whose process says READY=1 at once (systemd-notify, NotifyAccess=all).
harness_sh 'mkdir -p /run/systemd/system && cat >/run/systemd/system/bare.service' <<'EOT'
[Unit]
StartLimitIntervalSec=0
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep 1000'
EOT
harness_run systemctl daemon-reload
harness_sh '
for i in $(seq "$1"); do
        t0=$(date +%s%N)
        systemctl start bare
        t1=$(date +%s%N)
        echo $(( (t1 - t0) / 1000 ))
        systemctl stop bare
done' "$rounds" | sort -n | awk -v n="$rounds" '{ v[NR] = $1 } END { printf "floor (the same start without a container: sh + systemd-notify --ready): median %.1f ms\n", ((n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) / 1000 }'
