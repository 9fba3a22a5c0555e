# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the store's shell tests. Needs BERTH_STORE and MKLAYER.
set -u
T=$(mktemp -d /tmp/berth-store-test.XXXXXX)
cleanup() {
        [ -n "${BG_PID:-}" ] && kill -9 "$BG_PID" 2>/dev/null
        chmod -R u+rwx "$T" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
bs() { "$BERTH_STORE" --root "$T/store" "$@"; }
sha() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
# mk SCENARIO NAME [OUTSIDE]: $T/NAME.tar
mk() { python3 "$MKLAYER" "$1" "$T/$2.tar" "${3:-}" || fail "mklayer $1"; }
layer_dir() { echo "$T/store/layers/${1#sha256:}/diff"; }
# extract FILE DIFFID [BLOBDIGEST]
extract() { bs layer-extract "${3:-$(sha "$1")}" "$2" < "$1"; }
assert_store_clean_tmp() {
        [ -z "$(ls -A "$T/store/tmp")" ] || fail "tmp/ not empty: $(ls -A "$T/store/tmp")"
}
# mkimage NAME CONFIGTAG DIFFID…: stores config + manifest blobs and commits
# NAME; the layers must be extracted already. Prints the image id.
mkimage() {
        local name=$1 tag=$2 ids="" d
        shift 2
        for d in "$@"; do ids="$ids${ids:+,}\"$d\""; done
        printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh","-c","echo %s"],"Env":["PATH=/bin"],"WorkingDir":"/","ExposedPorts":{"80/tcp":{}},"Labels":{"a":"b"}},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
                "$tag" "$ids" > "$T/config.json"
        local cfg man
        cfg=$(bs put-blob - < "$T/config.json") || fail "put config"
        printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"%s"},"layers":[]}' "$cfg" > "$T/manifest.json"
        man=$(bs put-blob - < "$T/manifest.json") || fail "put manifest"
        bs commit "$name" "$cfg" "$man" || fail "commit $name"
        echo "$cfg"
}
