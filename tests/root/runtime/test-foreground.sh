#!/bin/sh
# Foreground mode: the exit status is the container's, or 128+signal, and
# signals sent to the runtime reach the container.
. "$(dirname "$0")/lib.sh"

set +e
run_ct --name fg1 -- /bin/sh -c 'exit 7'; rc=$?
set -e
check_eq "$rc" 7 "exit status"

# PID 1 cannot be killed from inside its namespace: kill it from the host
"$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer" --name fg2 -- /bin/sleep 30 &
pid=$!
container_init $pid
grep -q "NSpid:.*[[:space:]]1$" /proc/$init/status || fail "child of the runtime is the container init"
kill -KILL "$init"
set +e
wait $pid; rc=$?
set -e
check_eq "$rc" 137 "128+SIGKILL"

# a shell as PID 1 with a TERM trap: the forwarded signal runs the trap
"$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer" --name fg3 -- /bin/sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done' > "$TMP/out" &
pid=$!
for i in $(seq 50); do grep -q ready "$TMP/out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $pid
set +e
wait $pid; rc=$?
set -e
check_eq "$rc" 42 "signal forwarded, status of the trap"
check_contains "$(cat "$TMP/out")" "got-term" "trap ran"

# --init: PID 1 is berth's init; a signal without a handler still ends the
# command, and orphans are reaped
"$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer" --name fg4 --init -- /bin/sh -c 'echo "pid=$$"; (sleep 0.1 &); echo ready; sleep 30' > "$TMP/out" &
pid=$!
for i in $(seq 50); do grep -q ready "$TMP/out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $pid
set +e
wait $pid; rc=$?
set -e
check_contains "$(cat "$TMP/out")" "pid=2" "--init runs the command as PID 2"
check_eq "$rc" 143 "--init: 128+SIGTERM"
# exec: a command joins a running container with the init's user and limits
"$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer" --name fg5 --user app --hostname exhost -- /bin/sleep 30 &
pid=$!
container_init $pid
out=$("$RUNTIME" exec --name fg5 --pid "$init" -- /bin/sh -c 'hostname; id -un; grep -E "^(CapBnd|Seccomp):" /proc/self/status; cat /proc/1/comm')
echo "$out"
check_contains "$out" "exhost" "exec: UTS namespace"
check_contains "$out" "app" "exec: the init's user"
check_contains "$out" "CapBnd:	00000000a80425fb" "exec: the init's bounding set"
check_contains "$out" "Seccomp:	2" "exec: seccomp"
check_contains "$out" "sleep" "exec: pid namespace"
set +e
"$RUNTIME" exec --pid "$init" -- /bin/sh -c 'exit 5'; rc=$?
"$RUNTIME" exec --pid $$ -- /bin/true 2>/dev/null; rc2=$?
set -e
check_eq "$rc" 5 "exec: exit status"
check_eq "$rc2" 1 "exec refuses a process that is not a container init"
kill -KILL "$init"
wait $pid || true

# exec --name applies the custom seccomp profile the container runs with,
# not Docker's default (which allows mkdir)
cat >"$TMP/no-mkdir.json" <<'EOF2'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
EOF2
"$RUNTIME" run --rootfs "$ROOTFS" --upper "$TMP/layer6" --name fg6 \
        --seccomp-profile "$TMP/no-mkdir.json" -- /bin/sleep 30 &
pid=$!
container_init $pid
set +e
"$RUNTIME" exec --name fg6 --upper "$TMP/layer6" --pid "$init" -- /bin/busybox mkdir /d1 2>"$TMP/err"
rc=$?
"$RUNTIME" exec --pid "$init" -- /bin/busybox mkdir /d2
rc2=$?
set -e
kill -KILL "$init"
wait $pid || true
check_eq "$rc" 1 "exec --name: the container's own profile denies mkdir"
check_contains "$(cat "$TMP/err")" "Operation not permitted" "exec --name: mkdir fails with EPERM"
check_eq "$rc2" 0 "exec without --name: the default profile allows mkdir"
echo PASS
