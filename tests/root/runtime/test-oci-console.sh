#!/bin/sh
# The OCI front end with process.terminal: create/run --console-socket send
# the master of a pty of the container's own devpts to the caller (as
# conmon and containerd's shim use it), a foreground run without a socket
# relays the pty like `run --tty`, and the misuses are clear errors that
# leave nothing behind. The caller is tests/lib/console-receiver.py.
. "$(dirname "$0")/lib.sh"
PYTHON=/usr/bin/python3
[ -x $PYTHON ] || { echo "SKIP: needs python3"; exit 77; }
RECV="$PYTHON $SOURCE_DIR/tests/lib/console-receiver.py"
DRIVE="$PYTHON $SOURCE_DIR/tests/lib/pty-drive.py"
R=$TMP/state
oci() { "$RUNTIME" --root "$R" "$@"; }
# a failed check must not leave a created init behind (it holds our stdout)
trap 'rc=$?; for d in "$R"/*/; do [ -d "$d" ] && oci delete --force "$(basename "$d")" || true; done; (exit $rc); cleanup' EXIT INT TERM

# mkbundle DIR TERMINAL CONSOLESIZE-JSON ARG...: a bundle with tty and stty
mkbundle() {
        d=$1 term=$2 size=$3; shift 3
        "$SOURCE_DIR/bench/runtime-mkbundle.sh" "$d" "$@"
        for a in tty stty; do ln -sf busybox "$d/rootfs/bin/$a"; done
        $PYTHON - "$d/config.json" "$term" "$size" <<'PY'
import json, sys
path, term, size = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
c["process"]["terminal"] = json.loads(term)
if size:
    c["process"]["consoleSize"] = json.loads(size)
json.dump(c, open(path, "w"))
PY
}

# check_line TEXT LINE WHAT: TEXT (a terminal's, with CRLF) has the line LINE
check_line() {
        lines=$(printf '%s\n' "$1" | tr -d '\r')
        printf '%s\n' "$lines" | grep -qxF -- "$2" || fail "$3: line '$2' not in: $1"
}

# nothing_left ID BUNDLE: no state dir and no mount below the bundle
nothing_left() {
        [ ! -e "$R/$1" ] || fail "$1: state dir left behind"
        mounts=$(grep -F " $2/" /proc/self/mountinfo || true)
        [ -z "$mounts" ] || fail "$1: mounts left behind: $mounts"
}

# create --console-socket, then start: the init's terminal is /dev/pts/0 of
# its own devpts, sized by consoleSize, its stdin, stdout and /dev/console;
# typed input is echoed by the terminal and read by the shell; the exit
# status reaches the caller (the init's reaper, like conmon)
mkbundle "$TMP/b1" true '{"height": 30, "width": 90}' /bin/sh -c \
        'tty; stty size; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; ls -l /dev/console; echo prompt:; read x; echo "got:$x"; exit 7'
set +e
out=$($RECV --socket "$TMP/s1" --runtime-exit 0 \
        --run "$RUNTIME --root $R state c1" \
        --run "$RUNTIME --root $R start c1" \
        --wait prompt: --send 'hello there\r' -- \
        "$RUNTIME" --root "$R" create --console-socket "$TMP/s1" --bundle "$TMP/b1" c1)
rc=$?
set -e
echo "$out"
check_eq "$rc" 7 "exit status of the container"
check_contains "$out" "console-receiver: terminal /dev/pts/0" "the pty's name sent with the fd"
check_contains "$out" '"status": "created"' "state between create and start"
check_line "$out" "/dev/pts/0" "tty inside: the container's devpts instance"
check_line "$out" "30 90" "stty size: process.consoleSize"
check_contains "$out" "stdio-is-tty" "stdin and stdout are the pty"
check_contains "$out" "136,   0" "/dev/console is the pty"
check_line "$out" "hello there" "typed input echoed by the terminal"
check_contains "$out" "got:hello there" "typed input reaches read"
check_contains "$(oci state c1)" '"status": "stopped"' "state after the exit"
oci delete c1
nothing_left c1 "$TMP/b1"

# an interactive shell: the pty is its controlling terminal (job control
# on), a command line is echoed and run; `run` in the foreground with a
# console socket sends the master and exits with the container's status
mkbundle "$TMP/b2" true '' /bin/sh -i
set +e
out=$($RECV --socket "$TMP/s2" --wait '# ' --send 'echo hi-$((6*7))\r' --wait 'hi-42' \
        --send 'exit 5\r' -- \
        "$RUNTIME" --root "$R" run --console-socket "$TMP/s2" --bundle "$TMP/b2" c2 2>"$TMP/err2")
rc=$?
set -e
echo "$out"
cat "$TMP/err2"
check_eq "$rc" 5 "run --console-socket: exit status"
check_contains "$out" 'echo hi-$((6*7))' "the command line is echoed"
check_contains "$out" "hi-42" "the shell ran it"
case "$out$(cat "$TMP/err2")" in
*"job control turned off"*) fail "the pty is not the shell's controlling terminal" ;;
esac
nothing_left c2 "$TMP/b2"

# run in the foreground without a socket: the runtime relays the pty to its
# own terminal as `run --tty` does (our terminal's size wins over consoleSize)
mkbundle "$TMP/b3" true '{"height": 30, "width": 90}' /bin/sh -c \
        'tty; stty size; echo prompt:; read x; echo "got:$x"; exit 3'
