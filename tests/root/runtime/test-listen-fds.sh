#!/bin/sh
# Socket activation: LISTEN_FDS stay at 3.., LISTEN_PID=1 inside, every
# other fd is closed.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# python binds the socket at fd 3, opens an unrelated fd 4 (a pipe), then
# execs the runtime with LISTEN_PID set to its own pid, like systemd does.
python3 - "$RUNTIME" "$ROOTFS" "$TMP/layer" "$port" > "$TMP/out" 2>&1 <<'PY' &
import os, socket, sys
rt, rootfs, layer, port = sys.argv[1:]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(port))); s.listen(4)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
r, w = os.pipe(); os.dup2(r, 4); os.set_inheritable(4, True)
os.environ.update(LISTEN_FDS="1", LISTEN_FDNAMES="web", LISTEN_PID=str(os.getpid()))
os.execv(rt, [rt, "run", "--rootfs", rootfs, "--upper", layer, "--name", "sock",
              "--", "/bin/sh", "-c", 'env | grep LISTEN_ | sort; ct-probe fds; exec ct-probe accept'])
PY
pid=$!
reply=""
for i in $(seq 50); do
        reply=$(python3 -c "import socket,sys; c=socket.create_connection(('127.0.0.1',$port),timeout=5); print(c.recv(100).decode().strip())" 2>/dev/null) && break
        sleep 0.1
done
wait $pid || fail "runtime failed: $(cat "$TMP/out")"
out=$(cat "$TMP/out")
echo "$out"
check_eq "$reply" "hello from the container" "the container accepted on the passed socket"
check_contains "$out" "LISTEN_FDS=1" "LISTEN_FDS"
check_contains "$out" "LISTEN_FDNAMES=web" "LISTEN_FDNAMES"
check_contains "$out" "LISTEN_PID=1" "LISTEN_PID is the container init"
check_contains "$out" "3 socket" "fd 3 is the socket"
if echo "$out" | grep -q "^4 "; then fail "unrelated fd 4 leaked into the container"; fi
echo PASS
