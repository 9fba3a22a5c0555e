#!/bin/bash
# Builds test images from this machine's own files (busybox-static), so that no
# test downloads anything. Output is reproducible: same options, same digests.
#
# usage: mkimage.sh [OPTIONS] OUT
#
# Formats (--format):
#   oci     (default) an OCI image layout in OUT: oci-layout, index.json,
#           blobs/sha256/...; the manifest is tagged with --tag in index.json
#   rootfs  OUT is the image's root file system, all layers extracted
#   layers  OUT/1, OUT/2, ...: each layer extracted into its own directory,
#           bottom first (lower directories for an overlay)
#   bundle  an OCI runtime bundle: OUT/rootfs and OUT/config.json
#   (rootfs, layers and bundle write whiteout files as they are)
#
# Options:
#   --compression gzip|zstd|none   layer compression (default gzip)
#   --split                 busybox in one layer, /etc and the directories in
#                           a second one (default: a single layer)
#   --add-layer DIR         one more layer on top with DIR's tree (repeatable;
#                           .wh.* whiteout files in DIR are kept as they are)
#   --add SRC:DST           put the host file SRC at DST in the base image
#   --tag NAME              ref name in index.json (default latest)
#   --cmd JSON              image Cmd (default ["sh"])
#   --entrypoint JSON       image Entrypoint (default none)
#   --env K=V               one more image Env entry (repeatable)
#   --user USER             image User (default none, i.e. root)
#   --workdir DIR           image WorkingDir (default /)
#   --label K=V             image label (repeatable)
#   --args JSON             bundle: process args (default ["/bin/true"])
#
# The image: /bin/busybox with all its applets as symlinks, /etc/passwd and
# /etc/group with root, nobody and app (uid 1000, gid 1000, also in groups
# users and staff), /root, /home/app (owned by app), /tmp, /proc, /sys, /dev.
set -euo pipefail

die() {
        echo "mkimage: $*" >&2
        exit 1
}

format=oci
compression=gzip
split=0
tag=latest
cmd='["sh"]'
entrypoint=null
user=
workdir=/
args='["/bin/true"]'
envs=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
labels=()
adds=()
extra_layers=()
out=

while [ $# -gt 0 ]; do
        case $1 in
        --format) format=$2; shift ;;
        --compression) compression=$2; shift ;;
        --split) split=1 ;;
        --add-layer) extra_layers+=("$(realpath "$2")"); shift ;;
        --add) adds+=("$2"); shift ;;
        --tag) tag=$2; shift ;;
        --cmd) cmd=$2; shift ;;
        --entrypoint) entrypoint=$2; shift ;;
        --env) envs+=("$2"); shift ;;
        --user) user=$2; shift ;;
        --workdir) workdir=$2; shift ;;
        --label) labels+=("$2"); shift ;;
        --args) args=$2; shift ;;
        -h | --help)
                sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
                exit 0
                ;;
        -*) die "unknown option $1" ;;
        *)
                [ -z "$out" ] || die "only one output directory"
                out=$1
                ;;
        esac
        shift
done
[ -n "$out" ] || die "usage: mkimage.sh [OPTIONS] OUT (see --help)"
case $format in oci | rootfs | layers | bundle) ;; *) die "unknown format $format" ;; esac
case $compression in gzip | zstd | none) ;; *) die "unknown compression $compression" ;; esac
for j in "$cmd" "$entrypoint" "$args"; do
        jq -e 'type == "array" or type == "null"' >/dev/null 2>&1 <<<"$j" || die "not a JSON array: $j"
done

busybox=$(command -v busybox) || die "busybox is missing (Debian package busybox-static)"
if ! file -L "$busybox" 2>/dev/null | grep >/dev/null 'statically linked' &&
        ldd "$busybox" >/dev/null 2>&1; then
        die "$busybox is dynamically linked; install busybox-static"
fi

mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Reproducible tar: fixed order, times, owners; GNU format (no pax times).
# Everything is root's except what owners.map gives to app.
mtime=@${SOURCE_DATE_EPOCH:-0}
created=$(date -u -d "$mtime" +%Y-%m-%dT%H:%M:%SZ)
mktar() { # DIR OUTPUT.tar
        (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort) >"$work/list"
        grep -vx 'home/app' "$work/list" >"$work/list.root" || true
        tar -C "$1" --format=gnu --mtime="$mtime" --owner=0 --group=0 --numeric-owner \
                --no-recursion -T "$work/list.root" -cf "$2"
        if grep -qx 'home/app' "$work/list"; then
                tar -C "$1" --format=gnu --mtime="$mtime" --owner=1000 --group=1000 --numeric-owner \
                        --no-recursion -rf "$2" home/app
        fi
}

# --- the image's trees, one per layer --------------------------------------
base=$work/tree/base
etc=$base
mkdir -p "$base/bin"
install -m 0755 "$busybox" "$base/bin/busybox"
"$busybox" --list-full | grep -vx bin/busybox | LC_ALL=C sort >"$work/applets"
# One process for all ~270 links (perl-base is part of every Debian system).
(
        cd "$base"
        sed -n 's|/[^/]*$||p' "$work/applets" | sort -u | xargs mkdir -p
        perl -nle 'symlink("/bin/busybox", $_) or die "symlink $_: $!\n"' "$work/applets"
)
if [ "$split" = 1 ]; then
        etc=$work/tree/etc
        mkdir -p "$etc"
fi
mkdir -p "$etc"/{etc,root,home/app,tmp,proc,sys,dev,run,var/tmp}
chmod 0700 "$etc/root"
chmod 1777 "$etc/tmp" "$etc/var/tmp"
cat >"$etc/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
EOF
cat >"$etc/etc/group" <<'EOF'
root:x:0:
staff:x:50:app
users:x:100:app
app:x:1000:
nogroup:x:65534:
EOF
echo "berth-test" >"$etc/etc/hostname"
for a in "${adds[@]}"; do
        src=${a%%:*}
        dst=${a#*:}
        if [ ! -f "$src" ] || [ "$dst" = "$a" ]; then
                die "--add wants SRC:DST with SRC a file: $a"
        fi
        install -D -m "$(stat -c %a "$src")" "$src" "$etc/${dst#/}"
done
chmod -R u+rwX,go+rX,go-w "$base" "$etc"
chmod 0700 "$etc/root"
chmod 1777 "$etc/tmp" "$etc/var/tmp"

trees=("$base")
[ "$split" = 1 ] && trees+=("$etc")
trees+=("${extra_layers[@]}")

# --- layers: uncompressed tars, then the chosen compression -----------------
layer_tars=()
for i in "${!trees[@]}"; do
        [ -d "${trees[$i]}" ] || die "not a directory: ${trees[$i]}"
        mktar "${trees[$i]}" "$work/layer$i.tar"
        layer_tars+=("$work/layer$i.tar")
done

# Extracts the layers in order into one directory each, or all into one.
extract_layers() { # DIR per-layer(0|1)
        local i dst
        for i in "${!layer_tars[@]}"; do
                dst=$1
                [ "$2" = 1 ] && dst=$1/$((i + 1))
                mkdir -p "$dst"
                # Not root: no chown; the files are the caller's.
                if [ "$(id -u)" = 0 ]; then
                        tar -C "$dst" --numeric-owner -xpf "${layer_tars[$i]}"
                else
                        tar -C "$dst" --no-same-owner -xpf "${layer_tars[$i]}"
                fi
        done
}

case $format in
rootfs)
        extract_layers "$out" 0
        exit 0
        ;;
layers)
        extract_layers "$out" 1
        exit 0
        ;;
