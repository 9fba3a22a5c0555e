#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Times berth-generator on 1,000 declarations (budget: median <= 100 ms) and,
# when it is installed, podman's quadlet on the same files.
#
#   bench/generator.sh [BUILD-DIR]      (default: build)
#
# Files and output live on tmpfs (/dev/shm), as a generator's output does in
# /run/systemd/generator at boot.
set -euo pipefail

build=${1:-build}
gen=$(realpath "$build/generator/berth-generator")
count=${BENCH_COUNT:-1000}
runs=${BENCH_RUNS:-30}
budget_ms=100

command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
[ -x "$gen" ] || { echo "no $gen: build first (meson setup $build && ninja -C $build)" >&2; exit 1; }

work=$(mktemp -d /dev/shm/berth-bench-generator.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/decl/sub" "$work/out" "$work/out-quadlet"

# A realistic mix: a tenth in a sub-directory, a few drop-ins, images
# shared between containers, volumes, environment, an [Install] section.
for i in $(seq 1 "$count"); do
        dir=$work/decl
        [ $((i % 10)) -eq 0 ] && dir=$work/decl/sub
        cat >"$dir/app$i.container" <<EOT
[Unit]
Description=Benchmark container $i
After=local-fs.target

[Container]
Image=registry.example.com/team/app$((i % 50)):1.$((i % 7))
Exec=/usr/bin/app --port $((8000 + i)) "--name=app $i"
Environment=APP_ID=$i "GREETING=hello world" MODE=production
Volume=/srv/app$i:/data:ro
Volume=app$i-cache:/cache
ReadOnly=yes
NoNewPrivileges=yes
DropCapability=CAP_NET_RAW
Memory=256m
Label=com.example.app=app$i

[Service]
Restart=always

[Install]
WantedBy=multi-user.target
EOT
        if [ $((i % 25)) -eq 0 ]; then
                mkdir -p "$work/decl/app$i.container.d"
                printf '[Container]\nEnvironment=EXTRA=1\n' >"$work/decl/app$i.container.d/10-extra.conf"
        fi
done

"$gen" --no-kmsg --search-path "$work/decl" "$work/out"
units=$(find "$work/out" -maxdepth 1 -name 'app*.service' -type f | wc -l)
echo "berth-generator wrote $units container units for $count declarations"
[ "$units" -eq "$count" ] || { echo "expected $count units" >&2; exit 1; }

hyperfine --warmup 3 --runs "$runs" --export-json "$work/berth.json" \
        --prepare "rm -rf '$work/out' && mkdir '$work/out'" \
        -n berth-generator "'$gen' --no-kmsg --search-path '$work/decl' '$work/out'"
berth_median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/berth.json")
berth_ms=$(python3 -c "print(round($berth_median*1000, 1))")
# CPU time tells more than wall time on a machine shared with other work.
berth_cpu_ms=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(round((r["user"]+r["system"])*1000, 1))' "$work/berth.json")

quadlet=""
for q in /usr/libexec/podman/quadlet /usr/lib/systemd/system-generators/podman-system-generator; do
        [ -x "$q" ] && quadlet=$q && break
done
if [ -n "$quadlet" ]; then
        hyperfine --warmup 3 --runs "$runs" --export-json "$work/quadlet.json" -i \
                --prepare "rm -rf '$work/out-quadlet' && mkdir '$work/out-quadlet'" \
                -n quadlet "QUADLET_UNIT_DIRS='$work/decl' '$quadlet' -no-kmsg-log '$work/out-quadlet'"
        q_median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/quadlet.json")
        echo "quadlet median: $(python3 -c "print(round($q_median*1000, 1))") ms;" \
             "berth-generator is $(python3 -c "print(round($q_median/$berth_median, 1))")x faster"
else
        echo "podman's quadlet is not installed here (Debian's podman 4.3 does not ship it): no ratio"
fi

echo "berth-generator median: $berth_ms ms wall, $berth_cpu_ms ms CPU (user+sys, mean) for $count declarations (budget: $budget_ms ms)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
python3 -c "import sys; sys.exit(0 if $berth_ms <= $budget_ms else 1)" \
        && echo "within budget" || { echo "OVER BUDGET" >&2; exit 1; }
