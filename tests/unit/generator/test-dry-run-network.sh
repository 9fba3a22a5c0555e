#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# berth-generator --dry-run with networks, as a person runs it: the units of a
# .network and of a container using it, found beside the named file; a bad
# .network prints an error naming file, line and key, and exits 1.
set -euo pipefail
G=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
        echo "FAIL: $*" >&2
        exit 1
}

cat >"$tmp/app.network" <<'EOT'
[Network]
Subnet=10.93.0.0/24
Options=mtu=1400
EOT
cat >"$tmp/web.container" <<'EOT'
[Container]
Image=localhost/web
Network=app.network
PublishPort=8080:80
EOT
cat >"$tmp/plain.container" <<'EOT'
[Container]
Image=localhost/web
EOT
cat >"$tmp/bad.network" <<'EOT'
[Network]
Subnet=10.93.1.0/24
Driver=macvlan
EOT

# only the container named: app.network is found in its directory
out=$("$G" --dry-run --no-kmsg "$tmp/web.container" 2>"$tmp/err") || fail "dry-run of web.container failed: $(cat "$tmp/err")"
[[ $out == *"---web.service---"* ]] || fail "no web.service: $out"
[[ $out == *"--network systemd-app --publish 8080:80"* ]] || fail "web.service does not join systemd-app: $out"
[[ $out == *$'\nRequires=app-network.service\nAfter=app-network.service\n'* ]] ||
        fail "web.service does not require app-network.service: $out"
[[ $out != *"---plain.service---"* ]] || fail "a file that was not named was converted"

out=$("$G" --dry-run --no-kmsg "$tmp/app.network" "$tmp/plain.container" 2>"$tmp/err") ||
        fail "dry-run of app.network failed: $(cat "$tmp/err")"
[[ $out == *"---app-network.service---"* ]] || fail "no app-network.service: $out"
[[ $out == *$'\nExecStart='*$'/berth-netns create systemd-app --subnet 10.93.0.0/24 --option mtu=1400\n'* ]] ||
        fail "unexpected ExecStart of app-network.service: $out"
[[ $out == *$'\nType=oneshot\nRemainAfterExit=yes\n'* ]] || fail "app-network.service is not a oneshot that remains: $out"
[[ $out == *"--network bridge"* ]] || fail "plain.service is not on the default bridge: $out"

rc=0
out=$("$G" --dry-run --no-kmsg "$tmp/bad.network" 2>"$tmp/err") || rc=$?
[ "$rc" = 1 ] || fail "dry-run of bad.network exited $rc"
grep -q "bad.network:3: Driver: not supported by berth: Driver macvlan" "$tmp/err" ||
        fail "the error does not name file, line and key: $(cat "$tmp/err")"
[[ $out != *"---bad-network.service---"* ]] || fail "a unit was printed for bad.network"

# A named file that is not there is an error, not a search of its directory
# (for "/nothing.container", the whole file system).
rc=0
out=$(timeout 20 "$G" --dry-run --no-kmsg /no-such-dir-berth/x.container "$tmp/nothing.container" \
        2>"$tmp/err") || rc=$?
[ "$rc" = 1 ] || fail "dry-run of missing files exited $rc: $(cat "$tmp/err")"
grep -q "^berth-generator: $tmp/nothing.container: No such file or directory$" "$tmp/err" ||
        fail "the missing file is not named: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 2 ] || fail "more than the two missing files reported: $(cat "$tmp/err")"
rc=0
"$G" --dry-run --no-kmsg "$tmp" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "not a declaration file" "$tmp/err" ||
        fail "a directory given as a file: rc $rc: $(cat "$tmp/err")"
echo ok
