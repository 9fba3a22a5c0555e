#!/bin/sh
# --image: layers, command, environment, user and workdir come from an image
# in the store; the command line overrides them.
. "$(dirname "$0")/lib.sh"

S=$TMP/store
"$SOURCE_DIR/tests/lib/mkimage.sh" --split --env IMGVAR=from-image --user app --workdir /home/app \
        --cmd '["sh","-c","echo cmd-from-image; id -un; pwd; echo $IMGVAR"]' "$TMP/layout" >/dev/null
tar -C "$TMP/layout" -cf "$TMP/image.tar" .
"$BUILD_DIR/tests/root/runtime/ct-store-import" "$S" "$TMP/image.tar" example.com/test/busybox:1 >/dev/null

out=$("$RUNTIME" run --store "$S" --name img1 --rm --image example.com/test/busybox:1)
echo "$out"
check_contains "$out" "cmd-from-image" "image Cmd"
check_contains "$out" "app" "image User"
check_contains "$out" "/home/app" "image WorkingDir"
check_contains "$out" "from-image" "image Env"

out=$("$RUNTIME" run --store "$S" --name img2 --rm --image example.com/test/busybox:1 --user root \
        --workdir / --env IMGVAR=cli -- sh -c 'id -un; pwd; echo $IMGVAR')
check_eq "$(echo "$out" | tr '\n' ' ')" "root / cli " "command line overrides the image"

out=$("$RUNTIME" run --store "$S" --name img3 --rm --image example.com/test/busybox:1 --entrypoint /bin/echo -- hi)
check_eq "$out" "hi" "--entrypoint"
layers=$(ls "$S/layers" | wc -l)
[ "$layers" = 2 ] || fail "expected the image's 2 layers in the store, got $layers"

# --entrypoint "" clears the entrypoint and keeps the image's CMD
out=$("$RUNTIME" run --store "$S" --name img5 --rm --image example.com/test/busybox:1 --entrypoint "")
check_contains "$out" "cmd-from-image" "--entrypoint \"\" keeps CMD"

# labels and annotations are recorded; an anonymous volume lives in the layer dir
"$RUNTIME" run --store "$S" --name img6 --image example.com/test/busybox:1 --label a=1 --label b=x=y \
        --annotation org.example/k=v --volume /anon --user root -- sh -c 'echo data > /anon/f'
meta=$(cat "$S/containers/img6/metadata.json")
check_contains "$meta" '"a": "1"' "label recorded"
check_contains "$meta" '"b": "x=y"' "label value with ="
check_contains "$meta" '"org.example/k": "v"' "annotation recorded"
check_contains "$meta" '"image": "example.com/test/busybox:1"' "image recorded"
check_eq "$(cat "$S/containers/img6/volumes/anon-0/f")" "data" "anonymous volume"
"$RUNTIME" cleanup --store "$S" --name img6 --rm
[ ! -e "$S/containers/img6" ] || fail "cleanup --rm left the anonymous volume"

if "$RUNTIME" run --store "$S" --name img7 --pull never --image example.com/nope:1 -- true 2>"$TMP/err"; then
        fail "missing image with --pull never accepted"
fi
check_contains "$(cat "$TMP/err")" "--pull never" "error says the image was not pulled"

# The start only reads the store: one that does not exist is an image that
# is not there, and is not created.
if "$RUNTIME" run --store "$TMP/nostore" --name img8 --pull never --image example.com/test/busybox:1 \
        -- true 2>"$TMP/err"; then
        fail "image in a missing store accepted"
fi
check_contains "$(cat "$TMP/err")" "--pull never" "a missing store is a missing image"
[ ! -e "$TMP/nostore/images" ] || fail "a start created the store's tree"

if "$RUNTIME" run --store "$S" --name img4 --image example.com/nope:1 -- true 2>"$TMP/err"; then
        fail "unknown image accepted"
fi
check_contains "$(cat "$TMP/err")" "example.com/nope:1" "error names the image"
[ ! -e "$S/containers/img4" ] || fail "failed start left its layer dir"

# A container started from the image (no berthd record) keeps it: removal is
# refused and names the container until the container is cleaned up.
STORE_TOOL=$BUILD_DIR/manager/store/berth-store
"$RUNTIME" run --store "$S" --name img8 --image example.com/test/busybox:1 -- true
if "$STORE_TOOL" --root "$S" rm example.com/test/busybox:1 2>"$TMP/err"; then
        fail "an image in use by img8 was removed"
fi
check_contains "$(cat "$TMP/err")" "used by container img8" "the refusal names the container"
[ "$(ls "$S/layers" | wc -l)" = 2 ] || fail "a refused removal touched the layers"
"$RUNTIME" cleanup --store "$S" --name img8 --rm
"$STORE_TOOL" --root "$S" rm example.com/test/busybox:1 || fail "removal after cleanup failed"
[ -z "$(ls "$S/layers")" ] || fail "the image's layers remain after its removal"
echo PASS
