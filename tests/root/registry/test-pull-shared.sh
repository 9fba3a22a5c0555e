#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Two pulls needing the same layer share one download: in one process (two
# threads, one Registry) the registry serves the shared blob once; across
# processes both pulls succeed against one store and it checks clean.
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
running() { [ -r "/proc/$1/stat" ] && [ "$(cut -d')' -f2 "/proc/$1/stat" | cut -c2)" != Z ]; }

# across processes, into fresh stores, several times: each pull holds its
# layers' locks until all its layers are in, so a wrong lock order makes the
# two wait on each other (the timeout catches the hang)
for i in 1 2 3 4 5; do
        STORE=$REGISTRY_DIR/store-x$i
        pull_bg "$REGISTRY_DIR/a" --insecure "$REGISTRY" "$REGISTRY/test/multi:latest"
        a=$PULL_PID
        pull_bg "$REGISTRY_DIR/b" --insecure "$REGISTRY" "$REGISTRY/test/multi-copy:latest"
        b=$PULL_PID
        for _ in $(seq 300); do
                running $a || running $b || break
                sleep 0.1
        done
        if running $a || running $b; then
                kill $a $b 2>/dev/null || true
                fail "round $i: two pulls sharing layers in two processes hang"
        fi
        wait $a || { cat "$REGISTRY_DIR/a"; fail "round $i: first concurrent pull"; }
        wait $b || { cat "$REGISTRY_DIR/b"; fail "round $i: second concurrent pull"; }
        store_check_clean
done
echo ok
