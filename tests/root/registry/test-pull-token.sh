#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Token auth: the registry answers 401 with a Bearer challenge naming the
# test's token endpoint; anonymous tokens, then tokens that need the
# credentials from auth.json (sent to the token endpoint as basic auth).
. "$(dirname "$0")/lib.sh"

# images go in before auth is switched on
registry_start
registry_push small >/dev/null
registry_stop

registry_start --token
ref=$REGISTRY/test/small:latest
pull --insecure "$REGISTRY" "$ref" >/dev/null
grep -q '"scope": \["repository:test/small:pull"\]' "$REGISTRY_DIR/token.log" ||
        fail "no token request with the pull scope: $(cat "$REGISTRY_DIR/token.log")"
grep -q '"authorization": ""' "$REGISTRY_DIR/token.log" || fail "anonymous token expected"
registry_stop

TOKEN_USER=alice TOKEN_PASS='s3cret:with colon'
rm -f "$REGISTRY_DIR/token.log"
registry_start --token
ref=$REGISTRY/test/small:latest
pull_fails "HTTP 401 (credentials required)" --insecure "$REGISTRY" "$ref"

printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" \
        "$(printf 'alice:wrong' | base64 -w0)" > "$REGISTRY_DIR/auth.json"
pull_fails "HTTP 401 (credentials rejected)" --insecure "$REGISTRY" \
        --auth-file "$REGISTRY_DIR/auth.json" "$ref"

printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" \
        "$(printf '%s:%s' "$TOKEN_USER" "$TOKEN_PASS" | base64 -w0)" > "$REGISTRY_DIR/auth.json"
"$BERTH_PULL" --root "$STORE" --insecure "$REGISTRY" --auth-file "$REGISTRY_DIR/auth.json" \
        --config-dir "$REGISTRY_DIR/none" --certs-dir "$REGISTRY_DIR/none" "$ref" >/dev/null
grep -q '"authorization": "Basic", "result": 200' "$REGISTRY_DIR/token.log" ||
        fail "credentials not sent to the token endpoint"
store_check_clean
echo ok
