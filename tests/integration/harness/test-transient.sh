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

# $1: a file written by a harness user with its HARNESS_* values; checks
# that nothing of that harness is left on the host.
assert_gone() {
        local dir cgroup mntns pidns p
        # shellcheck disable=SC1090
        . "$1"
        [ ! -e "$dir" ] || fail "temp dir $dir is still there"
        [ ! -e "$cgroup" ] || fail "cgroup $cgroup is still there"
        if [ -z "$mntns" ] || [ -z "$pidns" ]; then
                fail "no namespaces recorded"
        fi
        p=$(harness_ns_members "$mntns" "$pidns")
        [ -z "$p" ] || fail "processes $p still live in the harness's namespaces"
}

record() {
        printf 'dir=%q cgroup=%q mntns=%q pidns=%q\n' \
                "$HARNESS_DIR" "$HARNESS_CGROUP" "$HARNESS_MNTNS" "$HARNESS_PIDNS" >"$1"
}

work=$(mktemp -d /tmp/berth-test-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT
mounts_before=$(host_mounts)

# --- a clean run ------------------------------------------------------------
harness_boot
record "$work/clean"
# harness_boot replaced the EXIT trap with its own teardown.
trap 'harness_teardown 1; rm -rf "$work"' EXIT

[ "$(harness_run cat /proc/1/comm)" = systemd ] || fail "PID 1 inside is not systemd"
[ "$(readlink "/proc/$HARNESS_PID/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] ||
        fail "the harness shares the host's PID namespace"
# The host's processes (this script) are invisible inside.
if harness_run sh -c 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "' | grep -qF "test-transient.sh"; then
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
HARNESS_INSTALL=0 harness_boot
printf 'dir=%q cgroup=%q mntns=%q pidns=%q\n' "\$HARNESS_DIR" "\$HARNESS_CGROUP" "\$HARNESS_MNTNS" "\$HARNESS_PIDNS" >"$work/failing"
harness_run systemd-run --quiet --unit=sleeper sleep 1000
harness_run false
echo "not reached"
EOF
if bash "$work/failing.sh" >"$work/failing.log" 2>&1; then
        fail "the failing script succeeded"
fi
grep -q "not reached" "$work/failing.log" && fail "set -e did not stop the failing script"
grep -q -- "---- harness: journal" "$work/failing.log" || fail "a failing test does not show the journal"
assert_gone "$work/failing"

# --- a test that is killed (SIGKILL: no trap runs) -------------------------
cat >"$work/killed.sh" <<EOF
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
HARNESS_INSTALL=0 harness_boot
harness_run systemd-run --quiet --unit=sleeper sleep 1000
printf 'dir=%q cgroup=%q mntns=%q pidns=%q\n' "\$HARNESS_DIR" "\$HARNESS_CGROUP" "\$HARNESS_MNTNS" "\$HARNESS_PIDNS" >"$work/killed"
exec sleep 1000
EOF
bash "$work/killed.sh" >"$work/killed.log" 2>&1 &
killed=$!
for _ in $(seq 600); do
        [ -s "$work/killed" ] && break
        kill -0 "$killed" 2>/dev/null || fail "the killed script died early: $(cat "$work/killed.log")"
        sleep 0.1
done
[ -s "$work/killed" ] || fail "the killed script did not boot"
kill -KILL "$killed"
wait "$killed" 2>/dev/null || true
# The kernel kills the harness; the next boot clears the cgroup and temp dir.
HARNESS_INSTALL=0 harness_boot
harness_teardown 0 || fail "teardown reported leftovers"
trap 'rm -rf "$work"' EXIT
assert_gone "$work/killed"
[ "$(host_mounts)" = "$mounts_before" ] || fail "mounts are left on the host"
echo "ok"
