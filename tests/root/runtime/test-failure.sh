#!/bin/sh
# A failed start names the step and the path and leaves no mounts,
# directories or processes behind.
. "$(dirname "$0")/lib.sh"

mounts_before=$(wc -l < /proc/self/mountinfo)
S=$TMP/store

expect_failure() { # NAME EXPECTED-TEXT RUNTIME-ARGS...
        name=$1 text=$2; shift 2
        if "$RUNTIME" run --store "$S" --name "$name" "$@" 2>"$TMP/err"; then
                fail "$name: start succeeded"
        fi
        echo "$name: $(cat "$TMP/err")"
        check_contains "$(cat "$TMP/err")" "$text" "$name: error message"
        [ ! -e "$S/containers/$name" ] || fail "$name: left $S/containers/$name behind"
        if grep -q "$TMP" /proc/self/mountinfo; then fail "$name: left a mount behind"; fi
        if pgrep -f "berth-runtime run --store $S" >/dev/null; then fail "$name: left a process"; fi
}

expect_failure missing-layer "$TMP/nope" --layers "$ROOTFS:$TMP/nope" -- /bin/true
expect_failure bad-volume "$TMP/no-such-dir" --rootfs "$ROOTFS" --volume "$TMP/no-such-dir:/data" -- /bin/true
expect_failure no-command "no-such-command" --rootfs "$ROOTFS" -- no-such-command
expect_failure bad-user "nosuchuser" --rootfs "$ROOTFS" --user nosuchuser -- /bin/true
expect_failure bad-sysctl "kernel.hostname" --rootfs "$ROOTFS" --sysctl kernel.hostname=x -- /bin/true
expect_failure bad-cap "CAP_BOGUS" --rootfs "$ROOTFS" --cap-add CAP_BOGUS -- /bin/true
expect_failure bad-ulimit "nofiles" --rootfs "$ROOTFS" --ulimit nofiles=1 -- /bin/true

# an existing layer dir passed with --upper is kept, but nothing new in it
mkdir -p "$TMP/keep"
if "$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/keep" --volume /nonexistent:/x -- /bin/true 2>/dev/null; then
        fail "bad volume accepted"
fi
[ -d "$TMP/keep" ] || fail "existing --upper dir removed"
check_eq "$(ls -A "$TMP/keep")" "" "nothing left in an existing --upper dir"

check_eq "$(wc -l < /proc/self/mountinfo)" "$mounts_before" "host mount table unchanged"
echo PASS
