#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A layer download that must be retried finds the layer committed meanwhile
# (by another process): the pull skips the download instead of failing, and
# the registry sees no second request for the blob.
. "$(dirname "$0")/lib.sh"

port=$(registry_free_port)
gate=$REGISTRY_DIR/gate
mkdir -p "$gate"
python3 "$SOURCE_DIR/tests/lib/hostile_registry.py" "$port" "$gate" &
hostile=$!
EXTRA_CLEANUP+=("kill $hostile; wait $hostile")
registry_wait_port "$port" "$hostile" || fail "hostile registry did not start"
H=127.0.0.1:$port

# the same layer, extracted into a side store by a pull of its own
STORE=$REGISTRY_DIR/side pull --insecure "$H" "$H/good/img" >/dev/null || fail "side pull"
hex=$(ls "$REGISTRY_DIR/side/layers")
[ "$(wc -w <<<"$hex")" = 1 ] || fail "side store layers: $hex"

pull_bg "$REGISTRY_DIR/pull.log" --insecure "$H" --attempts 3 "$H/gate/img"
for _ in $(seq 200); do
        [ -e "$gate/reached" ] && break
        sleep 0.05
done
[ -e "$gate/reached" ] || fail "the layer request never came: $(cat "$REGISTRY_DIR/pull.log")"
# another process commits the layer (a rename, as the store does) while the
# first request is still in flight; that request then fails with a 503
cp -a "$REGISTRY_DIR/side/layers/$hex" "$REGISTRY_DIR/appeared"
mv -T "$REGISTRY_DIR/appeared" "$STORE/layers/$hex"
touch "$gate/release"
wait "$PULL_PID" || fail "pull failed: $(cat "$REGISTRY_DIR/pull.log")"
[ "$(cat "$gate/requests")" = 1 ] || fail "the blob was requested $(cat "$gate/requests") times"
[ "$("$STORE_TOOL" "$STORE" images)" = 1 ] || fail "no image committed"
store_check_clean
echo ok
