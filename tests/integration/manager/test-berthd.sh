#!/bin/bash
# berthd and berthctl under a real systemd, driven as a user would:
#   - D-Bus activation; busctl tree and introspection match dbus/ and the man page
#   - a pull from a loopback registry, its progress signals seen by busctl monitor
#   - run -d --restart=always: kill -9 of the main PID is followed by a restart,
#     the main PID is the container's init and no berth process sits beside it
#   - logs, and journalctl CONTAINER_NAME=
#   - exec joins the init's namespaces, cgroup, user, capabilities and seccomp
#   - rmi of an image in use is refused, naming the container
#   - an unprivileged user can list but is "not authorized" to pull, run, rm
#   - berthd exits when idle, containers keep running, the next call brings it back
#   - foreground run --rm: exit status 3 comes back, no unit is left
set -euo pipefail
. "$SOURCE_DIR/tests/lib/harness.sh"
harness_require_root

skip() {
        echo "SKIP: $*" >&2
        exit 77
}
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
[ -x "$BUILD_DIR/manager/berthd/berthd" ] || skip "berthd is not built (store or registry missing)"
[ -x "$SOURCE_DIR/tests/lib/mkimage.sh" ] || skip "tests/lib/mkimage.sh is missing"
# BERTH_TEST_RUNTIME: a berth-runtime built elsewhere, copied over the installed one
[ -x "$BUILD_DIR/runtime/berth-runtime" ] || [ -n "${BERTH_TEST_RUNTIME:-}" ] ||
        skip "berth-runtime is not built"
for p in docker-registry skopeo; do command -v $p >/dev/null || skip "$p is not installed"; done

work=$(mktemp -d /tmp/berth-test-berthd-int.XXXXXX)
"$SOURCE_DIR/tests/lib/mkimage.sh" --split "$work/oci" >/dev/null

harness_boot
trap 'harness_teardown $?; rm -rf "$work"' EXIT
if [ -n "${BERTH_TEST_RUNTIME:-}" ]; then
        harness_copy_in "$BERTH_TEST_RUNTIME" "$HARNESS_BERTH_RUNTIME"
fi
run() { harness_run "$@"; }

# --- a registry inside, and berthd configured for it -----------------------------
harness_copy_in "$work/oci" /srv/oci
run sh -c 'cat >/etc/test-registry.yml' <<'EOT'
version: 0.1
storage:
  filesystem:
    rootdirectory: /srv/registry
http:
  addr: 127.0.0.1:5000
EOT
run systemd-run --quiet --unit=test-registry docker-registry serve /etc/test-registry.yml
harness_wait 30 curl -sf http://127.0.0.1:5000/v2/ || fail "the registry did not come up"
run skopeo copy --quiet --dest-tls-verify=false oci:/srv/oci:latest \
        docker://127.0.0.1:5000/test/busybox:latest >/dev/null
ref=127.0.0.1:5000/test/busybox:latest
run mkdir -p /etc/berth-test/registries.d /etc/systemd/system/berthd.service.d
run sh -c 'printf "[Registry]\nHost=127.0.0.1:5000\nInsecure=yes\n" >/etc/berth-test/registries.d/test.conf'
run sh -c 'printf "[Service]\nEnvironment=BERTH_REGISTRIES_DIR=/etc/berth-test/registries.d BERTH_IDLE_TIMEOUT=4\n" >/etc/systemd/system/berthd.service.d/test.conf'
run systemctl daemon-reload

# --- activation and the object tree ----------------------------------------------
[ "$(run systemctl is-active berthd.service)" != active ] || fail "berthd runs before any call"
run busctl tree org.berth1 >"$work/tree.txt" || fail "busctl tree org.berth1 failed"
grep -q "/org/berth1/container" "$work/tree.txt" || fail "no container node in the tree"
[ "$(run systemctl is-active berthd.service)" = active ] || fail "the call did not activate berthd"
run busctl introspect --xml-interface org.berth1 /org/berth1 >"$work/Manager.xml"
want=$(sed -n '/<interface name="org.berth1.Manager">/,/<\/interface>/p' "$SOURCE_DIR/dbus/org.berth1.Manager.xml")
have=$(sed -n '/<interface name="org.berth1.Manager">/,/<\/interface>/p' "$work/Manager.xml")
[ "$want" = "$have" ] || fail "introspection of /org/berth1 differs from dbus/org.berth1.Manager.xml"

