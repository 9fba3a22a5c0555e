#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test fixture: Debian's docker-registry on 127.0.0.1 with a free port and a
# temporary storage directory, optionally with htpasswd basic auth, TLS from a
# test CA, or token auth against tests/lib/token_server.py. Source it; every
# process it starts is stopped by PID in registry_cleanup (call it from the
# test's EXIT trap).
#
#   registry_setup                 temp dir, $REGISTRY_DIR
#   registry_start [--htpasswd USER:PASS] [--tls] [--token] [--access-log]
#                                  sets REGISTRY (127.0.0.1:PORT), REGISTRY_URL
#   registry_stop                  stops the registry, keeps its storage
#   registry_push SET [ESCAPE]     pushes an image set (registry_images.py)
#   registry_cleanup

REGISTRY_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REGISTRY_PIDS=()

registry_free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

registry_setup() {
        command -v docker-registry >/dev/null || { echo "SKIP: docker-registry not installed"; exit 77; }
        REGISTRY_DIR=$(mktemp -d /tmp/berth-registry-test.XXXXXX)
        mkdir -p "$REGISTRY_DIR/storage"
}

registry_cleanup() {
        local pid
        for pid in "${REGISTRY_PIDS[@]}"; do
                kill "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }
        done
        REGISTRY_PIDS=()
        [ -n "${REGISTRY_DIR:-}" ] && rm -rf "$REGISTRY_DIR"
}

# Makes $REGISTRY_DIR/ca.{key,crt} and a server cert for 127.0.0.1 signed by it.
registry_make_ca() {
        local d=$REGISTRY_DIR
        [ -f "$d/ca.crt" ] && return 0
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth test CA" \
                -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
                -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > "$d/ext.cnf"
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
                -CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null
}

registry_wait_port() {  # PORT PID
        local i
        for i in $(seq 100); do
                if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then
                        return 0
                fi
                kill -0 "$2" 2>/dev/null || return 1
                sleep 0.05
        done
        return 1
}

registry_start() {
        local htpasswd="" tls="" token="" accesslog=true
        while [ $# -gt 0 ]; do
                case "$1" in
                --htpasswd) htpasswd=$2; shift 2 ;;
                --tls) tls=1; shift ;;
                --token) token=1; shift ;;
                --access-log) accesslog=false; shift ;;
                *) echo "registry_start: unknown option $1" >&2; return 1 ;;
                esac
        done
        local port cfg=$REGISTRY_DIR/config.yml
        port=$(registry_free_port)
        cat > "$cfg" <<EOT
version: 0.1
log:
  level: warn
  accesslog:
    disabled: $accesslog
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOT
        if [ -n "$tls" ]; then
                registry_make_ca
                printf '  tls:\n    certificate: %s\n    key: %s\n' \
                        "$REGISTRY_DIR/server.crt" "$REGISTRY_DIR/server.key" >> "$cfg"
        fi
        if [ -n "$htpasswd" ]; then
                htpasswd -B -b -c "$REGISTRY_DIR/htpasswd" "${htpasswd%%:*}" "${htpasswd#*:}" 2>/dev/null
                printf 'auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n' \
                        "$REGISTRY_DIR/htpasswd" >> "$cfg"
        fi
        if [ -n "$token" ]; then
                token_server_start || return 1
                printf 'auth:\n  token:\n    realm: %s\n    service: berth-test\n    issuer: berth-test-issuer\n    rootcertbundle: %s\n' \
                        "$TOKEN_URL" "$REGISTRY_DIR/token.crt" >> "$cfg"
        fi
        docker-registry serve "$cfg" >"$REGISTRY_DIR/registry.log" 2>&1 &
        REGISTRY_PID=$!
        REGISTRY_PIDS+=("$REGISTRY_PID")
        if ! registry_wait_port "$port" "$REGISTRY_PID"; then
                echo "registry did not start:" >&2
                cat "$REGISTRY_DIR/registry.log" >&2
                return 1
        fi
        REGISTRY=127.0.0.1:$port
        REGISTRY_URL=$([ -n "$tls" ] && echo https || echo http)://$REGISTRY
}

registry_stop() {
        kill "$REGISTRY_PID" 2>/dev/null && { wait "$REGISTRY_PID" 2>/dev/null || true; }
        if [ -n "${TOKEN_PID:-}" ]; then
                kill "$TOKEN_PID" 2>/dev/null && { wait "$TOKEN_PID" 2>/dev/null || true; }
        fi
        TOKEN_PID=
        return 0
}

# Token endpoint: tests/lib/token_server.py with a fresh signing key whose
# certificate the registry trusts. TOKEN_USER:TOKEN_PASS, when set, are
# required from clients; otherwise anonymous tokens are handed out.
token_server_start() {
        local port
        [ -f "$REGISTRY_DIR/token.crt" ] ||
                openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth token issuer" \
                        -keyout "$REGISTRY_DIR/token.key" -out "$REGISTRY_DIR/token.crt" 2>/dev/null
        port=$(registry_free_port)
        python3 "$REGISTRY_LIB_DIR/token_server.py" --port "$port" \
                --key "$REGISTRY_DIR/token.key" --cert "$REGISTRY_DIR/token.crt" \
                --issuer berth-test-issuer --service berth-test \
                ${TOKEN_USER:+--user "$TOKEN_USER:$TOKEN_PASS"} \
                --log "$REGISTRY_DIR/token.log" &
        TOKEN_PID=$!
        REGISTRY_PIDS+=("$TOKEN_PID")
        registry_wait_port "$port" "$TOKEN_PID" || { echo "token server did not start" >&2; return 1; }
        TOKEN_URL=http://127.0.0.1:$port/token
}

registry_push() {
        python3 "$REGISTRY_LIB_DIR/registry_images.py" push "$REGISTRY_URL" "$@"
}
