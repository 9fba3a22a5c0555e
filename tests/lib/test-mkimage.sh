#!/bin/bash
# tests/lib/mkimage.sh builds valid, reproducible OCI image layouts, root file
# systems and runtime bundles. Needs no root.
set -euo pipefail

mkimage=$SOURCE_DIR/tests/lib/mkimage.sh
for t in busybox jq tar gzip zstd sha256sum; do
        command -v "$t" >/dev/null || {
                echo "SKIP: $t is missing (tools/install-deps.sh installs it)" >&2
                exit 77
        }
done

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

work=$(mktemp -d /tmp/berth-test-mkimage.XXXXXX)
trap 'rm -rf "$work"' EXIT

blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

decompress() { # FILE MEDIATYPE
        case $2 in
        *+gzip) gzip -dc "$1" ;;
        *+zstd) zstd -dc "$1" ;;
        *.tar) cat "$1" ;;
        *) fail "unexpected layer media type $2" ;;
        esac
}

# Checks an image layout's structure and every digest; prints the manifest
# path. Fails on the first problem. (One jq per document: forks are slow on a
# loaded CI machine.)
verify_layout() { # DIR NLAYERS MEDIATYPE
        local dir=$1 n=$2 media=$3 f hex i
        local layout schema count mtype mdigest msize mpath
        local own_type ctype cdigest csize cpath nlayers ndiff rtype
        local -a ltypes ldigests lsizes diff_ids
        layout=$(jq -c . "$dir/oci-layout")
        [ "$layout" = '{"imageLayoutVersion":"1.0.0"}' ] || fail "$dir: bad oci-layout"
        for f in "$dir"/blobs/sha256/*; do
                read -r hex _ < <(sha256sum "$f")
                [ "$hex" = "${f##*/}" ] || fail "$dir: blob ${f##*/} has digest $hex"
        done
        eval "$(jq -r '@sh "schema=\(.schemaVersion) count=\(.manifests | length)
                mtype=\(.manifests[0].mediaType) mdigest=\(.manifests[0].digest)
                msize=\(.manifests[0].size)"' "$dir/index.json")"
        [ "$schema" = 2 ] || fail "$dir: index schemaVersion"
        [ "$count" = 1 ] || fail "$dir: index has not one manifest"
        [ "$mtype" = application/vnd.oci.image.manifest.v1+json ] || fail "$dir: manifest media type"
        mpath=$(blob "$dir" "$mdigest")
        [ -f "$mpath" ] || fail "$dir: manifest blob missing"
        [ "$(stat -c %s "$mpath")" = "$msize" ] || fail "$dir: manifest size"

        eval "$(jq -r '@sh "own_type=\(.mediaType) ctype=\(.config.mediaType)
                cdigest=\(.config.digest) csize=\(.config.size) nlayers=\(.layers | length)
                ltypes=(\([.layers[].mediaType])) ldigests=(\([.layers[].digest]))
                lsizes=(\([.layers[].size]))"' "$mpath")"
        [ "$own_type" = application/vnd.oci.image.manifest.v1+json ] || fail "$dir: manifest's own media type"
        [ "$ctype" = application/vnd.oci.image.config.v1+json ] || fail "$dir: config media type"
        cpath=$(blob "$dir" "$cdigest")
        [ -f "$cpath" ] || fail "$dir: config blob missing"
        [ "$(stat -c %s "$cpath")" = "$csize" ] || fail "$dir: config size"
        [ "$nlayers" = "$n" ] || fail "$dir: not $n layers"

        eval "$(jq -r '@sh "rtype=\(.rootfs.type) ndiff=\(.rootfs.diff_ids | length)
                diff_ids=(\(.rootfs.diff_ids))"' "$cpath")"
        [ "$rtype" = layers ] || fail "$dir: rootfs.type"
        [ "$ndiff" = "$n" ] || fail "$dir: not $n diff_ids"
        for ((i = 0; i < n; i++)); do
                [ "${ltypes[$i]}" = "$media" ] || fail "$dir: layer $i media type"
                f=$(blob "$dir" "${ldigests[$i]}")
                [ -f "$f" ] || fail "$dir: layer $i blob missing"
                [ "$(stat -c %s "$f")" = "${lsizes[$i]}" ] || fail "$dir: layer $i size"
                # diff_id: the digest of the uncompressed tar.
                read -r hex _ < <(decompress "$f" "$media" | sha256sum)
                [ "sha256:$hex" = "${diff_ids[$i]}" ] || fail "$dir: layer $i diff_id"
        done
        # Nothing in blobs/ that the index does not reach.
        [ "$(find "$dir/blobs/sha256" -type f | wc -l)" = $((n + 2)) ] || fail "$dir: stray blobs"
        echo "$mpath"
}