# --- a pull, watched from outside --------------------------------------------------
run systemd-run --quiet --unit=test-monitor -p StandardOutput=file:/tmp/monitor.txt \
        busctl monitor org.berth1
sleep 0.5
run berthctl pull "$ref" >"$work/pull.txt" || fail "pull failed: $(cat "$work/pull.txt")"
sleep 0.5
run systemctl stop test-monitor
run cat /tmp/monitor.txt >"$work/monitor.txt"
grep -q 'Member=TransferNew' "$work/monitor.txt" || fail "busctl monitor saw no TransferNew"
grep -q 'Member=PropertiesChanged' "$work/monitor.txt" || fail "busctl monitor saw no progress"
grep -A20 'Member=TransferRemoved' "$work/monitor.txt" | grep >/dev/null 'STRING "done"' ||
        fail "busctl monitor saw no successful end of the transfer"
harness_journal -u berthd.service | grep >/dev/null "layer sha256:.* pulled" ||
        fail "no journal line per layer"

# --- run -d --restart=always ---------------------------------------------------------
run berthctl run -d --name web --restart=always "$ref" \
        sh -c 'echo hello-from-web; exec sleep 1000' >/dev/null || fail "run -d failed"
[ "$(run systemctl is-active berth-web.service)" = active ] || fail "berth-web.service is not active"
pid=$(run systemctl show -P MainPID berth-web.service)
[ "$pid" -gt 0 ] || fail "no main PID"
[ "$(run cat /proc/"$pid"/comm)" = sleep ] || fail "the main PID is not the container's init"
cg=$(run systemctl show -P ControlGroup berth-web.service)
pidns=$(run readlink /proc/"$pid"/ns/pid)
for p in $(run cat "/sys/fs/cgroup$cg/cgroup.procs"); do
        [ "$(run readlink /proc/"$p"/ns/pid)" = "$pidns" ] ||
                fail "process $p ($(run cat /proc/"$p"/comm)) sits beside the container in its unit"
done
run systemctl status berth-web.service >"$work/status.txt" || true
grep -q "Main PID: $pid (sleep)" "$work/status.txt" || fail "systemctl status does not show the init as Main PID"
[ "$(run berthctl inspect web | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"])')" = running ] ||
        fail "berthd does not report web as running"

run kill -9 "$pid"
for _ in $(seq 100); do
        [ "$(run systemctl show -P NRestarts berth-web.service)" -ge 1 ] &&
                [ "$(run systemctl is-active berth-web.service)" = active ] && break
        sleep 0.1
done
[ "$(run systemctl show -P NRestarts berth-web.service)" -ge 1 ] || fail "systemd did not restart web"
newpid=$(run systemctl show -P MainPID berth-web.service)
[ "$newpid" -gt 0 ] && [ "$newpid" != "$pid" ] || fail "no new main PID after the restart"

# --- logs ---------------------------------------------------------------------------
run berthctl logs web | grep >/dev/null hello-from-web || fail "berthctl logs lacks the container's output"
[ "$(run berthctl logs -n 1 web)" = hello-from-web ] || fail "berthctl logs -n 1 is wrong"
harness_journal CONTAINER_NAME=web -o cat | grep >/dev/null hello-from-web ||
        fail "journalctl CONTAINER_NAME=web finds nothing"

