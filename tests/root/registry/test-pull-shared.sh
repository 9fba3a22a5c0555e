#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two pulls needing the same layer share one download: in one process (two
# threads, one Registry) the registry serves the shared blob once; across
# processes both pulls succeed against one store and it checks clean, even
# when the second pull tries its locks while the first holds some.
. "$(dirname "$0")/lib.sh"

registry_start --access-log
registry_push multi >/dev/null
# the same image under a second name
python3 - "$REGISTRY_URL" <<'PY'
import os, sys
sys.path.insert(0, os.environ["SOURCE_DIR"] + "/tests/lib")
import registry_images as ri
ri.Pusher(sys.argv[1]).image("test/multi-copy", "latest", ri.multi_image())
PY

"$STORE_TOOL" "$STORE" pull-twice "$REGISTRY" "$REGISTRY/test/multi:latest" \
        "$REGISTRY/test/multi-copy:latest" || fail "concurrent pulls in one process"
base=$(python3 - <<'PY'
import os, sys
sys.path.insert(0, os.environ["SOURCE_DIR"] + "/tests/lib")
import registry_images as ri
img = ri.multi_image()
print(ri.sha256(img.layers[0][0]))
PY
)
n=$(grep -c "GET /v2/test/multi[-a-z]*/blobs/$base" "$REGISTRY_DIR/registry.log" || true)
[ "$n" = 1 ] || fail "shared layer downloaded $n times"
store_check_clean

# alive and not a zombie waiting for wait
running() { [ -r "/proc/$1/stat" ] && [ "$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -c2)" != Z ]; }

# Across processes, into a fresh store. Each pull holds its layers' locks
# until all its layers are in, so two pulls that take them in different
# orders can each get one the other needs and wait forever. That race is
# forced here: the first pull runs under registry-lock-gate, which holds its
# open of every lock after its first until the second pull either holds that
# lock (then the first one's try fails, as if it had lost the race) or has
# tried the first pull's first lock twice (it waits for it and did not go for
# this one meanwhile). A pull taking locks out of order hangs here every time.
GATE=$BUILD_DIR/tests/root/registry/registry-lock-gate
STORE=$REGISTRY_DIR/store-x
"$STORE_TOOL" "$STORE" images >/dev/null || fail "create store"
"$GATE" "$STORE/locks" "$REGISTRY_DIR/gate.log" after-first 30000 -- \
        "$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/none" \
        --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" \
        --insecure "$REGISTRY" "$REGISTRY/test/multi:latest" >"$REGISTRY_DIR/a" 2>&1 &
a=$!
EXTRA_CLEANUP+=("kill -9 $a 2>/dev/null")
# the first pull holds its first lock and is held at its second
for _ in $(seq 600); do
        log=$(cat "$REGISTRY_DIR/gate.log" 2>/dev/null || true)
        [ "$(grep -c "^cmd " <<<"$log")" -ge 2 ] && break
        running $a || break
        sleep 0.05
done
if [ "$(grep -c "^cmd " <<<"$log")" -lt 2 ]; then
        wait $a && rc=0 || rc=$?
        [ "$rc" = 77 ] && { cat "$REGISTRY_DIR/a"; exit 77; }
        fail "the first pull never took a second lock: $(cat "$REGISTRY_DIR/a")"
fi
pull_bg "$REGISTRY_DIR/b" --insecure "$REGISTRY" "$REGISTRY/test/multi-copy:latest"
b=$PULL_PID
for _ in $(seq 600); do
        running $a || running $b || break
        sleep 0.1
done
if running $a || running $b; then
        kill -9 $a $b 2>/dev/null || true
        echo "--- gate log" >&2
        cat "$REGISTRY_DIR/gate.log" >&2
        fail "two pulls sharing layers in two processes hang"
fi
wait $a || { cat "$REGISTRY_DIR/a"; fail "first concurrent pull"; }
wait $b || { cat "$REGISTRY_DIR/b"; fail "second concurrent pull"; }
log=$(cat "$REGISTRY_DIR/gate.log")
grep -q "^other $b " <<<"$log" || fail "the second pull never tried a lock while the first held one"
grep -q "^held .* waiting " <<<"$log" || fail "the forced interleaving did not happen: $log"
store_check_clean
echo ok
