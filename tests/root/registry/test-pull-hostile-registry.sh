#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile registry replies (tests/lib/hostile_registry.py): oversized and
# endless manifests, malformed JSON, wrong media types, digests that are
# paths, digest mismatches, endless redirects, slowloris, server errors and
# blobs of the wrong length are refused with a clear error, leaving nothing
# behind; retries, redirects and cancellation work.
. "$(dirname "$0")/lib.sh"

port=$(registry_free_port)
python3 "$SOURCE_DIR/tests/lib/hostile_registry.py" "$port" &
hostile=$!
EXTRA_CLEANUP+=("kill $hostile; wait $hostile")
registry_wait_port "$port" "$hostile" || fail "hostile registry did not start"
H=127.0.0.1:$port
opts=(--insecure "$H" --timeout 2 --attempts 2)

good_digest=$(curl -sf -H "Accept: application/vnd.oci.image.manifest.v1+json" \
        "http://$H/v2/good/img/manifests/latest" | sha256sum | cut -d' ' -f1)

pull_fails "pull $H/huge/img:latest: manifest: reply larger than 4194304 bytes" "${opts[@]}" "$H/huge/img"
pull_fails "manifest: reply larger than" "${opts[@]}" "$H/endless/img"
pull_fails "manifest: malformed JSON" "${opts[@]}" "$H/malformed/img"
pull_fails "manifest: unsupported manifest mediaType" "${opts[@]}" "$H/wrongtype/img"
pull_fails "manifest: descriptor with an invalid digest" "${opts[@]}" "$H/baddigest/img"
[ ! -e /tmp/berth-hostile ] || fail "a digest was used as a path"
pull_fails "digest mismatch" "${opts[@]}" "$H/liar/img@sha256:$good_digest"
pull_fails "config: digest mismatch" "${opts[@]}" "$H/liar/img:latest"
pull_fails "redirects" "${opts[@]}" "$H/redirect/img"
pull_fails "manifest: Operation too slow" "${opts[@]}" "$H/slow/img"
# a drip fast enough for the low-speed limit still meets the request timeout
pull_fails "manifest: Operation timed out" "${opts[@]}" --request-timeout 3 "$H/drip/img"
pull_fails "manifest: HTTP 500 (INTERNAL)" "${opts[@]}" "$H/broken/img"
pull_fails "blob larger than its descriptor says" "${opts[@]}" "$H/bigblob/img"
pull_fails "descriptor says" "${opts[@]}" "$H/shortblob/img"
store_empty

# what must work: blob redirects, retries after 503 and a cut-off transfer
pull "${opts[@]}" "$H/offsite/img" >/dev/null || fail "offsite blob redirect"
pull --insecure "$H" --attempts 3 "$H/flaky/img" >/dev/null || fail "retries"
pull "${opts[@]}" "$H/good/img@sha256:$good_digest" >/dev/null || fail "pull by digest"
store_check_clean

# cancellation: SIGTERM in the middle of a layer leaves nothing behind
STORE=$REGISTRY_DIR/store-cancel
pull_bg "$REGISTRY_DIR/cancel.log" "${opts[@]}" "$H/slowblob/img"
pid=$PULL_PID
for _ in $(seq 100); do
        grep -q "downloading" "$REGISTRY_DIR/cancel.log" && break
        sleep 0.05
done
sleep 0.3
kill -TERM $pid
wait $pid && fail "cancelled pull exited 0"
grep -q "cancelled" "$REGISTRY_DIR/cancel.log" || fail "$(cat "$REGISTRY_DIR/cancel.log")"
store_empty
echo ok
