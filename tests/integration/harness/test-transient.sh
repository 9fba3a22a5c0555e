#!/bin/bash
# The harness proves itself: it boots a real systemd with the build installed,
# runs a transient service and reads its output back from the journal, has a
# working system bus and polkit, and leaves nothing behind: not after a clean
# teardown, not after a test that fails halfway, not after one that is killed.
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
harness_require_root

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

host_mounts() { findmnt -rn -o TARGET,SOURCE,FSTYPE | sort; }

# A harness user writes its HARNESS_* values to a file (record); the test
# holds the harness's PID namespace open (hold), so that its number is not
# reused by another namespace before assert_gone looks for survivors in it.
record() {
        printf 'dir=%q cgroup=%q pid=%q pidns=%q\n' \
                "$HARNESS_DIR" "$HARNESS_CGROUP" "$HARNESS_PID" "$HARNESS_PIDNS" >"$1"
}
RECORD_FN=$(declare -f record)

hold() {
        local dir cgroup pid pidns
        # shellcheck disable=SC1090
        . "$1"
        exec {held}<"/proc/$pid/ns/pid"
        [ "$(readlink "/proc/self/fd/$held")" = "$pidns" ] || fail "could not hold the PID namespace of $pid"
}

assert_gone() {
        local dir cgroup pid pidns p
        # shellcheck disable=SC1090
        . "$1"
        [ -n "$pidns" ] || fail "no namespace recorded"
        [ ! -e "$dir" ] || fail "temp dir $dir is still there"
        [ ! -e "$cgroup" ] || fail "cgroup $cgroup is still there"
        p=$(harness_pidns_members "$pidns")
        [ -z "$p" ] || fail "processes $p still live in the harness's PID namespace"
        exec {held}<&-
}

wait_for_file() { # FILE PID
        for _ in $(seq 600); do
                [ -s "$1" ] && return 0
                kill -0 "$2" 2>/dev/null || fail "the script died early"
                sleep 0.1
        done
        fail "the script did not boot"
}

work=$(mktemp -d /tmp/berth-test-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
mounts_before=$(host_mounts)

# --- a clean run ------------------------------------------------------------
harness_boot
record "$work/clean"
hold "$work/clean"
# harness_boot replaced the EXIT trap with its own teardown.
trap 'harness_teardown 1; rm -rf "$work"' EXIT

[ "$(harness_run cat /proc/1/comm)" = systemd ] || fail "PID 1 inside is not systemd"
[ "$(readlink "/proc/$HARNESS_PID/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] ||
        fail "the harness shares the host's PID namespace"
# The host's processes (this script) are invisible inside.
if harness_run sh -c 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "' | grep >/dev/null -F "test-transient.sh"; then
        fail "the host's processes are visible inside"
fi
[ "$(harness_run hostname)" = berth-harness ] || fail "hostname is not set"
[ "$(host_mounts)" = "$mounts_before" ] || fail "booting changed the host's mount table"

# Everything meson installs is at its real path inside, at boot and after a
# reinstall into the running system.
check_installed() {
        local dest
        while read -r dest; do
                [ -n "$dest" ] || continue
                harness_run test -e "$dest" || fail "installed file $dest is missing inside ($1)"
        done < <(meson introspect --installed "$BUILD_DIR" | jq -r '.[]')
}
check_installed "at boot"
# Installing into /lib (the generator) must not replace merged-/usr symlinks.
for d in /bin /sbin /lib /lib64; do
        if [ -L "$d" ]; then
                harness_run test -L "$d" || fail "installing replaced the $d symlink"
        fi
done
harness_install || fail "harness_install failed"
check_installed "after harness_install"

# A transient service's output reaches the journal.
harness_run systemd-run --quiet --wait --unit=hello -p Type=oneshot echo hello-from-harness
harness_run journalctl --sync
out=$(harness_journal -u hello -o cat)
grep -qx hello-from-harness <<<"$out" || fail "journalctl -u hello does not show the output: $out"

# The system bus answers, and polkit (needed by berthd) is D-Bus activated.
harness_run busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId >/dev/null ||
        fail "busctl cannot reach the system bus"
harness_run busctl introspect org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority >/dev/null ||
        fail "polkit cannot be activated over D-Bus"
harness_run systemctl is-active --quiet polkit.service || fail "polkit.service is not active"

# A long-running service and a stray process, to be killed by the teardown.
harness_run systemd-run --quiet --unit=sleeper sleep 1000
harness_copy_in "$SOURCE_DIR/tests/lib" /root/copied
harness_run cmp /root/copied/harness.sh - <"$SOURCE_DIR/tests/lib/harness.sh" ||
        fail "harness_copy_in did not copy a directory tree"

harness_teardown 0 || fail "teardown reported leftovers"
harness_teardown 0 || fail "a second teardown is not a no-op"
trap 'rm -rf "$work"' EXIT
assert_gone "$work/clean"
[ "$(host_mounts)" = "$mounts_before" ] || fail "mounts are left on the host"

# --- a test that fails halfway ---------------------------------------------
cat >"$work/failing.sh" <<EOF
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
$RECORD_FN
HARNESS_INSTALL=0 harness_boot
harness_run systemd-run --quiet --unit=sleeper sleep 1000
record "$work/failing"
until [ -e "$work/go" ]; do sleep 0.1; done
harness_run false
echo "not reached"
EOF
bash "$work/failing.sh" >"$work/failing.log" 2>&1 &
failing=$!
wait_for_file "$work/failing" "$failing"
hold "$work/failing"
touch "$work/go"
if wait "$failing"; then
        fail "the failing script succeeded"
fi
grep -q "not reached" "$work/failing.log" && fail "set -e did not stop the failing script"
grep -q -- "---- harness: journal" "$work/failing.log" || fail "a failing test does not show the journal"
assert_gone "$work/failing"

# --- a test that is killed (SIGKILL: no trap runs) -------------------------
cat >"$work/killed.sh" <<EOF
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
$RECORD_FN
HARNESS_INSTALL=0 harness_boot
harness_run systemd-run --quiet --unit=sleeper sleep 1000
record "$work/killed"
exec sleep 1000
EOF
bash "$work/killed.sh" >"$work/killed.log" 2>&1 &
killed=$!
wait_for_file "$work/killed" "$killed"
hold "$work/killed"
# (bash reports the killed job on stderr at the wait; that is expected here)
{
        kill -KILL "$killed"
        wait "$killed" || true
} 2>/dev/null
# The kernel kills the harness; the next boot clears the cgroup and temp dir.
HARNESS_INSTALL=0 harness_boot
harness_teardown 0 || fail "teardown reported leftovers"
trap 'rm -rf "$work"' EXIT
assert_gone "$work/killed"
[ "$(host_mounts)" = "$mounts_before" ] || fail "mounts are left on the host"
echo "ok"
