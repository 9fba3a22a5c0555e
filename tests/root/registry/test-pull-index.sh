#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An OCI index and a Docker manifest list, each listing a foreign architecture
# first: the host's entry is pulled; --platform picks another; a platform the
# index lacks is a clear error; pulls by digest work and are verified.
. "$(dirname "$0")/lib.sh"

[ "$(uname -m)" = x86_64 ] || { echo "SKIP: the test images carry amd64 as the host entry"; exit 77; }

registry_start
pushed=$(registry_push index; registry_push list)
echo "$pushed"

arch_of() {  # REF -> content of etc/arch in the pulled image
        with_rootfs "$1" cat "$REGISTRY_DIR/rootfs/etc/arch"
}

pull --insecure "$REGISTRY" "$REGISTRY/test/index" >/dev/null
[ "$(arch_of "$REGISTRY/test/index:latest")" = "oci amd64" ] || fail "OCI index: wrong entry"

pull --insecure "$REGISTRY" "$REGISTRY/test/list:latest" >/dev/null
[ "$(arch_of "$REGISTRY/test/list:latest")" = "docker amd64" ] || fail "manifest list: wrong entry"

pull --insecure "$REGISTRY" --platform linux/arm64/v8 "$REGISTRY/test/index:latest" >/dev/null
[ "$(arch_of "$REGISTRY/test/index:latest")" = "oci arm64/v8" ] || fail "--platform linux/arm64/v8"

pull_fails "no image for linux/riscv64" --insecure "$REGISTRY" --platform linux/riscv64 \
        "$REGISTRY/test/list:latest"
pull_fails "invalid platform" --insecure "$REGISTRY" --platform linux "$REGISTRY/test/list"

# by digest: the index's own digest, verified against what arrives
digest=$(awk '$1 == "test/list:latest" {print $2}' <<<"$pushed")
pull --insecure "$REGISTRY" "$REGISTRY/test/list@$digest" >/dev/null
[ "$(arch_of "$REGISTRY/test/list@$digest")" = "docker amd64" ] || fail "pull by digest"
pull_fails "HTTP 404 (MANIFEST_UNKNOWN)" --insecure "$REGISTRY" \
        "$REGISTRY/test/list@sha256:$(printf '%064d' 0)"
pull_fails "HTTP 404" --insecure "$REGISTRY" "$REGISTRY/test/absent:latest"
pull_fails "invalid reference" --insecure "$REGISTRY" "$REGISTRY/Test/UPPER"
# a configured mirror that is down: the registry itself serves the pull
mkdir -p "$REGISTRY_DIR/mirror.d"
printf '[Registry]\nHost=%s\nInsecure=yes\nMirror=127.0.0.1:%s\n' "$REGISTRY" \
        "$(registry_free_port)" > "$REGISTRY_DIR/mirror.d/10-mirror.conf"
"$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/mirror.d" --attempts 1 \
        --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" \
        "$REGISTRY/test/list:latest" >/dev/null 2>"$REGISTRY_DIR/err" || fail "mirror fallback"
grep -q "mirror 127.0.0.1:[0-9]* failed" "$REGISTRY_DIR/err" || fail "mirror not tried first"
store_check_clean
echo ok
