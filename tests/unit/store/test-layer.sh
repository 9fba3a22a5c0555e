#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Layer extraction without root: formats, whiteouts, links, modes, digests.
. "$(dirname "$0")/lib.sh"

mk basic basic
D=$(sha "$T/basic.tar")
gzip -c "$T/basic.tar" > "$T/basic.tar.gz"
zstd -q -c "$T/basic.tar" > "$T/basic.tar.zst"

# A lying diff_id and a lying blob digest: refused, nothing committed.
bad=sha256:0000000000000000000000000000000000000000000000000000000000000000
extract "$T/basic.tar.gz" "$bad" 2> "$T/err" && fail "diff_id lie accepted"
grep -q "diff_id mismatch" "$T/err" || fail "diff_id lie: $(cat "$T/err")"
extract "$T/basic.tar.gz" "$D" "$bad" 2> "$T/err" && fail "blob digest lie accepted"
grep -q "blob digest mismatch" "$T/err" || fail "blob lie: $(cat "$T/err")"
[ -z "$(ls -A "$T/store/layers")" ] || fail "a refused layer was committed"
assert_store_clean_tmp

for c in tar.gz tar.zst tar; do
        rm -rf "$T/store"
        out=$(extract "$T/basic.$c" "$D") || fail "extract $c"
        [ "$out" = "$(sha "$T/basic.$c")" ] || fail "$c: reported blob digest $out"
        L=$(layer_dir "$D")
        [ "$(cat "$L/etc/passwd")" = "root:x:0:0::/root:/bin/sh" ] || fail "$c: file content"
        [ "$(stat -c %i "$L/etc/passwd")" = "$(stat -c %i "$L/etc/hard")" ] || fail "$c: hardlink"
        [ "$(readlink "$L/etc/sym")" = "../etc/passwd" ] || fail "$c: symlink"
        [ "$(readlink "$L/etc/abs-sym")" = "/etc/shadow" ] || fail "$c: absolute symlink"
        [ "$(stat -c %a "$L/bin/su")" = 4755 ] || fail "$c: setuid $(stat -c %a "$L/bin/su")"
        [ "$(stat -c %a "$L/bin/wall")" = 2755 ] || fail "$c: setgid"
        [ "$(stat -c %a "$L/tmp")" = 1777 ] || fail "$c: sticky"
        [ "$(stat -c %a "$L/ro")" = 555 ] || fail "$c: read-only dir mode"
        [ "$(cat "$L/ro/inside")" = "written before the mode is applied" ] || fail "$c: ro/inside"
        [ "$(stat -c %Y "$L/etc/passwd")" = 1234567890 ] || fail "$c: file mtime"
        [ "$(stat -c %Y "$L/etc")" = 1000000000 ] || fail "$c: dir mtime"
        [ "$(stat -c '%F %t %T' "$L/etc/motd")" = "character special file 0 0" ] ||
                fail "$c: whiteout $(stat -c '%F %t %T' "$L/etc/motd")"
        [ ! -e "$L/etc/.wh.motd" ] || fail "$c: whiteout marker kept"
        [ ! -e "$L/var/cache/.wh..wh..opq" ] || fail "$c: opaque marker kept"
        python3 - "$L" <<'PY' || fail "$c: xattrs"
import os, sys
L = sys.argv[1]
assert os.getxattr(L + '/xattr', 'user.test') == b'value'
name = 'trusted.overlay.opaque' if os.geteuid() == 0 else 'user.overlay.opaque'
assert os.getxattr(L + '/var/cache', name) == b'y'
PY
        [ -p "$L/fifo" ] || fail "$c: fifo"
        [ "$(cat "$L/replaced")" = second ] || fail "$c: a later entry replaces an earlier one"
        [ "$(cat "$L/implied/deep/file")" = "parents are made" ] || fail "$c: implied parents"
        [ -f "$T/store/layers/${D#sha256:}/meta.json" ] || fail "$c: meta.json"
        bs check > "$T/check" 2>&1 && fail "$c: an unreferenced layer is not reported"
        grep -q "orphan layer $D" "$T/check" || fail "$c: check: $(cat "$T/check")"
        assert_store_clean_tmp
done

# Empty layers: a tar with only its end blocks, gzip'ed, and a zero-byte blob.
rm -rf "$T/store"
mk empty empty
gzip -c "$T/empty.tar" > "$T/empty.tar.gz"
extract "$T/empty.tar.gz" "$(sha "$T/empty.tar")" > /dev/null || fail "empty gzip layer"
[ -z "$(ls -A "$(layer_dir "$(sha "$T/empty.tar")")")" ] || fail "empty layer not empty"
: > "$T/zero"
extract "$T/zero" "$(sha "$T/zero")" > /dev/null || fail "zero-byte layer"

# The same layer again: present, nothing to do.
extract "$T/empty.tar.gz" "$(sha "$T/empty.tar")" 2> "$T/err" > /dev/null || fail "again"
grep -q "present already" "$T/err" || fail "second extraction: $(cat "$T/err")"

# Garbage is refused.
head -c 4096 /dev/urandom > "$T/junk"
extract "$T/junk" "$(sha "$T/junk")" 2> /dev/null && fail "random bytes accepted as a layer"
gzip -c "$T/basic.tar" | head -c 300 > "$T/trunc.gz"
extract "$T/trunc.gz" "$D" 2> /dev/null && fail "a truncated layer accepted"
assert_store_clean_tmp
exit 0
