#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A layer download retried after a 503 keeps its layer's lock. Were the lock
# dropped and taken again, a second pull of the same layers could take it in
# between and then wait for the later layer the first pull still holds: both
# would wait forever. The race is forced: the first pull runs under
# registry-lock-gate, which holds any second open of a lock file by it until
# the other pull holds that lock. So a pull that takes a lock again hangs
# here every time, not now and then.
. "$(dirname "$0")/lib.sh"

port=$(registry_free_port)
ctl=$REGISTRY_DIR/ctl
mkdir -p "$ctl"
python3 "$SOURCE_DIR/tests/lib/scripted_registry.py" --port "$port" --image two \
        --fail-once --control "$ctl" --log "$REGISTRY_DIR/stub.log" &
stub=$!
EXTRA_CLEANUP+=("kill $stub 2>/dev/null; wait $stub 2>/dev/null")
registry_wait_port "$port" "$stub" || fail "stub registry did not start"
H=127.0.0.1:$port
lock=$(cat "$ctl/layer")

gated_pull_bg "$REGISTRY_DIR/a" again --insecure "$H" --parallel 2 "$H/test/two:latest"
a=$PULL_PID
gate_wait "$REGISTRY_DIR/a" "the first layer request never came" test -e "$ctl/reached"
# the first pull holds both layers' locks now, its request for the first
# (in diff_id order) is pending; the second pull starts and waits for it
pull_bg "$REGISTRY_DIR/b" --insecure "$H" --parallel 2 "$H/test/two:latest"
b=$PULL_PID
tried() { grep -q "^other $b $lock\$" <<<"$log"; }
gate_wait "$REGISTRY_DIR/b" "the second pull never tried the lock" tried
# now the pending request gets its 503
touch "$ctl/release"

pulls_finish $a "$REGISTRY_DIR/a" $b "$REGISTRY_DIR/b" \
        "a pull retrying a layer and another pull of the same layers wait on each other"
log=$(cat "$GATE_LOG")
! grep -q "^held" <<<"$log" || fail "the retry took a layer lock again: $(grep "^held" <<<"$log")"
stub_log=$(cat "$REGISTRY_DIR/stub.log")
grep -q '"status": 503' <<<"$stub_log" || fail "no 503 was served"
n=$(grep -c '"req": "blob".*"status": 200' <<<"$stub_log" || true)
# config twice (once per pull), each layer once: the second pull found them in
[ "$n" = 4 ] || fail "expected 4 blob downloads, got $n: $stub_log"
[ "$("$STORE_TOOL" "$STORE" images)" = 1 ] || fail "no image committed"
store_check_clean
echo ok