layer_tar() { # DIR MANIFEST INDEX: the uncompressed tar on stdout
        local media digest
        media=$(jq -r ".layers[$3].mediaType" "$2")
        digest=$(jq -r ".layers[$3].digest" "$2")
        decompress "$(blob "$1" "$digest")" "$media"
}

# An extra layer with a whiteout, as store tests will want.
mkdir -p "$work/extra/etc" "$work/extra/data"
echo "extra" >"$work/extra/data/file"
: >"$work/extra/etc/.wh.hostname"
echo "added" >"$work/added"

for comp in gzip zstd none; do
        case $comp in
        gzip) media=application/vnd.oci.image.layer.v1.tar+gzip ;;
        zstd) media=application/vnd.oci.image.layer.v1.tar+zstd ;;
        none) media=application/vnd.oci.image.layer.v1.tar ;;
        esac
        out=$work/img-$comp
        "$mkimage" --compression "$comp" --split --add-layer "$work/extra" --add "$work/added:/opt/added" "$out"
        manifest=$(verify_layout "$out" 3 "$media")
        config=$(blob "$out" "$(jq -r .config.digest "$manifest")")

        [ "$(jq -c .config.Cmd "$config")" = '["sh"]' ] || fail "$comp: Cmd"
        [ "$(jq -r .config.WorkingDir "$config")" = / ] || fail "$comp: WorkingDir"
        jq -e '.config.Env | index("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")' "$config" >/dev/null ||
                fail "$comp: Env has no PATH"
        [ "$(jq -r .os "$config")" = linux ] || fail "$comp: os"
        [ "$(jq -r '.history | length' "$config")" = 3 ] || fail "$comp: history"

        # Layer 1: busybox and its applets; layer 2: /etc and the directories.
        l1=$(layer_tar "$out" "$manifest" 0 | tar -tvf -)
        grep -qE '^-rwxr-xr-x 0/0 .* bin/busybox$' <<<"$l1" || fail "$comp: no bin/busybox in layer 1"
        grep -qE '^lrwxrwxrwx 0/0 .* bin/sh -> /bin/busybox$' <<<"$l1" || fail "$comp: no bin/sh link in layer 1"
        [ "$(grep -c -- '-> /bin/busybox$' <<<"$l1")" -gt 100 ] || fail "$comp: too few applet links"
        l2=$(layer_tar "$out" "$manifest" 1 | tar -tvf -)
        grep -qE '^drwxr-xr-x 1000/1000 .* home/app/$' <<<"$l2" || fail "$comp: home/app is not app's"
        grep -qE '^drwxrwxrwt 0/0 .* tmp/$' <<<"$l2" || fail "$comp: /tmp is not 1777"
        grep -qE '^drwx------ 0/0 .* root/$' <<<"$l2" || fail "$comp: /root is not 0700"
        grep -qE ' opt/added$' <<<"$l2" || fail "$comp: --add file missing"
        passwd=$(layer_tar "$out" "$manifest" 1 | tar -xOf - etc/passwd)
        grep -qx 'app:x:1000:1000:app:/home/app:/bin/sh' <<<"$passwd" || fail "$comp: no app user"
        grep -q '^nobody:x:65534:' <<<"$passwd" || fail "$comp: no nobody user"
        group=$(layer_tar "$out" "$manifest" 1 | tar -xOf - etc/group)
        grep -qx 'users:x:100:app' <<<"$group" || fail "$comp: app is not in users"
        l3=$(layer_tar "$out" "$manifest" 2 | tar -tf -)
        grep -qx 'etc/.wh.hostname' <<<"$l3" || fail "$comp: the whiteout of the extra layer is missing"
        grep -qx 'data/file' <<<"$l3" || fail "$comp: the extra layer's file is missing"
        # No absolute names, no "./" prefixes, sorted: what registries produce.
        if layer_tar "$out" "$manifest" 0 | tar -tf - | grep >/dev/null -E '^(/|\./)'; then
                fail "$comp: odd entry names"
        fi
done

# The verifier above catches a corrupted blob (so its passes mean something).
cp -a "$work/img-gzip" "$work/corrupt"
m=$(blob "$work/corrupt" "$(jq -r '.manifests[0].digest' "$work/corrupt/index.json")")
c=$(blob "$work/corrupt" "$(jq -r .config.digest "$m")")
echo ' ' >>"$c"
if (verify_layout "$work/corrupt" 3 application/vnd.oci.image.layer.v1.tar+gzip >/dev/null 2>&1); then
        fail "a corrupted config blob was not noticed"
