#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# TLS with a test CA: without the CA the pull fails with a clear error; with
# certs.d/HOST:PORT/ca.crt, or CAFile= in registries.d, it succeeds.
. "$(dirname "$0")/lib.sh"

registry_start
registry_push small >/dev/null
registry_stop
registry_start --tls
ref=$REGISTRY/test/small:latest

pull_fails "SSL certificate problem" "$ref"

mkdir -p "$REGISTRY_DIR/certs.d/$REGISTRY"
cp "$REGISTRY_DIR/ca.crt" "$REGISTRY_DIR/certs.d/$REGISTRY/ca.crt"
"$BERTH_PULL" --root "$STORE" --certs-dir "$REGISTRY_DIR/certs.d" \
        --config-dir "$REGISTRY_DIR/none" --auth-file "$REGISTRY_DIR/none.json" "$ref" >/dev/null

mkdir -p "$REGISTRY_DIR/registries.d"
printf '[Registry]\nHost=%s\nCAFile=%s\n' "$REGISTRY" "$REGISTRY_DIR/ca.crt" \
        > "$REGISTRY_DIR/registries.d/test.conf"
"$BERTH_PULL" --root "$STORE" --certs-dir "$REGISTRY_DIR/none" \
        --config-dir "$REGISTRY_DIR/registries.d" --auth-file "$REGISTRY_DIR/none.json" "$ref" >/dev/null

# plain HTTP is only for registries configured insecure: a TLS registry
# marked insecure is not silently "upgraded", and an https-only client does
# not fall back to http
printf '[Registry]\nHost=%s\nInsecure=yes\n' "$REGISTRY" > "$REGISTRY_DIR/registries.d/test.conf"
pull_fails "manifest:" --config-dir "$REGISTRY_DIR/registries.d" "$ref"
store_check_clean
echo ok
