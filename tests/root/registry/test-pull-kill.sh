#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill -9 in the middle of a pull; the same pull again succeeds and the
# store checks clean. A fresh pull of the same image stays within the RSS
# budget.
. "$(dirname "$0")/lib.sh"

registry_start
registry_push big >/dev/null
ref=$REGISTRY/test/big:latest

# On a loaded machine the pull may win the race against the kill; that
# attempt proves nothing, so it is repeated with an empty store.
killed=
for attempt in 1 2 3 4 5; do
        rm -rf "$STORE" "$REGISTRY_DIR/progress"
        pull_bg "$REGISTRY_DIR/progress" --insecure "$REGISTRY" --parallel 1 "$ref"
        pid=$PULL_PID
        for _ in $(seq 600); do
                grep -q "^layer .* done" "$REGISTRY_DIR/progress" && break
                kill -0 $pid 2>/dev/null || break
                sleep 0.01
        done
        kill -9 $pid 2>/dev/null
        if wait $pid; then
                echo "attempt $attempt: the pull finished before the kill; again"
                continue
        fi
        killed=1
        break
done
[ -n "$killed" ] || fail "the pull always finished before it could be killed"
cat "$REGISTRY_DIR/progress"
grep -q "^image " "$REGISTRY_DIR/progress" && fail "pull finished before the kill"
[ -n "$(ls -A "$STORE/tmp")" ] && echo "staging left by the kill: $(ls "$STORE/tmp")"

out=$(pull --insecure "$REGISTRY" "$ref")
echo "$out" | grep -v "^layers "
grep -q "^layer .* present" <<<"$out" || fail "the layer finished before the kill was not reused"
[ -z "$(ls -A "$STORE/tmp")" ] || fail "staging not cleaned: $(ls "$STORE/tmp")"
store_check_clean

# The whole image into a fresh store: three 40 MiB layers stream through
# bounded buffers (a full one pauses its transfer), so the peak RSS stays far
# below one layer's size (the sanitizers' shadow memory gets twice the room).
STORE=$REGISTRY_DIR/store-rss
/usr/bin/time -f %M -o "$REGISTRY_DIR/rss" "$BERTH_PULL" --root "$STORE" \
        --config-dir "$REGISTRY_DIR/none" --auth-file "$REGISTRY_DIR/none.json" \
        --certs-dir "$REGISTRY_DIR/none" --insecure "$REGISTRY" "$ref" >/dev/null ||
        fail "fresh pull of $ref"
rss=$(tail -n1 "$REGISTRY_DIR/rss")
echo "peak RSS of the fresh pull: $rss KiB"
budget=$((${BERTH_SANITIZED:-0} == 1 ? 60 : 30))
[ "$rss" -lt $((budget * 1024)) ] || fail "peak RSS $rss KiB, budget $budget MiB"
store_check_clean
echo ok
