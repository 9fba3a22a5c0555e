#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Basic auth (registry htpasswd): no credentials, wrong ones, right ones.
. "$(dirname "$0")/lib.sh"

registry_start
registry_push small >/dev/null
registry_stop
registry_start --htpasswd 'bob:hunter2'
ref=$REGISTRY/test/small:latest

pull_fails "HTTP 401 (authentication required, no credentials for $REGISTRY)" \
        --insecure "$REGISTRY" "$ref"

printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf 'bob:nope' | base64 -w0)" \
        > "$REGISTRY_DIR/wrong.json"
"$BERTH_PULL" --root "$STORE" --insecure "$REGISTRY" --auth-file "$REGISTRY_DIR/wrong.json" \
        --config-dir "$REGISTRY_DIR/none" --certs-dir "$REGISTRY_DIR/none" "$ref" 2>"$REGISTRY_DIR/err" &&
        fail "wrong credentials accepted"
grep -q "HTTP 401 (credentials rejected)" "$REGISTRY_DIR/err" || fail "$(cat "$REGISTRY_DIR/err")"

printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" "$(printf 'bob:hunter2' | base64 -w0)" \
        > "$REGISTRY_DIR/auth.json"
"$BERTH_PULL" --root "$STORE" --insecure "$REGISTRY" --auth-file "$REGISTRY_DIR/auth.json" \
        --config-dir "$REGISTRY_DIR/none" --certs-dir "$REGISTRY_DIR/none" "$ref" >/dev/null
store_check_clean

# a malformed auth.json is an error, not "no credentials"
printf '{"auths": {"%s": {"auth": 1}}}' "$REGISTRY" > "$REGISTRY_DIR/bad.json"
"$BERTH_PULL" --root "$STORE" --insecure "$REGISTRY" --auth-file "$REGISTRY_DIR/bad.json" \
        --config-dir "$REGISTRY_DIR/none" "$ref" 2>"$REGISTRY_DIR/err" >/dev/null &&
        fail "malformed auth.json accepted"
# the error names the file and the key, never the credential
grep -qF "bad.json: auths.\"$REGISTRY\".auth is not a string" "$REGISTRY_DIR/err" || fail "$(cat "$REGISTRY_DIR/err")"
echo ok
