#!/bin/bash
# tools/fuzz.sh works from a fresh clone: it sets up its own clang build,
# builds the fuzz targets it runs (and nothing that cannot take the fuzzing
# flags, like the static test-app) and runs each one.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
command -v clang >/dev/null || {
        echo "SKIP: clang is not installed"
        exit 77
}
tmp=$(mktemp -d /tmp/berth-fuzz-sh.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# A fresh clone: only the files git knows (as they are in the work tree).
mkdir -p "$tmp/src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
                [ -e "$f" ] && printf '%s\0' "$f"
        done | xargs -0 cp --parents -t "$tmp/src")

rc=0
out=$(cd "$tmp/src" && FUZZ_JOBS=1 tools/fuzz.sh 1 reference unit-file 2>&1) || rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: tools/fuzz.sh exited $rc"; exit 1; }
for t in reference unit-file; do
        [[ $out =~ (^|$'\n')$t\ +ok\ +[0-9]+\ execs ]] || { echo "FAIL: $t did not run"; exit 1; }
done
# An unknown target is a usage error, named.
rc=0
out=$(cd "$tmp/src" && tools/fuzz.sh 1 no-such-target 2>&1) || rc=$?
[ $rc -eq 2 ] && [[ $out == *"no target no-such-target"* ]] ||
        { echo "FAIL: unknown target: rc $rc: $out"; exit 1; }
echo "ok: tools/fuzz.sh builds and runs the fuzz targets from a fresh tree"
