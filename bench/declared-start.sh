#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Declared container start latency: from `systemctl start web` until the unit
# is active (systemctl start waits for READY=1 of a Type=notify unit), image
# already in the store, measured inside the real-systemd harness.
# Budget: median <= 25 ms.
#   bench/declared-start.sh [BUILD_DIR] [ROUNDS]   (default: build, 30; root)
#
# In the same run, and interleaved round by round so that a machine whose
# load drifts treats them alike, it times the floors the budget sits on:
#   simple  Type=simple, ExecStart=/bin/sleep: systemctl + fork/exec alone
#   notify  Type=notify, a static program that sends READY=1 itself
#   berth   the declared container (berth-runtime run --image, READY=1)
# and `systemctl --version` alone (systemctl's own start-up).
# For each unit two figures: "wall" is what the user waits for (systemctl
# start, from the shell); "systemd" is InactiveExit -> ActiveEnter as systemd
# itself timestamps the unit, which leaves out systemctl's start-up and its
# D-Bus round trips. systemd leaves "inactive" once the main process is
# forked, so for Type=notify units it is the main process's exec and work
# until READY=1 is processed (for berth: the runtime's own share), and for
# Type=simple, which is active at once, it is about zero. "cpu" is the CPU
# time the unit's processes used until then (CPUUsageNSec): unlike the
# clocks, it barely moves with the machine's load.
set -euo pipefail
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "${1:-$SOURCE_DIR/build}" && pwd)
rounds=${2:-30}
export SOURCE_DIR BUILD_DIR
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"

declared_require
command -v cc >/dev/null || harness_skip "no C compiler for the notify floor"
declared_boot

# The harness removes its directory when it stops.
tmp=$HARNESS_DIR/bench
mkdir -p "$tmp"
cc -static -O2 -o "$tmp/notify-ready" "$SOURCE_DIR/bench/notify-ready.c"
harness_copy_in "$tmp/notify-ready" /usr/local/libexec/berth-bench/notify-ready

ref=127.0.0.1:5000/bench/busybox:1
declared_registry "$ref" >/dev/null
# The loop starts the unit more often than systemd's default start rate limit.
declare_file web.container <<EOT
[Unit]
StartLimitIntervalSec=0

[Service]
CPUAccounting=yes

[Container]
Image=$ref
# sleep as PID 1 ignores SIGTERM; the loop should not wait out a grace period.
StopSignal=SIGKILL
Exec=sleep 1000
# Without Network= a container joins the default bridge; its cost is
# bench/network.sh's figure, kept out of this budget.
Network=none
EOT
harness_sh 'mkdir -p /run/systemd/system && cat >/run/systemd/system/bench-simple.service' <<'EOT'
[Unit]
StartLimitIntervalSec=0
[Service]
CPUAccounting=yes
Type=simple
ExecStart=/bin/sleep 1000
EOT
harness_sh 'cat >/run/systemd/system/bench-notify.service' <<'EOT'
[Unit]
StartLimitIntervalSec=0
[Service]
CPUAccounting=yes
Type=notify
ExecStart=/usr/local/libexec/berth-bench/notify-ready
EOT
harness_run systemctl daemon-reload
# The first start pulls the image and warms the seccomp cache; not counted.
harness_run systemctl start web
harness_run systemctl stop web

# The loop runs inside, so nsenter's own start-up is not part of the figure.
harness_sh '
rounds=$1
for i in $(seq "$rounds"); do
        t0=$(date +%s%N)
        systemctl --version >/dev/null
        t1=$(date +%s%N)
        echo "version $(( (t1 - t0) / 1000 )) 0 0"
        for u in bench-simple bench-notify web; do
                t0=$(date +%s%N)
                systemctl start "$u" || { echo "start $u ($i) failed" >&2; journalctl -u "$u" -n 15 --no-pager >&2; exit 1; }
                t1=$(date +%s%N)
                # Named, not positional: systemctl show prints properties
                # in its own order.
                eval "$(systemctl show -p InactiveExitTimestampMonotonic -p ActiveEnterTimestampMonotonic -p CPUUsageNSec "$u")"
                case $CPUUsageNSec in [0-9]*) ;; *) CPUUsageNSec=0 ;; esac
                echo "$u $(( (t1 - t0) / 1000 )) $(( ActiveEnterTimestampMonotonic - InactiveExitTimestampMonotonic )) $(( CPUUsageNSec / 1000 ))"
                systemctl stop "$u"
                systemctl reset-failed "$u" 2>/dev/null || true
        done
done' "$rounds" >"$tmp/times"

python3 - "$tmp/times" "$rounds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    u, wall, inside, cpu = line.split()
    rows.setdefault(u, []).append((int(wall) / 1000, int(inside) / 1000, int(cpu) / 1000))
def med(u, k):
    return statistics.median(r[k] for r in rows[u])
n = sys.argv[2]
print(f"systemctl start -> active, medians over {n} interleaved rounds (ms):")
print(f"  {'':44} {'wall':>7} {'systemd':>8} {'cpu':>7}")
print(f"  {'systemctl --version alone':44} {med('version', 0):7.1f}")
for u, what in (("bench-simple", "floor (a): Type=simple /bin/sleep"),
                ("bench-notify", "floor (b): Type=notify, static READY=1"),
                ("web", "berth (c): declared container")):
    print(f"  {what:44} {med(u, 0):7.1f} {med(u, 1):8.1f} {med(u, 2):7.1f}")
w = [r[0] for r in rows["web"]]
print(f"declared container start (systemctl start -> active): median {statistics.median(w):.1f} ms, "
      f"min {min(w):.1f}, max {max(w):.1f} over {n} runs (budget 25 ms)")
print(f"berth's own share, systemd's view (d): {med('web', 1):.1f} ms, "
      f"{med('web', 1) - med('bench-notify', 1):.1f} ms above the Type=notify floor")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
