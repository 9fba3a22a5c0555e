#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# berth-pull's command line: --help, --version, exit codes for bad arguments,
# and a bad registries.d file is an error that names file and line.
set -euo pipefail
B=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$B" --help | grep >/dev/null -- "--insecure HOST"
[ "$("$B" --version)" = "berth-pull $("$B" --version | cut -d' ' -f2)" ]
rc=0; "$B" 2>/dev/null || rc=$?; [ $rc = 2 ]
rc=0; "$B" --bogus x 2>/dev/null || rc=$?; [ $rc = 2 ]
rc=0; "$B" --parallel many x 2>/dev/null || rc=$?; [ $rc = 2 ]
rc=0; "$B" --insecure ../etc x 2>/dev/null || rc=$?; [ $rc = 2 ]

mkdir "$tmp/conf"
printf '[Registry]\nHost=example.com\nInsecure=perhaps\n' > "$tmp/conf/10-bad.conf"
rc=0
"$B" --root "$tmp/store" --config-dir "$tmp/conf" example.com/x 2>"$tmp/err" || rc=$?
# the whole line: a parse error is berth's own, no strerror follows it
[ $rc = 1 ] && grep -qxF "berth-pull: $tmp/conf/10-bad.conf:3: invalid Insecure=perhaps" "$tmp/err"
# an invalid reference fails before anything is contacted
rc=0
"$B" --root "$tmp/store" --config-dir "$tmp/none" 'example.com/a//b' 2>"$tmp/err" || rc=$?
[ $rc = 1 ] && grep -q "invalid reference" "$tmp/err"
echo ok
