#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An image whose config lies about a layer's diff_id is refused, and nothing
# of it stays in the store. When the lie is in the last of three layers, the
# good layers before it are not committed either, and a layer that an image
# in the store already uses stays.
. "$(dirname "$0")/lib.sh"

registry_start
registry_push difflie >/dev/null
pull_fails "diff_id" --insecure "$REGISTRY" "$REGISTRY/test/difflie:latest"
store_empty
store_check_clean

pull --insecure "$REGISTRY" "$REGISTRY/test/difflie:base" >/dev/null || fail "pull :base"
snapshot() { (cd "$STORE" && find layers blobs images tmp refs.json | sort); }
before=$(snapshot)
pull_fails "diff_id mismatch" --insecure "$REGISTRY" "$REGISTRY/test/difflie:last"
after=$(snapshot)
[ "$before" = "$after" ] || fail "the refused pull changed the store: $(diff <(echo "$before") <(echo "$after"))"
[ "$(ls "$STORE/layers" | wc -l)" = 1 ] || fail "layers: $(ls "$STORE/layers")"
store_check_clean
echo ok
