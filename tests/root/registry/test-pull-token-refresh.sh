#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bearer token expires as the layers start: three layer requests get a
# 401 at once, and the pull makes exactly one token request for them while
# the fourth layer keeps downloading. The stub holds that token reply until
# the fourth layer's file is half extracted in the store's staging area, which a
# pull that waits for its token request before anything else never gets to
# (the stub gives up after 30 s and logs it). A failing refresh fails the
# pull, naming the reference and the HTTP status.
. "$(dirname "$0")/lib.sh"

port=$(registry_free_port)
python3 "$SOURCE_DIR/tests/lib/scripted_registry.py" --port "$port" --image tokens --token \
        --watch "$STORE" --log "$REGISTRY_DIR/stub.log" &
stub=$!
EXTRA_CLEANUP+=("kill $stub 2>/dev/null; wait $stub 2>/dev/null")
registry_wait_port "$port" "$stub" || fail "stub registry did not start"
H=127.0.0.1:$port

out=$(pull --insecure "$H" --parallel 4 "$H/test/img:latest" 2>&1) || fail "pull: $out"
log=$(cat "$REGISTRY_DIR/stub.log")
n=$(grep -c '"req": "token"' <<<"$log" || true)
[ "$n" = 2 ] || fail "expected 2 token requests (the first and one refresh), got $n: $log"
n=$(grep -c '"req": "blobs", .*"status": 401' <<<"$log" || true)
[ "$n" -ge 2 ] || fail "expected the expired token to be refused for several layers, got $n"
grep -q '"n": 2, "status": 200, "progressed": true' <<<"$log" ||
        fail "the other layer did not progress while the token was refreshed: $(grep '"n": 2' <<<"$log")"
[ "$("$STORE_TOOL" "$STORE" images)" = 1 ] || fail "no image committed"
store_check_clean
echo "one refresh, other layer kept downloading"

# the refresh fails: the pull fails with the reference and the status, and
# leaves nothing behind
kill $stub
wait $stub || true
STORE=$REGISTRY_DIR/store-fail
rm -f "$REGISTRY_DIR/stub.log"
port=$(registry_free_port)
python3 "$SOURCE_DIR/tests/lib/scripted_registry.py" --port "$port" --image tokens --token \
        --refresh-status 500 --log "$REGISTRY_DIR/stub.log" &
stub=$!
EXTRA_CLEANUP+=("kill $stub 2>/dev/null; wait $stub 2>/dev/null")
registry_wait_port "$port" "$stub" || fail "stub registry did not start"
H=127.0.0.1:$port
if out=$(pull --insecure "$H" --parallel 4 "$H/test/img:latest" 2>&1); then
        fail "pull succeeded though its token refresh failed: $out"
fi
want="pull $H/test/img:latest: layer sha256:[0-9a-f]*: token from $H: HTTP 500"
grep -q "$want" <<<"$out" || fail "the error does not say: $want: $out"
n=$(grep -c '"req": "token"' "$REGISTRY_DIR/stub.log" || true)
[ "$n" = 2 ] || fail "expected 2 token requests, got $n"
store_empty
echo ok