# --- exec: the init's namespaces, cgroup, user, capabilities, seccomp ----------------
[ "$(run berthctl exec web cat /proc/1/comm)" = sleep ] || fail "exec does not see the container's PID 1"
[ "$(run berthctl exec web hostname)" = web ] || fail "exec is not in the container's UTS namespace"
rc=0
run berthctl exec web sh -c 'exit 7' || rc=$?
[ "$rc" = 7 ] || fail "exec exited $rc, expected 7"
initpid=$(run systemctl show -P MainPID berth-web.service)
for field in CapBnd CapEff Seccomp NoNewPrivs Uid; do
        want=$(run grep "^$field:" /proc/"$initpid"/status)
        have=$(run berthctl exec web grep "^$field:" /proc/self/status)
        [ "$want" = "$have" ] || fail "exec: $field is \"$have\", the init has \"$want\""
done
cg=$(run systemctl show -P ControlGroup berth-web.service)
run berthctl exec web cat /proc/self/cgroup | grep >/dev/null "^0::/$" ||
        fail "exec is not in the container's cgroup namespace root"
run berthctl exec -e FOO=bar web sh -c 'test "$FOO" = bar' || fail "exec -e did not set FOO"

# --- rmi of an image in use ------------------------------------------------------------
out=$(run berthctl rmi "$ref" 2>&1) && fail "rmi of an image in use succeeded"
echo "$out" | grep >/dev/null "in use by container web" || fail "rmi did not name the container: $out"

# --- an unprivileged user ------------------------------------------------------------------
run useradd -m tester
run runuser -u tester -- berthctl ps -a | grep >/dev/null " web$" || fail "tester cannot list containers"
run runuser -u tester -- berthctl images | grep >/dev/null "$ref" || fail "tester cannot list images"
for cmd in "pull $ref" "run -d --name x $ref true" "rm -f web" "stop web"; do
        rc=0
        # shellcheck disable=SC2086
        out=$(run runuser -u tester -- berthctl --no-ask-password $cmd 2>&1) || rc=$?
        [ "$rc" = 4 ] || fail "tester: berthctl $cmd exited $rc, expected 4: $out"
        echo "$out" | grep >/dev/null "not authorized" || fail "tester: berthctl $cmd: $out"
done
[ "$(run systemctl is-active berth-web.service)" = active ] || fail "tester's attempts changed web"

# --- idle exit and re-activation ------------------------------------------------------------
for _ in $(seq 100); do [ "$(run systemctl is-active berthd.service)" != active ] && break; sleep 0.1; done
[ "$(run systemctl is-active berthd.service)" != active ] || fail "berthd did not exit when idle"
[ "$(run systemctl is-active berth-web.service)" = active ] || fail "web stopped with berthd"
run berthctl stop web >/dev/null || fail "stop after re-activation failed"
[ "$(run systemctl is-active berthd.service)" = active ] || fail "the call did not re-activate berthd"
[ "$(run systemctl is-active berth-web.service)" != active ] || fail "web still runs after stop"
run berthctl start web >/dev/null || fail "start of a stopped container failed"
[ "$(run systemctl is-active berth-web.service)" = active ] || fail "web did not start again"
run berthctl rm -f web >/dev/null || fail "rm -f web failed"
run systemctl is-active berth-web.service >/dev/null 2>&1 && fail "berth-web.service is still there"
run berthctl rmi "$ref" >/dev/null || fail "rmi after the container was removed failed"
run berthctl pull "$ref" >/dev/null || fail "pull again failed"

# --- run -d --rm: the container goes when it has exited ---------------------------------
run berthctl run -d --rm --name once "$ref" sh -c 'echo bye' >/dev/null || fail "run -d --rm failed"
for _ in $(seq 100); do run berthctl ps -a | grep >/dev/null " once$" || break; sleep 0.1; done
run berthctl ps -a | grep >/dev/null " once$" && fail "a --rm container is still listed after it exited"
run berthctl logs once | grep >/dev/null bye || fail "the --rm container's output is not in the journal"

# --- foreground run --rm ---------------------------------------------------------------------
rc=0
run berthctl run --rm "$ref" sh -c 'exit 3' || rc=$?
[ "$rc" = 3 ] || fail "foreground run exited $rc, expected 3"
left=$(run systemctl list-units --all --no-legend 'berth-*')
[ -z "$left" ] || fail "units left behind: $left"
echo PASS
