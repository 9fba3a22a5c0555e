#!/bin/sh
# The OCI front end runs a bundle: create, state, start, kill, delete, run.
. "$(dirname "$0")/lib.sh"

B=$TMP/bundle
R=$TMP/state
# A created init holds meson's stdout open: delete what a failed check left,
# or the failure would show as a timeout.
trap 'rc=$?; for d in "$R"/*/; do [ -d "$d" ] && "$RUNTIME" --root "$R" delete --force "$(basename "$d")" >/dev/null 2>&1 || true; done; (exit $rc); cleanup' EXIT INT TERM
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$B" /bin/sh -c 'echo started > /tmp/started; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status > /tmp/status; hostname >> /tmp/status; exec sleep 60'
# tmp must be writable although root.readonly is true
python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mounts"].append({"destination": "/tmp", "type": "bind", "source": sys.argv[1].rsplit("/", 1)[0] + "/out", "options": ["rbind", "rw"]})
json.dump(c, open(sys.argv[1], "w"))
PY
mkdir -p "$B/out"

"$RUNTIME" --root "$R" create --bundle "$B" oci1
state=$("$RUNTIME" --root "$R" state oci1)
echo "$state"
check_contains "$state" '"status": "created"' "state after create"
pid=$(echo "$state" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
[ "$pid" -gt 0 ] || fail "pid in state"
[ ! -e "$B/out/started" ] || fail "process ran before start"
grep -q "NSpid:.*[[:space:]]1$" /proc/$pid/status || fail "init is PID 1 in its namespace"

"$RUNTIME" --root "$R" start oci1
for i in $(seq 50); do [ -e "$B/out/started" ] && break; sleep 0.1; done
[ -e "$B/out/started" ] || fail "process did not start"
check_contains "$("$RUNTIME" --root "$R" state oci1)" '"status": "running"' "state after start"
check_contains "$(cat "$B/out/status")" "CapEff:	0000000020000420" "caps from config.json"
check_contains "$(cat "$B/out/status")" "NoNewPrivs:	1" "noNewPrivileges"
check_contains "$(cat "$B/out/status")" "bundle" "hostname"

if "$RUNTIME" --root "$R" delete oci1 2>/dev/null; then fail "deleted a running container"; fi
"$RUNTIME" --root "$R" kill oci1 KILL
for i in $(seq 50); do
        "$RUNTIME" --root "$R" state oci1 | grep -q '"status": "stopped"' && break
        sleep 0.1
done
check_contains "$("$RUNTIME" --root "$R" state oci1)" '"status": "stopped"' "state after kill"
"$RUNTIME" --root "$R" delete oci1
[ ! -e "$R/oci1" ] || fail "delete left the state dir"
if "$RUNTIME" --root "$R" state oci1 2>/dev/null; then fail "state of a deleted container"; fi

# delete of a created (never started) container kills its init
"$RUNTIME" --root "$R" create --bundle "$B" oci2
pid=$("$RUNTIME" --root "$R" state oci2 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
"$RUNTIME" --root "$R" delete oci2
sleep 0.2
st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$pid/status 2>/dev/null || echo gone)
[ "$st" = gone ] || [ "$st" = Z ] || fail "created init survived delete ($st)"

# run: foreground, exit status
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$TMP/b2" /bin/sh -c 'exit 3'
set +e
"$RUNTIME" --root "$R" run --bundle "$TMP/b2" oci3; rc=$?
set -e
check_eq "$rc" 3 "oci run exit status"
[ ! -e "$R/oci3" ] || fail "run left its state dir"

# unknown capabilities and rlimits are errors, unknown annotations are not
sed -i 's/"CAP_KILL"/"CAP_BOGUS"/' "$TMP/b2/config.json"
if "$RUNTIME" --root "$R" run --bundle "$TMP/b2" oci4 2>"$TMP/err"; then fail "unknown capability accepted"; fi
check_contains "$(cat "$TMP/err")" "CAP_BOGUS" "error names the capability"
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$TMP/b3"
sed -i 's/RLIMIT_NOFILE/RLIMIT_BOGUS/' "$TMP/b3/config.json"
if "$RUNTIME" --root "$R" run --bundle "$TMP/b3" oci5 2>"$TMP/err"; then fail "unknown rlimit accepted"; fi
check_contains "$(cat "$TMP/err")" "RLIMIT_BOGUS" "error names the rlimit"
[ ! -e "$R/oci5" ] || fail "failed run left its state dir"
# linux.seccomp is compiled and installed
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$TMP/b4" /bin/sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1'
python3 - "$TMP/b4/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
json.dump(c, open(sys.argv[1], "w"))
PY
out=$("$RUNTIME" --root "$R" run --bundle "$TMP/b4" oci6 || true)
check_contains "$out" "Seccomp:	2" "linux.seccomp installed"
check_contains "$out" "Operation not permitted" "linux.seccomp rule applies"
# cgroup limits are the unit's: a bundle asking for some runs, and is told
# which it did not get; device rules (in every bundle) draw no warning
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$TMP/b5"
"$RUNTIME" --root "$R" run --bundle "$TMP/b5" oci7 2>"$TMP/err" || fail "plain bundle failed"
# (not "stderr is empty": sanitizer builds write their own notes there)
if grep -F "linux.resources" "$TMP/err" >/dev/null; then fail "warning for a bundle without limits: $(cat "$TMP/err")"; fi
python3 - "$TMP/b5/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["resources"].update({"memory": {"limit": 104857600}, "pids": {"limit": 64}})
json.dump(c, open(sys.argv[1], "w"))
PY
"$RUNTIME" --root "$R" run --bundle "$TMP/b5" oci8 2>"$TMP/err" || fail "bundle with limits failed"
check_contains "$(cat "$TMP/err")" "linux.resources memory, pids not applied" "limits not applied are named"
echo PASS
