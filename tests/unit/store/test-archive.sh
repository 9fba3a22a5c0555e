#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Import (OCI layout, docker save) and export (OCI layout) round trips.
. "$(dirname "$0")/lib.sh"
MKARCHIVE="$(dirname "$MKLAYER")/mkarchive.py"

mk basic l1
mk big l2
# compare two layer trees: names, types, modes, owners, sizes, times, links, xattrs
tree() {
        # whole seconds: ustar headers carry no more
        (cd "$1" && find . -printf '%p %y %m %U %G %s %TY%Tm%Td%TH%TM %l %n\n' | sort)
        (cd "$1" && find . -printf '%p %T@\n' | awk '{ sub(/\..*/, "", $2); print }' | sort)
        python3 - "$1" <<'PY'
import os, sys
for d, dirs, files in sorted(os.walk(sys.argv[1])):
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        for x in sorted(os.listxattr(p, follow_symlinks=False)):
            print(os.path.relpath(p, sys.argv[1]), x, os.getxattr(p, x, follow_symlinks=False))
PY
}
layers_of() { python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["layer_dirs"]))'; }

# docker save format, manifest.json last
python3 "$MKARCHIVE" docker "$T/docker.tar" example.com/app:v1 "$T/l1.tar" "$T/l2.tar" || fail mkarchive
id=$(bs import "$T/docker.tar") || fail "import docker save"
bs inspect example.com/app:v1 > "$T/i.json" || fail "docker save: name from RepoTags"
bs check > "$T/check" || fail "check after import: $(cat "$T/check")"
grep -q '"cmd"' "$T/i.json" || fail "config subset"

# export -> import into another store: same content
bs export example.com/app:v1 "$T/out.tar" || fail "export"
ls "$T"/out.tar.tmp-* > /dev/null 2>&1 && fail "export left its temp file"
tar -tf "$T/out.tar" | grep -qx index.json || fail "no index.json in the export"
tar -tf "$T/out.tar" | grep -qx oci-layout || fail "no oci-layout in the export"
id2=$("$BERTH_STORE" --root "$T/store2" import "$T/out.tar") || fail "import the export"
"$BERTH_STORE" --root "$T/store2" inspect example.com/app:v1 > "$T/i2.json" || fail "name kept"
paste <(layers_of < "$T/i.json") <(layers_of < "$T/i2.json") | while read -r a b; do
        diff <(tree "$a") <(tree "$b") >&2 || fail "layer content differs after a round trip: $a $b"
done || exit 1
# a second round trip keeps the id: export is deterministic
"$BERTH_STORE" --root "$T/store2" export "$id2" "$T/out2.tar" || fail "export 2"
id3=$("$BERTH_STORE" --root "$T/store3" import "$T/out2.tar" other:tag) || fail "import 2"
[ "$id3" = "$id2" ] || fail "ids differ after a second round trip: $id2 $id3"
"$BERTH_STORE" --root "$T/store3" inspect other:tag > /dev/null || fail "import with a name"

# OCI layout with gzip'ed layers and a full name in ref.name
python3 "$MKARCHIVE" oci "$T/oci.tar" localhost:5000/oci:2 "$T/l1.tar" || fail mkarchive
bs import "$T/oci.tar" > /dev/null || fail "import OCI"
bs inspect localhost:5000/oci:2 > /dev/null || fail "OCI name"
bs check > "$T/check" || fail "check after OCI import: $(cat "$T/check")"

# A lying archive and a hostile layer: refused, nothing left behind
mk esc-symlink-dir evil "$T/outside"
rm -rf "$T/store4"
python3 "$MKARCHIVE" oci-lie "$T/lie.tar" liar "$T/l2.tar" || fail mkarchive
"$BERTH_STORE" --root "$T/store4" import "$T/lie.tar" 2> "$T/err" && fail "diff_id lie imported"
grep -q "diff_id mismatch" "$T/err" || fail "lie: $(cat "$T/err")"
python3 "$MKARCHIVE" docker "$T/evil-image.tar" evil "$T/l2.tar" "$T/evil.tar" || fail mkarchive
"$BERTH_STORE" --root "$T/store4" import "$T/evil-image.tar" 2> "$T/err" && fail "hostile layer imported"
grep -q "link/planted" "$T/err" || fail "hostile import: $(cat "$T/err")"
[ -z "$(ls -A "$T/store4/layers")" ] || fail "a failed import left layers: $(ls "$T/store4/layers")"
[ -z "$(ls -A "$T/store4/images")" ] || fail "a failed import left an image"
[ ! -e "$T/outside" ] || fail "something appeared outside"
"$BERTH_STORE" --root "$T/store4" import "$T/l1.tar" 2> /dev/null && fail "a bare layer imported as an image"
exit 0
