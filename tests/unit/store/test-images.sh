#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Image records, names, shared layers, removal and container references.
. "$(dirname "$0")/lib.sh"

mk basic shared
mk empty own
mk big other
S=$(sha "$T/shared.tar"); E=$(sha "$T/own.tar"); B=$(sha "$T/other.tar")
for f in shared own other; do extract "$T/$f.tar" "$(sha "$T/$f.tar")" > /dev/null || fail "extract $f"; done

A=$(mkimage alpha a "$S" "$E")
Bi=$(mkimage localhost:5000/beta:1 b "$S" "$B")
bs check > "$T/check" || fail "check after commits: $(cat "$T/check")"

# Names are normalised; ids and 12-digit prefixes resolve.
bs inspect docker.io/library/alpha:latest > "$T/a.json" || fail "inspect by full name"
bs inspect "${A#sha256:}" > /dev/null || fail "inspect by hex id"
bs inspect "$(echo "${A#sha256:}" | cut -c1-12)" > /dev/null || fail "inspect by id prefix"
bs inspect "$(echo "${A#sha256:}" | cut -c1-8)" > /dev/null 2>&1 && fail "8-digit prefix resolved"
python3 - "$T/a.json" "$S" "$E" "$T/store" <<'PY' || fail "image record"
import json, sys
j = json.load(open(sys.argv[1]))
assert j['names'] == ['docker.io/library/alpha:latest'], j['names']
assert j['diff_ids'] == [sys.argv[2], sys.argv[3]]
assert j['layer_dirs'][0] == sys.argv[4] + '/layers/' + sys.argv[2][7:] + '/diff'
assert j['config']['cmd'] == ['/bin/sh', '-c', 'echo a'], j['config']
assert j['config']['exposed_ports'] == ['80/tcp'] and j['config']['labels'] == ['a=b']
assert j['size'] > 0
PY
# images: columns line up with a long name; --json has every name.
long=localhost:5000/a-rather-long-repository-name-for-the-columns:v1.2.3
bs commit "$long" "$Bi" || fail "long name"
bs images > "$T/images" || fail "images"
python3 - "$T/images" <<'PY' || fail "images is not aligned: $(cat "$T/images")"
import re, sys
lines = open(sys.argv[1]).read().rstrip("\n").split("\n")
starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", lines[0])]
assert len(starts) == 4 and len(lines) == 4, lines
for row in lines[1:]:
    assert row == row.rstrip(), row
    for k in starts[1:]:
        assert len(row) <= k or (row[k - 1] == " " and row[k - 2] == " "), (k, row)
    if row[0] != " ":  # the first row of an image has every column
        assert all(row[k] != " " for k in starts), row
PY
bs images --json | python3 -c '
import json, sys
d = {o["id"]: o for o in json.load(sys.stdin)}
o = d[sys.argv[1]]
assert set(o) == {"id", "size", "names", "containers"} and o["size"] > 0, o
assert sorted(o["names"]) == sorted(["localhost:5000/beta:1", sys.argv[2]]), o
' "$Bi" "$long" || fail "images --json"
bs rm "$long" || fail "rm long name"

# The record is small and self-contained: one file per image.
[ "$(stat -c %s "$T/store/images/${A#sha256:}.json")" -lt 2048 ] || fail "image record too big"

# An image a container uses can't lose its last name; the error names it.
bs container-ref alpha web1 || fail "container-ref"
bs rm alpha 2> "$T/err" && fail "removed an image in use"
grep -q "web1" "$T/err" || fail "EBUSY message does not name the container: $(cat "$T/err")"
bs rm "$A" 2> /dev/null && fail "removed an image in use by id"
# A second name can go, the last one can't.
bs commit alpha:second "$A" || fail "second name"
bs rm alpha:second || fail "removing a second name"
bs container-unref alpha web1 || fail "container-unref"

# Removing alpha removes its own layer, keeps the shared one.
bs rm alpha || fail "rm alpha"
[ -d "$(layer_dir "$S")" ] || fail "shared layer removed with one of its images"
[ ! -e "$T/store/layers/${E#sha256:}" ] || fail "unused layer kept"
[ ! -e "$T/store/images/${A#sha256:}.json" ] || fail "image record kept"
[ ! -e "$T/store/blobs/sha256/${A#sha256:}" ] || fail "config blob kept"
assert_store_clean_tmp # the removed layer's data went after the lock was released
bs inspect alpha > /dev/null 2>&1 && fail "alpha still resolves"
bs check > "$T/check" || fail "check after rm: $(cat "$T/check")"

# What does not exist, as systemctl: 4 for inspect (a query), 5 for an action,
# with a message; a missing export target is a plain failure.
expect_status() { # STATUS ARGS...
        local want=$1 rc=0
        shift
        bs "$@" > /dev/null 2> "$T/err" || rc=$?
        [ "$rc" = "$want" ] || fail "berth-store $*: exit status $rc, expected $want"
        grep -q . "$T/err" || fail "berth-store $*: no message"
}
expect_status 4 inspect alpha
expect_status 4 inspect "${A#sha256:}"
expect_status 5 rm alpha
expect_status 5 rm "${A#sha256:}"
expect_status 5 export alpha "$T/x.tar"
expect_status 5 container-ref alpha web1
expect_status 5 container-unref alpha web1
expect_status 1 export localhost:5000/beta:1 "$T/no-such-dir/x.tar"
expect_status 2 inspect

# Moving a name to another image drops the image that lost its last name.
C=$(mkimage localhost:5000/beta:1 c "$S")
[ ! -e "$T/store/images/${Bi#sha256:}.json" ] || fail "untagged image kept"
[ ! -e "$T/store/layers/${B#sha256:}" ] || fail "layer of the untagged image kept"
[ -d "$(layer_dir "$S")" ] || fail "shared layer lost"
bs images | grep -q "localhost:5000/beta:1" || fail "images list"

# A committed image needs its layers.
mk many missing 200
bs put-blob - < /dev/null > /dev/null
printf '{"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$(sha "$T/missing.tar")" > "$T/c2.json"
c2=$(bs put-blob - < "$T/c2.json")
bs commit gamma "$c2" 2> "$T/err" && fail "committed an image without its layer"
grep -q "is not in the store" "$T/err" || fail "commit error: $(cat "$T/err")"
bs put-blob sha256:0000000000000000000000000000000000000000000000000000000000000000 < "$T/c2.json" 2> /dev/null &&
        fail "a blob with a lying digest was stored"

bs check > "$T/check" 2>&1 && fail "check missed orphans"
grep -q "orphan blob $c2" "$T/check" || fail "check: orphans: $(cat "$T/check")"
# prune removes orphans, but only old ones (a pull may be about to commit)
bs prune > "$T/pruned" || fail "prune"
[ -s "$T/pruned" ] && fail "prune removed young orphans: $(cat "$T/pruned")"
bs prune 0 > "$T/pruned" || fail "prune 0"
grep -q "$c2" "$T/pruned" || fail "prune missed the orphan config $c2: $(cat "$T/pruned")"
bs check > "$T/check" || fail "check after prune: $(cat "$T/check")"
bs inspect localhost:5000/beta:1 > /dev/null || fail "prune removed an image"

# check finds damage: a truncated file in a layer (etc/hard is the same
# inode and sorts first), a corrupted blob.
L=$(layer_dir "$S")
: > "$L/etc/passwd"
echo x >> "$T/store/blobs/sha256/${C#sha256:}"
bs check > "$T/check" 2>&1 && fail "check missed damage"
grep -q "layer $S: etc/hard: size differs" "$T/check" || fail "check: layer damage: $(cat "$T/check")"
grep -q "blob $C: content has digest" "$T/check" || fail "check: blob damage: $(cat "$T/check")"
exit 0
