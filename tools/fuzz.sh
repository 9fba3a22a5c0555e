#!/bin/bash
# Builds berth's fuzz targets with clang and libFuzzer in build-fuzz/ and runs
# each for SECONDS (default 60). New crashes, leaks and timeouts are saved to
# tests/fuzz/crashes/<target>/; the grown corpus goes to build-fuzz/corpus/
# (the committed seeds in tests/fuzz/corpus/ are only read).
#
#   tools/fuzz.sh [SECONDS] [TARGET...]     e.g. tools/fuzz.sh 300 manifest layer
#   FUZZ_JOBS=2 tools/fuzz.sh               targets run this many at once (default: nproc)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

case $seconds in
'' | *[!0-9]*)
        echo "usage: $0 [SECONDS] [TARGET...]" >&2
        exit 2
        ;;
esac
command -v clang >/dev/null || {
        echo "fuzz: clang is missing (tools/install-deps.sh installs it)" >&2
        exit 1
}

# The libraries get coverage instrumentation and the sanitizers through
# c_args; tests/fuzz/meson.build adds the libFuzzer main to the targets.
# -Werror stays with the gcc build: clang warns about other things.
if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" "$top" -Db_sanitize=none -Db_lundef=false -Dwerror=false \
                -Dc_args=-fsanitize=fuzzer-no-link,address,undefined \
                -Dc_link_args=-fsanitize=address,undefined >"$build.setup.log" 2>&1 || {
                cat "$build.setup.log" >&2
                exit 1
        }
        rm -f "$build.setup.log"
fi

# Only the fuzz targets (and the libraries they link) are built: the rest of
# the tree is not made for these flags (static test programs cannot link the
# sanitizer runtimes) and would only cost time.
mapfile -t all_targets < <(ninja -C "$build" -t targets all |
        sed -n 's|^\(tests/fuzz/fuzz-[a-z0-9-]*\): .*|\1|p' | sort -u)
if [ ${#all_targets[@]} -eq 0 ]; then
        echo "fuzz: no fuzz targets in $build (is it a clang build?)" >&2
        exit 1
fi
if [ $# -eq 0 ]; then
        set -- "${all_targets[@]#tests/fuzz/fuzz-}"
fi
build_targets=()
for t in "$@"; do
        if [[ " ${all_targets[*]} " != *" tests/fuzz/fuzz-$t "* ]]; then
                echo "fuzz: no target $t" >&2
                exit 2
        fi
        build_targets+=("tests/fuzz/fuzz-$t")
done
ninja -C "$build" "${build_targets[@]}" >"$build/fuzz-build.log" 2>&1 || {
        grep -v '^\[' "$build/fuzz-build.log" >&2
        exit 1
}

run_one() {
        local t=$1 exe="$build/tests/fuzz/fuzz-$1"
        local corpus="$build/corpus/$t" crashes="$top/tests/fuzz/crashes/$t"
        local dict="$top/tests/fuzz/$t.dict" log="$build/fuzz-$t.log"
        local -a extra=()

        mkdir -p "$corpus" "$crashes"
        [ -f "$dict" ] && extra+=("-dict=$dict")
        # stdout/stderr of the code under test are closed (its log lines
        # would drown the fuzzer); reports still reach the log.
        local rc=0
        (cd "$crashes" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
                -max_len=65536 -close_fd_mask=3 -print_final_stats=1 \
                -artifact_prefix="$crashes/" "${extra[@]}" \
                "$corpus" "$top/tests/fuzz/corpus/$t") >"$log" 2>&1 || rc=$?
        # An empty crash directory is nothing to keep.
        rmdir "$crashes" 2>/dev/null || true
        local execs cov
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
        if [ $rc -eq 0 ]; then
                printf '%-20s ok      %10s execs  cov %s\n' "$t" "${execs:-?}" "${cov:-?}"
        else
                printf '%-20s FAILED  %10s execs  cov %s  (see %s)\n' "$t" "${execs:-?}" \
                        "${cov:-?}" "$log"
                return 1
        fi
}

failed=0
running=0
for t in "$@"; do
        run_one "$t" &
        running=$((running + 1))
        if [ $running -ge "$jobs" ]; then
                wait -n || failed=1
                running=$((running - 1))
        fi
done
while [ $running -gt 0 ]; do
        wait -n || failed=1
        running=$((running - 1))
done
exit $failed
