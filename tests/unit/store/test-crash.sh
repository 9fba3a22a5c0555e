#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill -9 in the middle of an extraction: the next store_open() removes the
# leftovers, the same extraction then works and check reports a clean store.
. "$(dirname "$0")/lib.sh"

mk big big
D=$(sha "$T/big.tar")
gzip -1 -c "$T/big.tar" > "$T/big.tar.gz"
half=$(( $(stat -c %s "$T/big.tar.gz") / 2 ))
mkdir -p "$T/store"
mkfifo "$T/fifo"

"$BERTH_STORE" --root "$T/store" layer-extract "$(sha "$T/big.tar.gz")" "$D" < "$T/fifo" > /dev/null 2>&1 &
BG_PID=$!
exec 3> "$T/fifo"
head -c "$half" "$T/big.tar.gz" >&3
# wait until the half has been written out below tmp/
for _ in $(seq 100); do
        n=$(find "$T/store/tmp" -type f 2>/dev/null | wc -l)
        [ "$n" -gt 10 ] && break
        sleep 0.1
done
[ "$n" -gt 10 ] || fail "the extraction did not start"
kill -9 "$BG_PID"
wait "$BG_PID" 2>/dev/null
BG_PID=
exec 3>&-

[ -n "$(ls -A "$T/store/tmp")" ] || fail "nothing was left behind to clean up"
[ -z "$(ls -A "$T/store/layers")" ] || fail "a killed extraction committed its layer"

bs check > /dev/null 2>&1 # its store_open() cleans up
assert_store_clean_tmp
extract "$T/big.tar.gz" "$D" > /dev/null || fail "re-extract after the kill"
mkimage big:1 big "$D" > /dev/null
bs check > "$T/check" || fail "check: $(cat "$T/check")"

# store_open() of another process must not remove a live staging dir.
rm -rf "$T/store"
mk many many 3000
M=$(sha "$T/many.tar")
mkdir -p "$T/store"
"$BERTH_STORE" --root "$T/store" layer-extract - "$M" < "$T/fifo" > /dev/null 2> "$T/err" &
BG_PID=$!
exec 3> "$T/fifo"
head -c 100000 "$T/many.tar" >&3
for _ in $(seq 100); do
        [ -n "$(ls -A "$T/store/tmp" 2>/dev/null)" ] && break
        sleep 0.1
done
bs images > /dev/null || fail "images while extracting"
[ -n "$(ls -A "$T/store/tmp")" ] || fail "store_open() removed a live staging dir"
tail -c +100001 "$T/many.tar" >&3
exec 3>&-
wait "$BG_PID" || fail "the concurrent extraction failed: $(cat "$T/err")"
BG_PID=
[ -d "$(layer_dir "$M")" ] || fail "layer missing after a concurrent store_open()"

# Two extractions of the same layer: the second waits for the first, then
# finds the layer present.
rm -rf "$T/store"
mkdir -p "$T/store"
"$BERTH_STORE" --root "$T/store" layer-extract - "$M" < "$T/fifo" > /dev/null 2> "$T/err" &
BG_PID=$!
exec 3> "$T/fifo"
head -c 100000 "$T/many.tar" >&3
for _ in $(seq 100); do
        [ -n "$(ls -A "$T/store/tmp" 2>/dev/null)" ] && break
        sleep 0.1
done
"$BERTH_STORE" --root "$T/store" layer-extract - "$M" < "$T/many.tar" > /dev/null 2> "$T/err2" 3>&- &
SECOND=$!
sleep 1
kill -0 "$SECOND" 2>/dev/null || fail "the second extraction did not wait: $(cat "$T/err2")"
tail -c +100001 "$T/many.tar" >&3
exec 3>&-
wait "$BG_PID" || fail "first extraction: $(cat "$T/err")"
BG_PID=
wait "$SECOND" || fail "second extraction: $(cat "$T/err2")"
grep -q "present already" "$T/err2" || fail "second extraction: $(cat "$T/err2")"
[ "$(ls "$T/store/layers" | wc -l)" = 1 ] || fail "layers: $(ls "$T/store/layers")"
assert_store_clean_tmp
exit 0
