#!/bin/bash
# Test images travel through a real registry inside the harness: pushed with
# skopeo, served by Debian's docker-registry, pulled back unchanged.
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
harness_require_root
for t in docker-registry skopeo curl; do
        command -v "$t" >/dev/null || {
                echo "SKIP: $t is missing" >&2
                exit 77
        }
done

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

HARNESS_INSTALL=0 harness_boot
harness_registry 5000
harness_push_image 127.0.0.1:5000/test/busybox:v1 --split --compression zstd

tags=$(harness_run curl -sf http://127.0.0.1:5000/v2/test/busybox/tags/list)
[ "$tags" = '{"name":"test/busybox","tags":["v1"]}' ] || fail "registry tags: $tags"

# The registry serves the layers with the digests and media types mkimage wrote.
harness_mkimage /tmp/local --split --compression zstd
digest=$(harness_run jq -r '.manifests[0].digest' /tmp/local/index.json)
local_manifest=$(harness_run cat "/tmp/local/blobs/sha256/${digest#sha256:}")
remote_manifest=$(harness_run skopeo inspect --raw --tls-verify=false docker://127.0.0.1:5000/test/busybox:v1)
[ "$(jq -c .layers <<<"$remote_manifest")" = "$(jq -c .layers <<<"$local_manifest")" ] ||
        fail "the registry's layers differ from the local layout's"
[ "$(jq -r '.layers[0].mediaType' <<<"$remote_manifest")" = application/vnd.oci.image.layer.v1.tar+zstd ] ||
        fail "zstd layers were converted"

# And it can be pulled back (skopeo checks every blob's digest on the way).
harness_run skopeo copy -q --insecure-policy --src-tls-verify=false \
        docker://127.0.0.1:5000/test/busybox:v1 oci:/tmp/pulled:v1 || fail "pull failed"
harness_teardown 0 || fail "teardown left something"
echo ok
