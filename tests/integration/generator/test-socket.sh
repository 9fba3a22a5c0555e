#!/bin/bash
# Socket activation of a declared container: web.socket (127.0.0.1:PORT)
# beside web.container. The first connection starts web.service (pulling
# its image first), and the container's app answers on the listening socket
# systemd passed as fd 3 (test-app checks LISTEN_FDS=1 and LISTEN_PID).
#
# usage: test-socket.sh TEST_APP   (meson passes the static test-app)
set -euo pipefail
. "$SOURCE_DIR/tests/integration/generator/lib-declared.sh"
declared_app_boot "${1:-}"
PORT=8080

declare_file web.socket <<EOF2
[Socket]
ListenStream=127.0.0.1:$PORT
EOF2
declare_file web.container <<EOF2
[Container]
Image=$REG/test/app:1
Exec=/usr/bin/test-app serve hello-from-fd3
EOF2
harness_run systemctl daemon-reload
harness_run systemctl start web.socket ||
        fail "web.socket did not start: $(harness_run systemctl status --no-pager web.socket || true)"
if harness_run systemctl is-active --quiet web.service; then
        fail "web.service runs before any connection"
fi

# The first connection waits in the backlog while the image is pulled.
answer=$(harness_run timeout 300 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && cat <&3") ||
        fail "no answer on 127.0.0.1:$PORT: $(harness_run systemctl status --no-pager web.service || true)"
[ "$answer" = hello-from-fd3 ] || fail "unexpected answer: '$answer'"
harness_run systemctl is-active --quiet web.service || fail "web.service is not active"
assert_container_main_pid web.service
# A second connection reaches the same container.
pid=$(harness_run systemctl show -p MainPID --value web.service)
answer=$(harness_run timeout 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && cat <&3")
[ "$answer" = hello-from-fd3 ] || fail "unexpected second answer: '$answer'"
[ "$(harness_run systemctl show -p MainPID --value web.service)" = "$pid" ] ||
        fail "the second connection started another container"
harness_run systemctl stop web.service web.socket
echo ok
