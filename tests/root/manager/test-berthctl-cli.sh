#!/bin/bash
# berthctl as scripts and people see it, against berthd on a private bus:
# exit statuses (0, 1, 2, 4 for a query about what does not exist, 5 for an
# action on it, as systemctl status/start), aligned tables with long names,
# and --json with the field names berthctl(1) documents.
. "$(dirname "$0")/lib.sh"
for p in dbus-daemon busctl python3 script; do
        command -v $p >/dev/null || skip "$p is not installed"
done

work=$(mktemp -d /tmp/berth-test-berthctl.XXXXXX)
pids=()
dbus_pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        for p in "${dbus_pids[@]}"; do kill "$p" 2>/dev/null || true; done
        rm -rf "$work"
}
trap cleanup EXIT

new_bus() { # $1: name of the address file
        dbus-daemon --session --print-address=3 --print-pid=4 --fork 3>"$work/$1" 4>"$work/$1.pid"
        dbus_pids+=("$(cat "$work/$1.pid")")
}

# expect STATUS CMD...: berthctl exits with STATUS and, on failure, says why
expect() {
        local want=$1 rc=0 out
        shift
        out=$("$berthctl" "$@" 2>&1 >/dev/null) || rc=$?
        [ "$rc" = "$want" ] || fail "berthctl $*: exit status $rc, expected $want ($out)"
        if [ "$want" != 0 ] && [ -z "$out" ]; then
                fail "berthctl $*: exit status $rc without a message"
        fi
}

# --- without berthd: a plain failure, never "not found" or "unreachable" ------
BERTH_BUS_ADDRESS=unix:path=$work/no-such-socket expect 1 ps
new_bus empty
BERTH_BUS_ADDRESS=$(cat "$work/empty") expect 1 ps
BERTH_BUS_ADDRESS=$(cat "$work/empty") expect 1 start web
BERTH_BUS_ADDRESS=$(cat "$work/empty") expect 1 pull --retry-unreachable example.com/x

# --- berthd, two images, two containers ----------------------------------------
new_bus address
export BERTH_BUS_ADDRESS=$(cat "$work/address")
BERTH_IDLE_TIMEOUT=0 "$berthd" --bus-address="$BERTH_BUS_ADDRESS" --state-dir="$work/state" \
        >>"$work/berthd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
        busctl --address="$BERTH_BUS_ADDRESS" status org.berth1 >/dev/null 2>&1 && break
        sleep 0.1
done

"$mkimage" "$work/oci" >/dev/null
tar -C "$work/oci" -cf "$work/img.tar" .
long_image=localhost/a-rather-long-image-name-for-alignment:v1.2.3
long_name=a-container-with-a-long-name-0123456789
"$berthctl" load -i "$work/img.tar" --name "$long_image" >/dev/null || fail "load failed"
"$berthctl" load -i "$work/img.tar" --name b:1 >/dev/null || fail "load failed"
# load shows progress: percentages in a log, a bar on a terminal
out=$("$berthctl" load -i "$work/img.tar" --name progress:1) || fail "load failed: $out"
grep -qx "load: 100%" <<<"$out" || fail "load shows no percentage: $out"
out=$(script -qec "$(printf '%q ' "$berthctl" load -i "$work/img.tar" --name progress:2)" /dev/null)
grep -qE $'total +\\[=+\\] ' <<<"$out" || fail "load shows no bar on a terminal: $out"
out=$("$berthctl" load -q -i "$work/img.tar" --name progress:3) || fail "load -q failed"
[ -z "$out" ] || fail "load -q printed: $out"
# save: progress with -o, none mixed into an archive on standard output
out=$("$berthctl" save -o "$work/saved.tar" progress:1) || fail "save failed: $out"
grep -qx "save: 100%" <<<"$out" || fail "save -o shows no percentage: $out"
"$berthctl" save progress:1 >"$work/saved2.tar" || fail "save to stdout failed"
cmp -s "$work/saved.tar" "$work/saved2.tar" || fail "save to stdout differs from save -o"
for n in 1 2 3; do "$berthctl" rmi progress:$n >/dev/null || fail "rmi progress:$n"; done
"$berthctl" create --name "$long_name" "$long_image" >/dev/null || fail "create failed"
"$berthctl" create --name c b:1 >/dev/null || fail "create failed"

