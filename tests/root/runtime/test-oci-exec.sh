#!/bin/sh
# The OCI form of exec (runc's and crun's, as conmon calls it) on a
# container made by create/start: the process joins the init's namespaces
# and the container's seccomp filter, takes its user, capabilities and
# no_new_privs from --process FILE (or the bundle's process with COMMAND
# and options over it), gets a pty over --console-socket, detaches with
# --pid-file; hostile process files and misuse are clear errors that leave
# no process behind.
. "$(dirname "$0")/lib.sh"
PYTHON=/usr/bin/python3
[ -x $PYTHON ] || { echo "SKIP: needs python3"; exit 77; }
RECV="$PYTHON $SOURCE_DIR/tests/lib/console-receiver.py"
R=$TMP/state
B=$TMP/bundle
oci() { "$RUNTIME" --root "$R" "$@"; }
detached=
# a created init or a detached process holds meson's stdout: end them
trap 'rc=$?; [ -z "$detached" ] || kill -9 $detached 2>/dev/null || true
for d in "$R"/*/; do [ -d "$d" ] && oci delete --force "$(basename "$d")" >/dev/null 2>&1 || true; done
(exit $rc); cleanup' EXIT INT TERM

# the bundle: its own hostname and a marker in its rootfs, a writable /tmp,
# and a linux.seccomp profile that denies mkdir
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$B" /bin/sleep 1000
for a in ps pwd tty stty mkdir env; do ln -sf busybox "$B/rootfs/bin/$a"; done
echo "the bundle's rootfs" > "$B/rootfs/etc/marker"
$PYTHON - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]})
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
json.dump(c, open(sys.argv[1], "w"))
PY
oci create --bundle "$B" c1 </dev/null >/dev/null
oci start c1
init=$(oci state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
[ -n "$init" ] && [ "$init" -gt 0 ] || fail "no init pid"
init_ns=$(readlink /proc/$init/ns/pid)

# processes in the container's pid namespace (the init alone when idle)
ns_count() {
        $PYTHON - "$init_ns" <<'PY'
import os, sys
n = 0
for p in os.listdir("/proc"):
    try:
        n += p.isdigit() and os.readlink(f"/proc/{p}/ns/pid") == sys.argv[1]
    except OSError:
        pass  # gone, or a zombie: its namespaces are
print(n)
PY
}
check_eq "$(ns_count)" 1 "only the init runs in the container"

# mkprocess FILE JSON: a process.json
mkprocess() { printf '%s\n' "$2" > "$1"; }

# 1. ARGS: the bundle's process (caps, no_new_privs) with a command; the
# container's pid namespace, hostname, rootfs and seccomp filter
set +e
out=$(oci exec c1 /bin/sh -c 'ps; hostname; cat /etc/marker; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/d; exit 7' 2>&1)
rc=$?
set -e
echo "$out"
check_eq "$rc" 7 "ARGS: the command's exit status"
printf '%s\n' "$out" | grep -Eq '^ +1 +root +/bin/sleep 1000$' || fail "ARGS: ps does not show the init as PID 1: $out"
check_contains "$out" "bundle" "ARGS: the container's hostname"
check_contains "$out" "the bundle's rootfs" "ARGS: the container's rootfs"
check_contains "$out" "CapEff:	0000000020000420" "ARGS: the bundle's capabilities"
check_contains "$out" "NoNewPrivs:	1" "ARGS: the bundle's noNewPrivileges"
check_contains "$out" "Seccomp:	2" "ARGS: under a seccomp filter"
check_contains "$out" "Operation not permitted" "ARGS: the container's linux.seccomp denies mkdir"

# options over the bundle's process: --cwd, --env, --user, --cap,
# --additional-gids; "--" between the ID and the command
set +e
out=$(oci exec --cwd /tmp --env FOO=bar -e PATH=/bin --user 1000:29 -g 10 --cap CAP_CHOWN c1 -- \
        /bin/sh -c 'id; pwd; echo "foo=$FOO path=$PATH home=$HOME"; grep -E "^CapBnd:" /proc/self/status' 2>&1)
rc=$?
set -e
echo "$out"
check_eq "$rc" 0 "options: exit status"
check_contains "$out" "uid=1000 gid=29 groups=10" "options: --user and --additional-gids"
check_contains "$out" "/tmp" "options: --cwd"
check_contains "$out" "foo=bar path=/bin home=/" "options: --env over the bundle's env, HOME"
check_contains "$out" "CapBnd:	0000000020000421" "options: --cap adds to the bounding set"

# signals the runtime was started with ignored are not the process's
out=$(sh -c "trap '' PIPE HUP; exec $RUNTIME --root $R exec c1 /bin/grep SigIgn: /proc/self/status" </dev/null)
check_contains "$out" "SigIgn:	0000000000000000" "signal dispositions reset"

# 2. --process: capabilities, noNewPrivileges, user, env, cwd from the file
mkprocess "$TMP/p1.json" '{"args": ["/bin/sh", "-c", "grep -E \"^(CapEff|CapBnd|NoNewPrivs|Seccomp):\" /proc/self/status; exit 3"],
  "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0},
  "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_SETUID"], "effective": ["CAP_KILL", "CAP_CHOWN"],
                   "permitted": ["CAP_KILL", "CAP_CHOWN"]},
  "noNewPrivileges": false, "apparmorProfile": "ignored", "selinuxLabel": "ignored"}'
set +e
out=$(oci exec --process "$TMP/p1.json" c1 2>&1)
rc=$?
set -e
echo "$out"
check_eq "$rc" 3 "--process: exit status"
check_contains "$out" "CapEff:	0000000000000021" "--process: CapEff as given"
check_contains "$out" "CapBnd:	0000000000000021" "--process: bounding narrowed to permitted"
check_contains "$out" "NoNewPrivs:	0" "--process: noNewPrivileges false"
check_contains "$out" "Seccomp:	2" "--process: the container's filter"
mkprocess "$TMP/p2.json" '{"args": ["/bin/sh", "-c", "id; pwd; echo \"a=$A home=$HOME\"; umask"],
  "env": ["PATH=/bin", "A=from the file"], "cwd": "/tmp",
  "user": {"uid": 1000, "gid": 29, "additionalGids": [10, 29], "umask": 63}}'
out=$(oci exec --process "$TMP/p2.json" c1 2>&1)
echo "$out"
check_contains "$out" "uid=1000 gid=29 groups=10,29" "--process: user and additionalGids"
check_contains "$out" "/tmp" "--process: cwd"
check_contains "$out" "a=from the file home=/" "--process: env"
check_contains "$out" "0077" "--process: umask"

# a missing command: 127, as from a shell
set +e
oci exec c1 no-such-command 2>"$TMP/err"; rc=$?
set -e
check_eq "$rc" 127 "missing command: exit status"
check_contains "$(cat "$TMP/err")" "find executable no-such-command" "missing command: the message"
check_eq "$(ns_count)" 1 "missing command: nothing left"

# 3. --tty with --console-socket: the pty comes from the container's devpts
# and reaches the caller; a typed line comes back; the foreground runtime
# exits with the process's status
mkprocess "$TMP/p3.json" '{"terminal": true, "consoleSize": {"height": 25, "width": 100},
  "args": ["/bin/sh", "-c", "tty; stty size; echo prompt:; read x; echo \"got:$x\"; exit 9"],
  "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}'
set +e
out=$($RECV --socket "$TMP/s1" --wait prompt: --send 'a typed line\r' -- \
        "$RUNTIME" --root "$R" exec --process "$TMP/p3.json" --tty --console-socket "$TMP/s1" c1)
rc=$?
set -e
echo "$out"
check_eq "$rc" 9 "--console-socket: exit status"
check_contains "$out" "console-receiver: terminal /dev/pts/" "--console-socket: the pty's name"
check_contains "$out" "25 100" "--console-socket: consoleSize"
check_line() {
        lines=$(printf '%s\n' "$1" | tr -d '\r')
        printf '%s\n' "$lines" | grep -qxF -- "$2" || fail "$3: line '$2' not in: $1"
}
check_line "$out" "a typed line" "--console-socket: typed input echoed"
check_contains "$out" "got:a typed line" "--console-socket: typed input read"
# the container's own devpts instance: the init has no terminal, so the
# process has its first pty (the host's instance has others)
check_line "$out" "/dev/pts/0" "--console-socket: a pty of the container's devpts"

# the same detached, with --pid-file, as conmon runs it: the runtime exits
# once the process runs; the caller (a subreaper) reaps it
set +e
out=$($RECV --socket "$TMP/s2" --runtime-exit 0 --run "cat $TMP/pid2" --wait prompt: --send 'abc\r' -- \
        "$RUNTIME" --root "$R" exec --pid-file "$TMP/pid2" --process "$TMP/p3.json" \
        --console-socket "$TMP/s2" --tty --detach c1)
rc=$?
set -e
echo "$out"
check_eq "$rc" 9 "--detach --console-socket: the process's status, reaped by the caller"
check_contains "$out" "got:abc" "--detach --console-socket: typed input"
grep -qx '[0-9][0-9]*' "$TMP/pid2" || fail "--detach: pid file: $(cat "$TMP/pid2")"

# 4. --detach with --pid-file: returns while the process runs in the
# container; the pid file names it (a host pid)
oci exec --detach --pid-file "$TMP/pid3" c1 /bin/sleep 600 >/dev/null 2>&1 </dev/null
detached=$(cat "$TMP/pid3")
[ "$(readlink /proc/$detached/ns/pid)" = "$init_ns" ] || fail "--detach: the pid file's process is not in the container"
[ "$(readlink /proc/$detached/ns/mnt)" = "$(readlink /proc/$init/ns/mnt)" ] || fail "--detach: not in the container's mount namespace"
check_contains "$(tr '\0' ' ' < /proc/$detached/cmdline)" "/bin/sleep 600" "--detach: the command"
check_eq "$(ns_count)" 2 "--detach: the process runs beside the init"
kill -9 "$detached"
for i in $(seq 50); do [ "$(ns_count)" = 1 ] && break; sleep 0.1; done
detached=

# a created container (its init waits for start) can be entered too
oci create --bundle "$B" c3 </dev/null >/dev/null
out=$(oci exec c3 /bin/sh -c 'hostname; cat /etc/marker' </dev/null)
check_contains "$out" "the bundle's rootfs" "created container: exec runs in it"
check_contains "$(oci state c3)" '"status": "created"' "created container: still waits for start"
oci delete c3

# 5. errors: exit 1 with a clear message (2 for usage), nothing left
# expect RC TEXT ARGS...: the runtime's exec exits RC naming TEXT
expect() {
        want=$1 text=$2; shift 2
        set +e
        oci exec "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
        rc=$?
        set -e
        cat "$TMP/err"
        check_eq "$rc" "$want" "exec $*: exit status"
        check_contains "$(cat "$TMP/err")" "$text" "exec $*: the message"
        check_eq "$(ns_count)" 1 "exec $*: a process was left in the container"
}
expect 1 "container nope does not exist" nope /bin/true
# berth made the ENOENT up: the line ends with the message, no strerror
check_line "$(cat "$TMP/err")" "berth-runtime: container nope does not exist" \
        "exec nope: no strerror suffix"
expect 1 "container nope does not exist" --process "$TMP/p1.json" nope
expect 2 "give a COMMAND or --process FILE" c1
expect 2 "the file describes the whole process" --process "$TMP/p1.json" c1 /bin/true
expect 2 "the file describes the whole process" --process "$TMP/p1.json" --cwd /tmp c1
expect 2 "cannot be combined with the OCI form's options" --pid "$init" --detach c1 /bin/true
expect 2 "not a container ID" ../c1 /bin/true
expect 2 "the process has no terminal" --console-socket "$TMP/s9" c1 /bin/true
expect 2 "a terminal with --detach needs --console-socket" --tty --detach c1 /bin/true
expect 2 "--user x: expected UID[:GID]" --user x c1 /bin/true
expect 2 "--cap CAP_BOGUS: unknown capability" --cap CAP_BOGUS c1 /bin/true
expect 2 "fd 3 is not open" --preserve-fds 1 c1 /bin/true
expect 1 "connect to console socket $TMP/missing" --tty --console-socket "$TMP/missing" c1 /bin/true
expect 1 "$TMP/none.json: No such file or directory" --process "$TMP/none.json" c1

# hostile process files
bad() {
        text=$1 json=$2
        printf '%s\n' "$json" > "$TMP/bad.json"
        expect 1 "$text" --process "$TMP/bad.json" c1
}
bad "bad.json: line 2: ']' expected" '{"args": ["/bin/true"'
bad "bad.json: not a JSON object" '["/bin/true"]'
bad "duplicate object key" '{"args": ["/bin/true"], "args": ["/bin/sh"], "cwd": "/"}'
bad "bad.json: args must name a command" '{"cwd": "/"}'
bad "bad.json: args must name a command" '{"args": [], "cwd": "/"}'
bad "bad.json: args must be an array" '{"args": "/bin/true", "cwd": "/"}'
bad "bad.json: args[1] must be a string" '{"args": ["/bin/true", 1], "cwd": "/"}'
bad "bad.json: env must be an array" '{"args": ["/bin/true"], "env": {"A": "b"}, "cwd": "/"}'
bad "bad.json: cwd must be an absolute path" '{"args": ["/bin/true"], "cwd": "tmp"}'
bad "bad.json: cwd must be an absolute path" '{"args": ["/bin/true"]}'
bad "bad.json: user must be an object" '{"args": ["/bin/true"], "cwd": "/", "user": 0}'
bad "bad.json: user.uid must be an integer from 0 to 4294967294" '{"args": ["/bin/true"], "cwd": "/", "user": {"uid": "0", "gid": 0}}'
bad "bad.json: user.uid must be an integer" '{"args": ["/bin/true"], "cwd": "/", "user": {"uid": -1, "gid": 0}}'
bad "bad.json: user.gid must be an integer" '{"args": ["/bin/true"], "cwd": "/", "user": {"uid": 0, "gid": 4294967295}}'
bad "bad.json: user.additionalGids[] must be an integer" '{"args": ["/bin/true"], "cwd": "/", "user": {"uid": 0, "gid": 0, "additionalGids": ["wheel"]}}'
bad "bad.json: terminal must be a boolean" '{"args": ["/bin/true"], "cwd": "/", "terminal": 1}'
bad "bad.json: noNewPrivileges must be a boolean" '{"args": ["/bin/true"], "cwd": "/", "noNewPrivileges": "yes"}'
bad "bad.json: capabilities must be an object" '{"args": ["/bin/true"], "cwd": "/", "capabilities": ["CAP_KILL"]}'
bad "unknown capability CAP_BOGUS" '{"args": ["/bin/true"], "cwd": "/", "capabilities": {"bounding": ["CAP_BOGUS"]}}'
bad "bad.json: rlimits must be an array" '{"args": ["/bin/true"], "cwd": "/", "rlimits": {"RLIMIT_NOFILE": 1}}'
bad "bad.json: oomScoreAdj must be an integer from -1000 to 1000" '{"args": ["/bin/true"], "cwd": "/", "oomScoreAdj": 5000}'
bad "bad.json: consoleSize needs height and width" '{"args": ["/bin/true"], "cwd": "/", "terminal": true, "consoleSize": {"height": -1, "width": 80}}'
# huge arrays: more gids than the kernel takes, more args than execve
# takes, a file beyond the limit; each refused before any allocation to scale
$PYTHON - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
base = {"args": ["/bin/true"], "cwd": "/", "user": {"uid": 0, "gid": 0}}
json.dump(dict(base, user={"uid": 0, "gid": 0, "additionalGids": list(range(70000))}), open(d + "/gids.json", "w"))
json.dump(dict(base, args=["/bin/true"] + ["x"] * 300000), open(d + "/args.json", "w"))
json.dump(dict(base, args=["/bin/true", "y" * 1000000, "y" * 1000000, "y" * 1000000]), open(d + "/argbytes.json", "w"))
json.dump(dict(base, env=["A=" + "z" * (5 << 20)]), open(d + "/big.json", "w"))
PY
expect 1 "gids.json: user.additionalGids has 70000 entries, more than 65536" --process "$TMP/gids.json" c1
expect 1 "args.json: args and env have more entries than a command can take" --process "$TMP/args.json" c1
expect 1 "argbytes.json: args and env take" --process "$TMP/argbytes.json" c1
expect 1 "big.json: larger than 4194304 bytes" --process "$TMP/big.json" c1

# a stopped container
"$SOURCE_DIR/bench/runtime-mkbundle.sh" "$TMP/b2" /bin/true
oci run --detach --bundle "$TMP/b2" c2 </dev/null >/dev/null
for i in $(seq 100); do
        case "$(oci state c2)" in *'"status": "stopped"'*) break ;; esac
        sleep 0.1
done
expect 1 "container c2 is stopped" c2 /bin/true
oci delete c2

# berth's own form is still taken for --pid and a "--" before the command:
# it refuses an OCI container's init (no container=berth in its
# environment), which shows the form it took
set +e
"$RUNTIME" exec --pid "$init" -- /bin/hostname </dev/null 2>"$TMP/err"; rc=$?
set -e
check_eq "$rc" 1 "berth form: exit status"
check_contains "$(cat "$TMP/err")" "is not a berth container's init" "berth form: taken for --pid"
echo PASS
