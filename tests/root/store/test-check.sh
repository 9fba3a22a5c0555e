#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `check` verifies each layer against the content index recorded when it was
# extracted: a flipped byte, a deleted file, an added file, a changed mode,
# owner, xattr, symlink target or device number are each reported with the
# layer and the path; an untouched layer and a tampered index are told apart.
if [ "$(id -u)" != 0 ]; then
        echo "skip: needs root" >&2
        exit 77
fi
. "$SOURCE_DIR/tests/unit/store/lib.sh"

# Names whose order differs between plain and escaped or path-wise
# comparison: the index written at extraction and the one check rebuilds
# must still line up.
python3 - "$T/names.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:
    for name in ['a/', 'a/x', 'a-b', 'a b', 'a%', 'a=b,c', '!', '.hidden', 'z\nline', 'caf\xe9',
                 'a/y/', 'a/y/z', 'a.b/', 'a.b/c']:
        ti = tarfile.TarInfo(name.rstrip('/'))
        ti.type = tarfile.DIRTYPE if name.endswith('/') else tarfile.REGTYPE
        data = name.encode('utf-8', 'surrogateescape')
        ti.size = 0 if ti.type == tarfile.DIRTYPE else len(data)
        t.addfile(ti, None if ti.type == tarfile.DIRTYPE else io.BytesIO(data))
PY
N=$(sha "$T/names.tar")
extract "$T/names.tar" "$N" > /dev/null || fail "extract names"
bs check > "$T/check" 2>/dev/null
grep -v "^orphan layer $N\$" "$T/check" | grep -q . && fail "names layer: $(cat "$T/check")"
rm "$(layer_dir "$N")/a-b"
bs check > "$T/check" 2>/dev/null
grep -qF "layer $N: a-b: missing" "$T/check" || fail "names layer damage: $(cat "$T/check")"
rm -rf "$T/store/layers/${N#sha256:}"

mk basic basic
D=$(sha "$T/basic.tar")
extract "$T/basic.tar" "$D" > /dev/null || fail "extract"
L=$(layer_dir "$D")
bs check > "$T/check" 2>/dev/null
grep -v "^orphan layer $D\$" "$T/check" | grep -q . && fail "clean layer: $(cat "$T/check")"
cp -a "$T/store" "$T/pristine"

# expect_damage DESCRIPTION WANT COMMAND…: COMMAND damages the layer (in
# $L); check must fail naming the layer and WANT; then the store is reset.
expect_damage() {
        local what=$1 want=$2
        shift 2
        "$@" || fail "$what: could not damage the layer"
        bs check > "$T/check" 2>&1 && fail "$what: check passed: $(cat "$T/check")"
        grep -qF "layer $D: $want" "$T/check" || fail "$what: check said: $(cat "$T/check")"
        echo "$what: $(grep -F "layer $D:" "$T/check")"
        rm -rf "$T/store"
        cp -a "$T/pristine" "$T/store"
}
flip_byte() { printf 'X' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
retarget() { rm "$1" && ln -s "$2" "$1"; }
remake_dev() { rm "$1" && mknod "$1" c 1 5 && chmod 666 "$1"; }

expect_damage "flipped byte" "bin/su: content differs" flip_byte "$L/bin/su" 3
# etc/hard is the same inode and sorts first
expect_damage "flipped byte, hardlinked" "etc/hard: content differs" flip_byte "$L/etc/passwd" 3
expect_damage "deleted file" "implied/deep/file: missing" rm "$L/implied/deep/file"
expect_damage "added file" "bin/new: not in the index" cp "$L/bin/su" "$L/bin/new"
expect_damage "changed mode" "bin/wall: mode differs" chmod 0755 "$L/bin/wall"
expect_damage "changed owner" "owned: owner differs" chown 0 "$L/owned"
rmxattr() { python3 -c 'import os, sys; os.removexattr(sys.argv[1], sys.argv[2])' "$@"; }
expect_damage "removed capability" "cap: xattrs differs" rmxattr "$L/cap" security.capability
expect_damage "symlink target" "etc/sym: content differs" retarget "$L/etc/sym" /etc/passwd
expect_damage "device number" "dev/null: content differs" remake_dev "$L/dev/null"
expect_damage "truncated file" "xattr: size differs" truncate -s 0 "$L/xattr"
expect_damage "lost opaque marker" "var/cache: xattrs differs" \
        rmxattr "$L/var/cache" trusted.overlay.opaque
expect_damage "tampered index" "content index has digest" \
        sed -i 's/^bin d /bin x /' "$T/store/layers/${D#sha256:}/index"
echo ok
