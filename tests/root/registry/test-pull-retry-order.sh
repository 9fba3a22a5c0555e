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

GATE=$BUILD_DIR/tests/root/registry/registry-lock-gate
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

# the store and its locks/ must exist before the gate watches them
"$STORE_TOOL" "$STORE" images >/dev/null || fail "create store"
[ -d "$STORE/locks" ] || fail "no $STORE/locks"

"$GATE" "$STORE/locks" "$REGISTRY_DIR/gate.log" again 20000 -- \
        "$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/none" \
        --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" \
        --insecure "$H" --parallel 2 "$H/test/two:latest" >"$REGISTRY_DIR/a" 2>&1 &
a=$!
EXTRA_CLEANUP+=("kill -9 $a 2>/dev/null")
for _ in $(seq 600); do
        [ -e "$ctl/reached" ] && break
        kill -0 $a 2>/dev/null || break
        sleep 0.05
done
if [ ! -e "$ctl/reached" ]; then
        wait $a && rc=0 || rc=$?
        [ "$rc" = 77 ] && { cat "$REGISTRY_DIR/a"; exit 77; }
        fail "the first layer request never came: $(cat "$REGISTRY_DIR/a")"
fi
# the first pull holds both layers' locks now, its request for the first
# (in diff_id order) is pending; the second pull starts and waits for it
pull_bg "$REGISTRY_DIR/b" --insecure "$H" --parallel 2 "$H/test/two:latest"
b=$PULL_PID
for _ in $(seq 600); do
        log=$(cat "$REGISTRY_DIR/gate.log")
        grep -q "^other $b $lock\$" <<<"$log" && break
        kill -0 $b 2>/dev/null || break
        sleep 0.05
done
grep -q "^other $b $lock\$" <<<"$log" || fail "the second pull never tried the lock: $(cat "$REGISTRY_DIR/b")"
# now the pending request gets its 503
touch "$ctl/release"

running() { [ -r "/proc/$1/stat" ] && [ "$(cut -d')' -f2 "/proc/$1/stat" | cut -c2)" != Z ]; }
for _ in $(seq 600); do
        running $a || running $b || break
        sleep 0.1
done
if running $a || running $b; then
        kill -9 $a $b 2>/dev/null || true
        echo "--- gate log" >&2
        cat "$REGISTRY_DIR/gate.log" >&2
        fail "a pull retrying a layer and another pull of the same layers wait on each other"
fi
wait $a || { cat "$REGISTRY_DIR/a"; fail "first pull"; }
wait $b || { cat "$REGISTRY_DIR/b"; fail "second pull"; }
log=$(cat "$REGISTRY_DIR/gate.log")
! grep -q "^held" <<<"$log" || fail "the retry took a layer lock again: $(grep "^held" <<<"$log")"
stub_log=$(cat "$REGISTRY_DIR/stub.log")
grep -q '"status": 503' <<<"$stub_log" || fail "no 503 was served"
n=$(grep -c '"req": "blob".*"status": 200' <<<"$stub_log" || true)
# config twice (once per pull), each layer once: the second pull found them in
[ "$n" = 4 ] || fail "expected 4 blob downloads, got $n: $stub_log"
[ "$("$STORE_TOOL" "$STORE" images)" = 1 ] || fail "no image committed"
store_check_clean
echo ok
