#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile layers: every way out of the layer directory is refused, the
# message names the entry, and nothing appears outside the store.
. "$(dirname "$0")/lib.sh"

O="$T/outside"
mkdir -p "$O"
echo original > "$O/victim"
snapshot() { (cd "$T" && find outside -printf '%p %s %n %T@\n' | sort); }
before=$(snapshot)

cases="$T/cases"
# scenario  text the error must contain (the entry's name)
cat > "$cases" <<EOF2
esc-dotdot dotdot
esc-inner-dotdot a/../../inner
esc-abs $O/abs
esc-symlink-dir link/planted
esc-symlink-rel link/planted
esc-symlink-deep a/b/link/sub/planted
esc-hardlink-abs $O/victim
esc-hardlink-dotdot /victim
esc-hardlink-symlink link/victim
esc-whiteout a/.wh...
esc-whiteout-symlink link/.wh.victim
esc-opaque-symlink link/.wh..wh..opq
EOF2
# shellcheck disable=SC2046
python3 "$MKLAYER" --each "$T" "$O" $(cut -d' ' -f1 "$cases") || fail mklayer
while read -r scenario entry; do
        rm -rf "$T/store"
        D=$(sha "$T/$scenario.tar")
        gzip -c "$T/$scenario.tar" > "$T/$scenario.tar.gz"
        extract "$T/$scenario.tar.gz" "$D" > /dev/null 2> "$T/err" &&
                fail "$scenario: hostile layer accepted"
        grep -qF "$entry" "$T/err" || fail "$scenario: error does not name \"$entry\": $(cat "$T/err")"
        grep -q refused "$T/err" || fail "$scenario: $(cat "$T/err")"
        [ "$(snapshot)" = "$before" ] || fail "$scenario: something changed outside the store"
        [ -z "$(ls -A "$T/store/layers")" ] || fail "$scenario: the layer was committed"
        assert_store_clean_tmp
        [ -z "$(find "$T" -name planted -o -name dotdot -o -name abs -o -name inner)" ] ||
                fail "$scenario: a planted file exists"
        echo "ok $scenario: $(cat "$T/err")"
done < "$cases"

# Replacing a planted symlink with a file writes the file, not the target.
rm -rf "$T/store"
mk overwrite-symlink ow "$O"
extract "$T/ow.tar" "$(sha "$T/ow.tar")" > /dev/null || fail "overwrite-symlink refused"
[ "$(cat "$O/victim")" = original ] || fail "the symlink target was written"
[ "$(cat "$(layer_dir "$(sha "$T/ow.tar")")/f")" = "replaced the link, not its target" ] ||
        fail "overwrite-symlink content"
[ "$(snapshot)" = "$before" ] || fail "overwrite-symlink: something changed outside"
exit 0