bundle)
        extract_layers "$out/rootfs" 0
        spec=$work/spec
        mkdir -p "$spec"
        if command -v crun >/dev/null; then
                crun spec -b "$spec"
        elif command -v runc >/dev/null; then
                (cd "$spec" && runc spec)
        else
                die "need crun or runc for the bundle's config.json"
        fi
        jq --argjson args "$args" --arg cwd "$workdir" '
                .process.terminal = false | .process.args = $args | .process.cwd = $cwd |
                .root = {path: "rootfs", readonly: true} | .hostname = "berth-bench"' \
                "$spec/config.json" >"$out/config.json"
        exit 0
        ;;
esac

# --- OCI image layout --------------------------------------------------------
blobs=$out/blobs/sha256
mkdir -p "$blobs"
# Stores a file as a blob; prints "DIGEST SIZE".
put_blob() {
        local hex size
        read -r hex _ < <(sha256sum "$1")
        size=$(stat -c %s "$1")
        mv "$1" "$blobs/$hex"
        chmod 0644 "$blobs/$hex"
        echo "sha256:$hex $size"
}

case $compression in
gzip) media=application/vnd.oci.image.layer.v1.tar+gzip ;;
zstd) media=application/vnd.oci.image.layer.v1.tar+zstd ;;
none) media=application/vnd.oci.image.layer.v1.tar ;;
esac
# One "DIGEST SIZE DIFF_ID" line per layer, bottom first.
: >"$work/layers"
for t in "${layer_tars[@]}"; do
        read -r diff_id _ < <(sha256sum "$t")
        case $compression in
        gzip) gzip -n "$t" && t=$t.gz ;;
        zstd) zstd -q --rm "$t" && t=$t.zst ;;
        esac
        echo "$(put_blob "$t") sha256:$diff_id" >>"$work/layers"
done

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
i?86) arch=386 ;;
armv7l) arch=arm ;;
*) arch=$(uname -m) ;;
esac

# Env and labels as lines; jq splits them (one process for the config).
printf '%s\n' "${envs[@]}" >"$work/env"
printf '%s\n' "${labels[@]}" >"$work/labels"
jq -n -c --arg created "$created" --arg arch "$arch" --arg user "$user" --arg wd "$workdir" \
        --argjson cmd "$cmd" --argjson ep "$entrypoint" \
        --rawfile env "$work/env" --rawfile labels "$work/labels" --rawfile layers "$work/layers" '
        def lines: split("\n") | map(select(. != ""));
        ($layers | lines | map(split(" "))) as $l
        | {created: $created, architecture: $arch, os: "linux",
           config: ({Env: ($env | lines), Cmd: $cmd, WorkingDir: $wd,
                     Labels: ($labels | lines | map(capture("^(?<key>[^=]*)=(?<value>.*)$")) | from_entries)}
                    + (if $user != "" then {User: $user} else {} end)
                    + (if $ep != null then {Entrypoint: $ep} else {} end)),
           rootfs: {type: "layers", diff_ids: [$l[][2]]},
           history: [range($l | length) as $i
                     | {created: $created, created_by: "berth tests/lib/mkimage.sh: layer \($i + 1)"}]}' \
        >"$work/config.json"
read -r config_digest config_size < <(put_blob "$work/config.json")

jq -n -c --arg cd "$config_digest" --argjson cs "$config_size" --arg m "$media" \
        --rawfile layers "$work/layers" '
        {schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
         config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
         layers: [$layers | split("\n")[] | select(. != "") | split(" ")
                  | {mediaType: $m, digest: .[0], size: (.[1] | tonumber)}]}' >"$work/manifest.json"
read -r manifest_digest manifest_size < <(put_blob "$work/manifest.json")

echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
jq -n -c --arg md "$manifest_digest" --argjson ms "$manifest_size" --arg tag "$tag" --arg arch "$arch" '
        {schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
         manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
                      digest: $md, size: $ms,
                      platform: {architecture: $arch, os: "linux"},
                      annotations: {"org.opencontainers.image.ref.name": $tag}}]}' >"$out/index.json"
