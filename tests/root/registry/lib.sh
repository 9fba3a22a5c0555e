#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Common setup of the registry root tests: root check, tool paths, a
# registry fixture and a temp store, all cleaned up on exit.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
BERTH_PULL=$BUILD_DIR/manager/registry/berth-pull
STORE_TOOL=$BUILD_DIR/tests/root/registry/registry-test-store
[ -x "$BERTH_PULL" ] || { echo "SKIP: berth-pull not built (no store yet)"; exit 77; }

. "$SOURCE_DIR/tests/lib/registry.sh"
registry_setup
STORE=$REGISTRY_DIR/store
EXTRA_CLEANUP=()
cleanup() {
        local c
        for c in "${EXTRA_CLEANUP[@]}"; do eval "$c" || true; done
        registry_cleanup
}
trap cleanup EXIT

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# berth-pull with empty configuration unless the test passes its own.
pull() {
        "$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/none" \
                --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" "$@"
}

# The same in the background, output to $1; PULL_PID is berth-pull itself
# (not a subshell), so that signals reach it.
pull_bg() {
        local out=$1
        shift
        "$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/none" \
                --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" "$@" \
                >"$out" 2>&1 &
        PULL_PID=$!
        EXTRA_CLEANUP+=("kill -9 $PULL_PID 2>/dev/null")
}

# berth-pull in the background as pull_bg does, under registry-lock-gate
# MODE (see there) watching the store's locks/, logging to $GATE_LOG.
GATE_LOG=$REGISTRY_DIR/gate.log
gated_pull_bg() {
        local out=$1 mode=$2
        shift 2
        "$STORE_TOOL" "$STORE" images >/dev/null || fail "create store $STORE"
        "$BUILD_DIR/tests/root/registry/registry-lock-gate" "$STORE/locks" "$GATE_LOG" "$mode" \
                30000 -- "$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/none" \
                --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" "$@" \
                >"$out" 2>&1 &
        PULL_PID=$!
        EXTRA_CLEANUP+=("kill -9 $PULL_PID 2>/dev/null")
}

# Waits until "$@" (a check on $GATE_LOG, read into $log) holds while the
# pull $PULL_PID runs; else fails with WHY and the pull's output OUT, or
# skips when the gate cannot work here.
gate_wait() {
        local out=$1 why=$2 rc
        shift 2
        for _ in $(seq 600); do
                log=$(cat "$GATE_LOG" 2>/dev/null || true)
                "$@" && return 0
                running "$PULL_PID" || break
                sleep 0.05
        done
        log=$(cat "$GATE_LOG" 2>/dev/null || true)
        "$@" && return 0
        wait "$PULL_PID" && rc=0 || rc=$?
        [ "$rc" = 77 ] && { cat "$out"; exit 77; }
        fail "$why: $(cat "$out")"
}

# alive and not a zombie waiting for wait
running() { [ -r "/proc/$1/stat" ] && [ "$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -c2)" != Z ]; }

# Waits for the pulls A (output in OUT_A) and B; fails with MSG when they are
# still running after a minute: they wait on each other.
pulls_finish() {
        local a=$1 out_a=$2 b=$3 out_b=$4 msg=$5
        for _ in $(seq 600); do
                running "$a" || running "$b" || break
                sleep 0.1
        done
        if running "$a" || running "$b"; then
                kill -9 "$a" "$b" 2>/dev/null || true
                echo "--- gate log" >&2
                cat "$GATE_LOG" >&2 || true
                fail "$msg"
        fi
        wait "$a" || { cat "$out_a"; fail "the first pull failed"; }
        wait "$b" || { cat "$out_b"; fail "the second pull failed"; }
}

# Expects a failed pull whose message contains $1.
pull_fails() {
        local want=$1 out
        shift
        if out=$(pull "$@" 2>&1); then
                echo "$out" >&2
                fail "pull $* succeeded, expected: $want"
        fi
        grep -qF -- "$want" <<<"$out" || { echo "$out" >&2; fail "pull $* did not say: $want"; }
        echo "refused as expected: $(tail -n1 <<<"$out")"
}

store_check_clean() {
        local out
        out=$("$STORE_TOOL" "$STORE" check) || fail "store check: $out"
}

# The store holds nothing from a refused pull: no image, layer or staging dir.
store_empty() {
        [ "$("$STORE_TOOL" "$STORE" images)" = 0 ] || fail "an image was committed"
        [ -z "$(ls -A "$STORE/layers" 2>/dev/null)" ] || fail "layers left: $(ls "$STORE/layers")"
        [ -z "$(ls -A "$STORE/tmp" 2>/dev/null)" ] || fail "staging left: $(ls "$STORE/tmp")"
}

# Runs "$@" with the image's layers mounted as one read-only overlay at $1,
# in a private mount namespace so nothing outlives the test.
with_rootfs() {
        local ref=$1 lower="" d
        shift
        for d in $("$STORE_TOOL" "$STORE" layers "$ref"); do
                lower=$d${lower:+:$lower}
        done
        [ -n "$lower" ] || fail "no layers for $ref"
        mkdir -p "$REGISTRY_DIR/rootfs"
        # overlayfs wants two lower dirs when there is no upper one
        unshare -m sh -c 'case $1 in
                *:*) mount -t overlay overlay -o ro,lowerdir="$1" "$2" ;;
                *) mount --bind "$1" "$2" ;;
                esac && shift 2 && exec "$@"' sh "$lower" "$REGISTRY_DIR/rootfs" "$@"
}