fi

# Reproducible: the same options give the same digests.
"$mkimage" --compression gzip --split --add-layer "$work/extra" --add "$work/added:/opt/added" "$work/again"
cmp -s "$work/img-gzip/index.json" "$work/again/index.json" || fail "two builds differ"

# Config options.
"$mkimage" --tag v1 --cmd '["echo","hi"]' --entrypoint '["/bin/sh","-c"]' --env FOO=bar \
        --user app --workdir /home/app --label org.example.k=v "$work/opts"
manifest=$(verify_layout "$work/opts" 1 application/vnd.oci.image.layer.v1.tar+gzip)
config=$(blob "$work/opts" "$(jq -r .config.digest "$manifest")")
[ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$work/opts/index.json")" = v1 ] || fail "--tag"
[ "$(jq -c .config.Cmd "$config")" = '["echo","hi"]' ] || fail "--cmd"
[ "$(jq -c .config.Entrypoint "$config")" = '["/bin/sh","-c"]' ] || fail "--entrypoint"
jq -e '.config.Env | index("FOO=bar")' "$config" >/dev/null || fail "--env"
[ "$(jq -r .config.User "$config")" = app ] || fail "--user"
[ "$(jq -r .config.WorkingDir "$config")" = /home/app ] || fail "--workdir"
[ "$(jq -r '.config.Labels["org.example.k"]' "$config")" = v ] || fail "--label"

# Bad input is refused.
if "$mkimage" --cmd 'sh' "$work/bad1" 2>/dev/null; then fail "--cmd accepted a non-array"; fi
if "$mkimage" --bogus "$work/bad2" 2>/dev/null; then fail "an unknown option was accepted"; fi
if "$mkimage" --compression lzma "$work/bad3" 2>/dev/null; then fail "an unknown compression was accepted"; fi

# A plain root file system that runs.
"$mkimage" --format rootfs "$work/rootfs"
[ "$(readlink "$work/rootfs/bin/sh")" = /bin/busybox ] || fail "rootfs: bin/sh"
[ "$("$work/rootfs/bin/busybox" echo works)" = works ] || fail "rootfs: busybox does not run"
grep -q '^app:' "$work/rootfs/etc/passwd" || fail "rootfs: passwd"

# Layers, each in its own directory, bottom first.
"$mkimage" --format layers --split "$work/layers"
[ -x "$work/layers/1/bin/busybox" ] || fail "layers: no busybox in layer 1"
[ ! -e "$work/layers/1/etc/passwd" ] || fail "layers: passwd in layer 1"
[ -f "$work/layers/2/etc/passwd" ] || fail "layers: no passwd in layer 2"
[ ! -e "$work/layers/2/bin" ] || fail "layers: bin in layer 2"

# A runtime bundle.
if command -v crun >/dev/null || command -v runc >/dev/null; then
        "$mkimage" --format bundle --args '["/bin/echo","x"]' "$work/bundle"
        [ "$(jq -c .process.args "$work/bundle/config.json")" = '["/bin/echo","x"]' ] || fail "bundle: args"
        [ "$(jq -r .root.path "$work/bundle/config.json")" = rootfs ] || fail "bundle: root.path"
        [ "$(jq -r .process.terminal "$work/bundle/config.json")" = false ] || fail "bundle: terminal"
        [ -x "$work/bundle/rootfs/bin/busybox" ] || fail "bundle: rootfs"
fi

# skopeo, an independent implementation, accepts the layouts and their digests.
if ! command -v skopeo >/dev/null; then
        echo "SKIP: skopeo is missing; the layouts were checked by this test only" >&2
        exit 77
fi
for comp in gzip zstd none; do
        out=$work/img-$comp
        digest=$(jq -r '.manifests[0].digest' "$out/index.json")
        inspect=$(skopeo inspect "oci:$out:latest") || fail "skopeo inspect oci:$out rejects it"
        [ "$(jq -r .Digest <<<"$inspect")" = "$digest" ] || fail "skopeo sees another digest"
        [ "$(jq -r '.Layers | length' <<<"$inspect")" = 3 ] || fail "skopeo sees another layer count"
        # A copy reads and checks every blob against its digest.
        skopeo --insecure-policy copy -q "oci:$out:latest" "oci:$work/copy-$comp:latest" ||
                fail "skopeo copy of the $comp layout failed"
done
echo ok
