#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Layer extraction as root: ownership, device nodes, security.capability,
# trusted.overlay.opaque, and the layers really work as overlay lower dirs.
if [ "$(id -u)" != 0 ]; then
        echo "skip: needs root" >&2
        exit 77
fi
. "$SOURCE_DIR/tests/unit/store/lib.sh"
MNT=""
cleanup_root() {
        [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
        cleanup
}
trap cleanup_root EXIT

mk basic basic
D=$(sha "$T/basic.tar")
extract "$T/basic.tar" "$D" > /dev/null || fail "extract"
L=$(layer_dir "$D")
[ "$(stat -c %u:%g "$L/owned")" = 1234:2345 ] || fail "ownership: $(stat -c %u:%g "$L/owned")"
[ "$(stat -c '%F %t %T %a' "$L/dev/null")" = "character special file 1 3 666" ] ||
        fail "device node: $(stat -c '%F %t %T %a' "$L/dev/null")"
[ "$(stat -c %a "$L/bin/su")" = 4755 ] || fail "setuid after chown"
python3 - "$L" <<'PY' || fail "xattrs"
import os, sys
L = sys.argv[1]
cap = os.getxattr(L + '/cap', 'security.capability')
assert cap[:4] == b'\x01\x00\x00\x02', cap   # VFS_CAP_REVISION_2
assert cap[4] == 0 and cap[5] == 4, cap         # CAP_NET_BIND_SERVICE (bit 10)
assert os.getxattr(L + '/var/cache', 'trusted.overlay.opaque') == b'y'
PY

# Two layers as overlay lower dirs: the upper one's whiteout hides a file,
# its opaque directory hides the lower directory's content.
python3 - "$T/lower.tar" "$T/upper.tar" <<'PY'
import io, sys, tarfile
def add(t, name, data=None, type=tarfile.REGTYPE):
    ti = tarfile.TarInfo(name); ti.type = type
    if data is not None: ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if data is not None else None)
with tarfile.open(sys.argv[1], 'w') as t:
    add(t, 'etc/', type=tarfile.DIRTYPE)
    add(t, 'etc/motd', b'hello')
    add(t, 'etc/keep', b'keep')
    add(t, 'cache/', type=tarfile.DIRTYPE)
    add(t, 'cache/old', b'old')
with tarfile.open(sys.argv[2], 'w') as t:
    add(t, 'etc/.wh.motd', b'')
    add(t, 'cache/', type=tarfile.DIRTYPE)
    add(t, 'cache/.wh..wh..opq', b'')
    add(t, 'cache/new', b'new')
PY
LO=$(sha "$T/lower.tar"); UP=$(sha "$T/upper.tar")
extract "$T/lower.tar" "$LO" > /dev/null || fail "extract lower"
extract "$T/upper.tar" "$UP" > /dev/null || fail "extract upper"
MNT="$T/mnt"
mkdir -p "$MNT"
mount -t overlay overlay -o "lowerdir=$(layer_dir "$UP"):$(layer_dir "$LO")" "$MNT" ||
        fail "overlay mount of the layers"
[ ! -e "$MNT/etc/motd" ] || fail "whiteout does not hide etc/motd"
[ "$(cat "$MNT/etc/keep")" = keep ] || fail "etc/keep"
[ ! -e "$MNT/cache/old" ] || fail "opaque directory shows the lower content"
[ "$(cat "$MNT/cache/new")" = new ] || fail "cache/new"
umount "$MNT"
MNT=""
bs check > /dev/null 2>&1 # only orphans here; the point is that it runs as root
exit 0