set +e
out=$($DRIVE --size 20x60 --wait prompt: --send 'abc\r' -- \
        "$RUNTIME" --root "$R" run --bundle "$TMP/b3" c3)
rc=$?
set -e
echo "$out"
check_eq "$rc" 3 "relayed run: exit status"
check_line "$out" "/dev/pts/0" "relayed run: the container's pty"
check_line "$out" "20 60" "relayed run: the terminal's size"
check_contains "$out" "got:abc" "relayed run: typed input"
check_contains "$out" "pty-drive: terminal restored" "relayed run: terminal restored"
nothing_left c3 "$TMP/b3"

# expect_error ID BUNDLE TEXT RECEIVER-ARGS...: the runtime exits 1 naming
# TEXT, sends no terminal, and leaves no process, state dir or mount
expect_error() {
        id=$1 b=$2 text=$3; shift 3
        set +e
        out=$($RECV --no-terminal "$@" 2>"$TMP/err")
        rc=$?
        set -e
        err=$(cat "$TMP/err")
        echo "$out"; echo "$err"
        check_eq "$rc" 1 "$id: exit status"
        check_contains "$out" "console-receiver: no terminal" "$id: no terminal sent"
        check_contains "$err" "$text" "$id: the error"
        nothing_left "$id" "$b"
}
expect_error e1 "$TMP/b1" "process.terminal needs --console-socket for create" \
        --socket "$TMP/s3" -- "$RUNTIME" --root "$R" create --bundle "$TMP/b1" e1
expect_error e2 "$TMP/b1" "process.terminal needs --console-socket for run --detach" \
        --socket "$TMP/s4" -- "$RUNTIME" --root "$R" run --detach --bundle "$TMP/b1" e2
expect_error e3 "$TMP/b1" "process.terminal needs --console-socket for run under systemd" \
        --socket "$TMP/s5" -- env NOTIFY_SOCKET=/nonexistent \
        "$RUNTIME" --root "$R" run --bundle "$TMP/b1" e3
mkbundle "$TMP/b4" false '' /bin/true
expect_error e4 "$TMP/b4" "--console-socket $TMP/s6: config.json has no process.terminal" \
        --socket "$TMP/s6" -- "$RUNTIME" --root "$R" create --console-socket "$TMP/s6" --bundle "$TMP/b4" e4
expect_error e5 "$TMP/b1" "connect to console socket $TMP/missing: No such file or directory" \
        --socket "$TMP/s7" -- "$RUNTIME" --root "$R" create --console-socket "$TMP/missing" --bundle "$TMP/b1" e5
# not a socket, and a path too long for sockaddr_un
expect_error e6 "$TMP/b1" "connect to console socket $TMP/b1/config.json: Connection refused" \
        --socket "$TMP/s8" -- "$RUNTIME" --root "$R" create --console-socket "$TMP/b1/config.json" --bundle "$TMP/b1" e6
long=$TMP/$(printf '%0120d' 0)
expect_error e7 "$TMP/b1" "path must have 1 to 107 bytes" \
        --socket "$TMP/s9" -- "$RUNTIME" --root "$R" run --console-socket "$long" --bundle "$TMP/b1" e7
# hostile terminal settings in config.json
mkbundle "$TMP/b5" true '{"height": 70000, "width": 80}' /bin/true
expect_error e8 "$TMP/b5" "process.consoleSize needs height and width" \
        --socket "$TMP/s10" -- "$RUNTIME" --root "$R" create --console-socket "$TMP/s10" --bundle "$TMP/b5" e8
mkbundle "$TMP/b6" '"yes"' '' /bin/true
expect_error e9 "$TMP/b6" "process.terminal must be a boolean" \
        --socket "$TMP/s11" -- "$RUNTIME" --root "$R" create --console-socket "$TMP/s11" --bundle "$TMP/b6" e9
# a failure in the init (no devpts at /dev/pts to take the pty from): the
# runtime reaps it and removes the state dir; the caller gets no terminal
mkbundle "$TMP/b7" true '' /bin/true
$PYTHON - "$TMP/b7/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/dev/pts"]
json.dump(c, open(sys.argv[1], "w"))
PY
expect_error e10 "$TMP/b7" "open /dev/pts/ptmx: No such file or directory" \
        --socket "$TMP/s12" -- "$RUNTIME" --root "$R" create --console-socket "$TMP/s12" --bundle "$TMP/b7" e10
# a failure in the init after the pty is made (no such command in PATH):
# the message still reaches the runtime's stderr, not only the terminal
mkbundle "$TMP/b8" true '' nonexistent-cmd
$PYTHON - "$TMP/s13" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
c.recvmsg(64, 64)
PY
listener=$!
for i in $(seq 100); do [ -S "$TMP/s13" ] && break; sleep 0.1; done
set +e
"$RUNTIME" --root "$R" create --console-socket "$TMP/s13" --bundle "$TMP/b8" e11 2>"$TMP/err"
rc=$?
set -e
wait $listener
check_eq "$rc" 1 "e11: exit status"
check_contains "$(cat "$TMP/err")" "find executable nonexistent-cmd" "e11: the error on the runtime's stderr"
nothing_left e11 "$TMP/b8"

# the option belongs to create and run only
set +e
oci start --console-socket "$TMP/s1" c1 2>"$TMP/err"; rc=$?
set -e
check_eq "$rc" 2 "--console-socket on start"
check_contains "$(cat "$TMP/err")" "an option of create, run and exec" "clear usage error"
echo PASS
