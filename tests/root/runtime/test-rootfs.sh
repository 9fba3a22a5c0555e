#!/bin/sh
# Overlay rootfs: writes land in the upper dir, layers never change,
# --layers stacks bottom first, --read-only, the default fresh layer, --rm.
. "$(dirname "$0")/lib.sh"

L1=$TMP/l1 L2=$TMP/l2
mkdir -p "$L1/data" "$L2/data"
echo bottom > "$L1/data/file"; echo only-bottom > "$L1/data/b"
echo top > "$L2/data/file"
before=$(cd "$TMP" && find l1 l2 rootfs -exec stat -c '%n %s %Y %a' {} + | sort | sha256sum)

out=$("$RUNTIME" run --layers "$ROOTFS:$L1:$L2" --upper "$TMP/layer" --name ovl -- /bin/sh -c '
cat /data/file /data/b; echo new > /data/new; echo changed > /data/b; rm /bin/true; mkdir -p /srv/x')
check_contains "$out" "top" "upper layer wins"
check_contains "$out" "only-bottom" "lower layer visible"
check_eq "$(cat "$TMP/layer/upper/data/new")" "new" "new file lands in the upper dir"
check_eq "$(cat "$TMP/layer/upper/data/b")" "changed" "copy-up lands in the upper dir"
[ -d "$TMP/layer/upper/srv/x" ] || fail "new dir in the upper dir"
after=$(cd "$TMP" && find l1 l2 rootfs -exec stat -c '%n %s %Y %a' {} + | sort | sha256sum)
check_eq "$after" "$before" "layers unchanged"
[ -e "$ROOTFS/bin/true" ] || fail "deleting in the container removed a layer file"
[ ! -e "$TMP/layer/work" ] || fail "overlay work dir left after the run"
[ ! -e "$TMP/layer/rootfs" ] || fail "mount point left after the run"

# an explicit --upper is kept between runs
out=$(run_ct --name ovl -- /bin/cat /data/new)
check_eq "$out" "new" "--upper persists"

# --read-only
out=$(run_ct --name ro --read-only --tmpfs /scratch -- /bin/sh -c 'touch /x 2>/dev/null && echo rw || echo ro; touch /scratch/y && echo tmpfs-rw')
check_contains "$out" "ro" "read-only rootfs"
check_contains "$out" "tmpfs-rw" "tmpfs writable on a read-only rootfs"

# default layer dir under --store is fresh on every start; --rm removes it
S=$TMP/store
"$RUNTIME" run --store "$S" --name fresh --rootfs "$ROOTFS" -- /bin/sh -c 'echo 1 > /marker'
[ -f "$S/containers/fresh/upper/marker" ] || fail "default layer dir"
out=$("$RUNTIME" run --store "$S" --name fresh --rootfs "$ROOTFS" -- /bin/sh -c 'cat /marker 2>/dev/null || echo none')
check_eq "$out" "none" "default writable layer is fresh"
"$RUNTIME" run --store "$S" --name gone --rm --rootfs "$ROOTFS" -- /bin/true
[ ! -e "$S/containers/gone" ] || fail "--rm left the layer dir"
"$RUNTIME" cleanup --store "$S" --name fresh --rm
[ ! -e "$S/containers/fresh" ] || fail "cleanup --rm left the layer dir"
echo PASS
