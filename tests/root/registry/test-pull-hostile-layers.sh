#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Layers that try to write outside their directory (.., absolute paths, a
# planted symlink, a symlink chain, hardlinks to outside files) are refused
# with a message naming the entry, and no file appears outside the store.
# "partial" has a good layer below a hostile one: neither is committed.
. "$(dirname "$0")/lib.sh"

registry_start
escape=/tmp/berth-escape-$$-$RANDOM
EXTRA_CLEANUP+=("rm -f $escape")
registry_push hostile "$escape" >/dev/null
before=$(stat -c %h /etc/passwd)

for kind in dotdot absolute symlink symlink-chain hardlink hardlink-dotdot partial; do
        out=$(pull --insecure "$REGISTRY" "$REGISTRY/test/hostile:$kind" 2>&1) &&
                fail "$kind: hostile layer accepted"
        echo "$kind: $(tail -n1 <<<"$out")"
        grep -q "layer sha256:" <<<"$out" || fail "$kind: error does not name the layer"
        case $kind in
        dotdot|absolute|symlink*|partial) grep -q "$(basename "$escape")\|evil\|a/b" <<<"$out" ||
                fail "$kind: error does not name the entry" ;;
        hardlink*) grep -q "ok/passwd" <<<"$out" || fail "$kind: error does not name the entry" ;;
        esac
        [ ! -e "$escape" ] || fail "$kind: $escape was created"
        [ -z "$(find "$(dirname "$escape")" -maxdepth 1 -newer "$REGISTRY_DIR/config.yml" \
                -name "$(basename "$escape")*" 2>/dev/null)" ] || fail "$kind: escape file"
        store_empty
done
[ "$(stat -c %h /etc/passwd)" = "$before" ] || fail "/etc/passwd got a new link"
store_check_clean
echo ok
