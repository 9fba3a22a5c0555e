#!/bin/sh
# --tty: the container gets a pty of its own devpts instance as controlling
# terminal; the foreground runtime relays it to its terminal (raw mode,
# restored at exit), passes window size changes on, and exits with the
# container's status. Driven from a real pty (tests/lib/pty-drive.py).
. "$(dirname "$0")/lib.sh"
PYTHON=/usr/bin/python3
[ -x $PYTHON ] || { echo "SKIP: needs python3"; exit 77; }
DRIVE="$PYTHON $SOURCE_DIR/tests/lib/pty-drive.py"
make_rootfs "$TMP/root"
for a in tty stty ls; do ln -sf busybox "$TMP/root/bin/$a"; done
run() { "$RUNTIME" run --rootfs "$TMP/root" --upper "$TMP/layer" "$@"; }

# tty names the container's own pty; the size is the terminal's; typed
# input reaches read; the exit status comes back; the terminal is restored
set +e
out=$($DRIVE --size 33x101 --wait prompt: --send 'hello there\r' -- \
        "$RUNTIME" run --rootfs "$TMP/root" --upper "$TMP/layer" --name tty1 --tty -- \
        /bin/sh -c 'tty; stty size; [ -t 0 ] && echo stdin-is-tty; echo prompt:; read x; echo "got:$x"; exit 4')
rc=$?
set -e
echo "$out"
check_eq "$rc" 4 "exit status through the pty"
check_contains "$out" "/dev/pts/0" "tty inside: the container's devpts instance"
check_contains "$out" "33 101" "stty size: the terminal's size"
check_contains "$out" "stdin-is-tty" "stdin is the pty"
check_contains "$out" "got:hello there" "typed input reaches read"
check_contains "$out" "pty-drive: terminal restored" "terminal modes restored"

# a resize of the outer terminal reaches the container (SIGWINCH)
out=$($DRIVE --size 24x80 --wait ready --size 40x120 -- \
        "$RUNTIME" run --rootfs "$TMP/root" --upper "$TMP/layer" --name tty2 --tty -- \
        /bin/sh -c 'echo ready; i=0; while [ "$(stty size)" != "40 120" ]; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done; echo resized')
echo "$out"
check_contains "$out" "resized" "window size change passed on"

# the pty belongs to the container's user; ^C typed is the container's
# (raw mode here: the byte reaches the container's line discipline)
set +e
out=$($DRIVE --wait ready --send '\x03' -- \
        "$RUNTIME" run --rootfs "$TMP/root" --upper "$TMP/layer" --name tty3 --user app --tty -- \
        /bin/sh -c 'ls -ln "$(tty)"; trap "echo caught-int; exit 5" INT; echo ready; while :; do sleep 0.1; done')
rc=$?
set -e
echo "$out"
check_contains "$out" " 1000 " "the pty is owned by the container's user"
check_contains "$out" "caught-int" "^C reaches the container's foreground process"
check_eq "$rc" 5 "status after ^C"

# input that is not a terminal: relayed, and its end is the pty's EOF
out=$(printf 'line1\n' | run --name tty4 --tty -- /bin/sh -c 'read x; echo "got:$x"; cat >/dev/null; echo saw-eof')
echo "$out"
check_contains "$out" "got:line1" "piped input through the pty"
check_contains "$out" "saw-eof" "end of input is EOF in the container"

# --tty under systemd (NOTIFY_SOCKET) is refused: nobody would hold the pty
set +e
NOTIFY_SOCKET=/nonexistent run --name tty5 --tty -- /bin/true 2>"$TMP/err"; rc=$?
set -e
check_eq "$rc" 2 "--tty with NOTIFY_SOCKET"
check_contains "$(cat "$TMP/err")" "--tty needs the foreground" "clear error"

# exec --tty: a pty of the running container's devpts, the init's user
"$RUNTIME" run --rootfs "$TMP/root" --upper "$TMP/layer" --name tty6 --user app -- /bin/sleep 30 &
pid=$!
container_init $pid
set +e
out=$($DRIVE --size 20x70 --wait prompt: --send 'typed\r' -- \
        "$RUNTIME" exec --pid "$init" --tty --env FOO=bar -- \
        /bin/sh -c 'tty; stty size; ls -ln "$(tty)"; echo "foo=$FOO"; echo prompt:; read x; echo "got:$x"; exit 6')
rc=$?
set -e
kill $pid; wait $pid || true
echo "$out"
check_eq "$rc" 6 "exec --tty: exit status"
check_contains "$out" "/dev/pts/" "exec --tty: a pty"
check_contains "$out" "20 70" "exec --tty: the terminal's size"
check_contains "$out" " 1000 " "exec --tty: owned by the init's user"
check_contains "$out" "foo=bar" "exec --env"
check_contains "$out" "got:typed" "exec --tty: typed input"
check_contains "$out" "pty-drive: terminal restored" "exec --tty: terminal restored"
echo "OK"