# --- exit statuses -----------------------------------------------------------------
expect 0 images
expect 0 ps -a
expect 0 inspect c
expect 2 images extra
expect 2 ps extra
expect 2 ps --no-such-option
expect 2 no-such-verb
expect 2 start
expect 2 pull 'bad::ref'
expect 2 kill -s NOSIG c
expect 2 start $'\xff'
# queries, as systemctl status: 4
expect 4 inspect nosuch
expect 4 inspect --type image nosuch
expect 4 inspect --type container nosuch
expect 4 inspect c nosuch
# actions, as systemctl start/stop/kill: 5
for verb in start stop restart kill rm rmi; do
        expect 5 $verb nosuch
done
expect 5 save -o "$work/x.tar" nosuch
expect 5 exec nosuch true
expect 5 create --network nosuchnet b:1
# logs: nothing at all about a name that is no container is an error, as for
# an action; a container that has not written anything yet is not one
expect 5 logs nosuch
expect 0 logs c
rc=0
timeout 3 "$berthctl" logs -f c >/dev/null 2>&1 || rc=$?
[ "$rc" = 124 ] || fail "logs -f of a container that has not logged exited $rc instead of waiting"

# --- tables: every cell starts where its header does ------------------------------
check_table() { # $1: what, stdin: the table
        python3 -c '
import re, sys
lines = sys.stdin.read().rstrip("\n").split("\n")
what = sys.argv[1]
head = lines[0]
# header words are separated by 2+ spaces ("CONTAINER ID" is one header)
starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", head)]
if len(lines) < 3:
    sys.exit(f"{what}: expected rows: {lines}")
for row in lines[1:]:
    for k in starts[1:]:
        if len(row) <= k or row[k] == " " or row[k - 1] != " " or row[k - 2] != " ":
            sys.exit(f"{what}: column at {k} not aligned in {row!r} (header {head!r})")
    if row != row.rstrip():
        sys.exit(f"{what}: trailing blanks in {row!r}")
' "$1"
}
out=$("$berthctl" ps -a) || fail "ps -a failed"
check_table "ps -a" <<<"$out" || fail "ps -a is not aligned:"$'\n'"$out"
[[ $out == *"$long_name"* && $out == *"$long_image"* ]] || fail "ps -a shortened a name: $out"
out=$("$berthctl" images) || fail "images failed"
check_table images <<<"$out" || fail "images is not aligned:"$'\n'"$out"
[[ $out == *"$long_image"* ]] || fail "images shortened a name: $out"

# --- --json: valid, the documented fields, in both positions -----------------------
for args in "ps -a --json" "--json ps -a"; do
        # shellcheck disable=SC2086
        out=$("$berthctl" $args) || fail "$args failed"
        python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert len(d) == 2, d
for o in d:
    assert set(o) == {"id", "image", "created", "state", "unit", "name"}, o
    assert len(o["id"]) == 64 and isinstance(o["created"], int) and o["state"] == "created", o
assert {o["name"] for o in d} == {"c", sys.argv[1]}, d
' "$long_name" <<<"$out" || fail "$args: $out"
done
for args in "images --json" "--json images"; do
        # shellcheck disable=SC2086
        out=$("$berthctl" $args) || fail "$args failed"
        python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert len(d) == 1, d
o = d[0]
assert set(o) == {"names", "id", "created", "size"}, o
assert o["id"].startswith("sha256:") and isinstance(o["size"], int) and o["size"] > 0, o
assert sorted(o["names"]) == sorted(["docker.io/library/b:1", sys.argv[1]]), o
' "$long_image" <<<"$out" || fail "$args: $out"
done
out=$("$berthctl" inspect c) || fail "inspect failed"
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["Name"] == "c", d' <<<"$out" ||
        fail "inspect c: $out"
echo "ok: berthctl exit statuses, tables and --json"
