#!/bin/bash
# berthd on a private bus (no systemd needed): the object tree and its
# introspection against dbus/*.xml, pulls from a loopback registry with the
# progress signals seen from outside, joined and cancelled transfers,
# container records (persisting across restarts), image removal refused while
# a container uses the image, hostile D-Bus arguments, idle exit, idle RSS.
. "$(dirname "$0")/lib.sh"
[ -x "$mkimage" ] || skip "tests/lib/mkimage.sh is not there yet"
for p in dbus-daemon docker-registry skopeo busctl python3; do
        command -v $p >/dev/null || skip "$p is not installed"
done

work=$(mktemp -d /tmp/berth-test-berthd.XXXXXX)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        [ -f "$work/dbus.pid" ] && kill "$(cat "$work/dbus.pid")" 2>/dev/null
        [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- a private bus, a registry, an image in it --------------------------------
dbus-daemon --session --print-address=3 --print-pid=4 --fork 3>"$work/address" 4>"$work/dbus.pid"
address=$(cat "$work/address")
export BERTH_BUS_ADDRESS=$address
bus() { busctl --address="$address" "$@"; }

port=$(free_port)
cat >"$work/registry.yml" <<EOT
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOT
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
hang_port=$(free_port)
# a registry that never answers: transfers stay in flight until cancelled
python3 -c '
import http.server, socketserver, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self): time.sleep(600)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$hang_port" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

"$mkimage" --split "$work/oci" >/dev/null
skopeo copy --quiet --dest-tls-verify=false "oci:$work/oci:latest" \
        "docker://127.0.0.1:$port/test/busybox:latest" >/dev/null
ref=127.0.0.1:$port/test/busybox:latest

mkdir -p "$work/registries.d"
printf '[Registry]\nHost=127.0.0.1:%s\nInsecure=yes\n\n[Registry]\nHost=127.0.0.1:%s\nInsecure=yes\n' \
        "$port" "$hang_port" >"$work/registries.d/test.conf"

start_berthd() {
        BERTH_REGISTRIES_DIR=$work/registries.d BERTH_IDLE_TIMEOUT=${1:-0} \
                "$berthd" --bus-address="$address" --state-dir="$work/state" >>"$work/berthd.log" 2>&1 &
        berthd_pid=$!
        pids+=($berthd_pid)
        for _ in $(seq 50); do bus status org.berth1 >/dev/null 2>&1 && return 0; sleep 0.1; done
        fail "berthd did not take its bus name"
}
start_berthd 0

# --- pull, watched from outside ------------------------------------------------
bus monitor org.berth1 >"$work/monitor.txt" 2>&1 &
monitor=$!
pids+=($monitor)
sleep 0.3
"$berthctl" pull "$ref" >"$work/pull.txt" || fail "pull failed: $(cat "$work/pull.txt")"
sleep 0.3
kill "$monitor"
grep -q "Member=TransferNew" "$work/monitor.txt" || fail "no TransferNew signal"
grep -q 'Member=TransferRemoved' "$work/monitor.txt" || fail "no TransferRemoved signal"
grep -A20 'Member=TransferRemoved' "$work/monitor.txt" | grep >/dev/null 'STRING "done"' ||
        fail "the transfer did not end with \"done\""
grep -q 'Member=PropertiesChanged' "$work/monitor.txt" || fail "no progress signals"
# within a PropertiesChanged message (each message starts with a "Member=" line)
awk '/Member=/ {pc = /Member=PropertiesChanged/} pc && /"BytesDone"/ {found = 1} END {exit !found}' \
        "$work/monitor.txt" || fail "no PropertiesChanged carried BytesDone"
grep -q 'Member=ImageNew' "$work/monitor.txt" || fail "no ImageNew signal"
[ "$(grep -c 'layer sha256:.* pulled' "$work/berthd.log")" = 2 ] ||
        fail "expected one log line per layer (2 layers)"
grep -q "Pulled $ref" "$work/pull.txt" || fail "berthctl did not report the pull"
"$berthctl" images | grep >/dev/null "^$ref " || fail "images does not list $ref"
"$berthctl" images --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["names"][0]==sys.argv[1]' "$ref" ||
        fail "images --json is wrong"
"$berthctl" pull --policy=missing "$ref" | grep >/dev/null "present" || fail "--policy=missing pulled again"

# --- one transfer per reference; Cancel cleans up ---------------------------------
t1=$(bus call org.berth1 /org/berth1 org.berth1.Manager PullImage s "127.0.0.1:$hang_port/x/y" | awk '{print $2}')
t2=$(bus call org.berth1 /org/berth1 org.berth1.Manager PullImage s "127.0.0.1:$hang_port/x/y" | awk '{print $2}')
[ "$t1" = "$t2" ] || fail "a second pull of the same reference got its own transfer ($t1, $t2)"
t1=${t1//\"/}
bus introspect --xml-interface org.berth1 "$t1" >"$work/Transfer.xml"
bus call org.berth1 "$t1" org.berth1.Transfer Cancel
for _ in $(seq 50); do bus tree --list org.berth1 | grep >/dev/null "^$t1\$" || break; sleep 0.1; done
bus tree --list org.berth1 | grep >/dev/null "^$t1\$" && fail "the cancelled transfer is still there"
grep -q "canceled" "$work/berthd.log" || fail "the cancellation was not logged"
[ -z "$(ls -A "$work/state/tmp" 2>/dev/null)" ] || fail "a cancelled pull left files in tmp/"

# --- containers ----------------------------------------------------------------
"$berthctl" create --name web -e FOO=bar --restart=always -m 64m "$ref" sleep 100 >/dev/null ||
        fail "create failed"
bus tree --list org.berth1 | grep >/dev/null -x /org/berth1/container/web || fail "no object for web"
[ "$(bus get-property org.berth1 /org/berth1/container/web org.berth1.Container State)" = 's "created"' ] ||
        fail "a new container is not in state created"
[ -f "$work/state/containers/web/config.json" ] || fail "no record on disk"
out=$("$berthctl" rmi "$ref" 2>&1) && fail "rmi of an image in use succeeded"
echo "$out" | grep >/dev/null "in use by container web" || fail "rmi did not name the container: $out"
"$berthctl" ps | grep >/dev/null web && fail "ps without -a lists a container that is not running"
"$berthctl" ps -a | grep >/dev/null " web$" || fail "ps -a does not list web"
"$berthctl" inspect web | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["Env"]==["FOO=bar"] and d["MemoryMax"]==64<<20 and d["Restart"]=="always"' ||
        fail "inspect shows the wrong configuration"

# the default bridge, and networking options kept in the record and shown as properties
[ "$(bus get-property org.berth1 /org/berth1/container/web org.berth1.Container Network)" = 's "bridge"' ] ||
        fail "a container without --network is not on the default bridge"
"$BUILD_DIR/runtime/network/berth-netns" --state-dir "$work/state/networks" --run-dir "$work/netrun" \
        create app --subnet 10.199.7.0/24 || fail "berth-netns create failed"
"$berthctl" create --name netted --network app -p 127.0.0.1:8080:80 --publish 53:53/udp \
        --ip 10.199.7.9 --dns 192.0.2.53 --dns-search example.test --dns-option ndots:2 \
        --add-host db.test:192.0.2.10 "$ref" >/dev/null || fail "create with network options failed"
prop() { bus get-property org.berth1 /org/berth1/container/netted org.berth1.Container "$1"; }
[ "$(prop Network)" = 's "app"' ] || fail "Network property: $(prop Network)"
[ "$(prop IP)" = 's "10.199.7.9"' ] || fail "IP property: $(prop IP)"
[ "$(prop Publish)" = 'as 2 "127.0.0.1:8080:80" "53:53/udp"' ] || fail "Publish property: $(prop Publish)"
[ "$(prop AddHost)" = 'as 1 "db.test:192.0.2.10"' ] || fail "AddHost property: $(prop AddHost)"
rec=$(cat "$work/state/containers/netted/config.json")
for want in '"network": "app"' '"ip": "10.199.7.9"' '"dns_search": [' '"ndots:2"'; do
        [[ $rec == *"$want"* ]] || fail "the record lacks $want: $rec"
done
"$berthctl" rm netted >/dev/null || fail "rm netted failed"

# introspection matches the files in dbus/ (and so the man page's)
bus introspect --xml-interface org.berth1 /org/berth1 >"$work/Manager.xml"
bus introspect --xml-interface org.berth1 /org/berth1/container/web >"$work/Container.xml"
img=$(bus tree --list org.berth1 | grep '^/org/berth1/image/' | head -1)
bus introspect --xml-interface org.berth1 "$img" >"$work/Image.xml"
for i in Manager Container Image Transfer; do
        want=$(sed -n "/<interface name=\"org.berth1.$i\">/,/<\/interface>/p" "$SOURCE_DIR/dbus/org.berth1.$i.xml")
        have=$(sed -n "/<interface name=\"org.berth1.$i\">/,/<\/interface>/p" "$work/$i.xml")
        [ -n "$have" ] || fail "org.berth1.$i not introspected"
        [ "$want" = "$have" ] || { diff <(echo "$want") <(echo "$have") >&2; fail "org.berth1.$i differs from dbus/org.berth1.$i.xml"; }
        # every member is documented in the man page
        for m in $(echo "$have" | grep -oE '<(method|property|signal) name="[A-Za-z]+"' | sed 's/.*name="//;s/"//'); do
                grep -q "\\b$m\\b" "$SOURCE_DIR/man/org.berth1.5.scd" || fail "org.berth1(5) does not document $i.$m"
        done
done

# --- hostile arguments -----------------------------------------------------------
expect_error() {
        local want=$1
        shift
        if out=$(busctl --address="$address" -- call org.berth1 /org/berth1 org.berth1.Manager "$@" 2>&1); then
                fail "accepted: $*"
        fi
        echo "$out" | grep >/dev/null "$want" || fail "for $*: expected \"$want\", got: $out"
}
expect_error "invalid container name" CreateContainer 'ssa{sv}' '../../etc' "$ref" 0
expect_error "invalid container name" CreateContainer 'ssa{sv}' '-rf' "$ref" 0
expect_error "invalid container name" CreateContainer 'ssa{sv}' "$(printf 'a%.0s' $(seq 200))" "$ref" 0
expect_error "must be an array of strings" CreateContainer 'ssa{sv}' x "$ref" 1 Env s FOO=1
expect_error "invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 Env as 1 "$(printf 'A=1\nB=2')"
expect_error "unknown option" CreateContainer 'ssa{sv}' x "$ref" 1 ExecStartPre s /bin/evil
expect_error "unsigned 64-bit" CreateContainer 'ssa{sv}' x "$ref" 1 MemoryMax s lots
expect_error "Restart must be" CreateContainer 'ssa{sv}' x "$ref" 1 Restart s sometimes
expect_error "must be absolute" CreateContainer 'ssa{sv}' x "$ref" 1 WorkingDirectory s tmp
expect_error "invalid volume\|invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 Volumes as 1 "/a:b"
expect_error "invalid image reference" CreateContainer 'ssa{sv}' x "$(printf 'a\tb')" 0
expect_error "not found" CreateContainer 'ssa{sv}' x "127.0.0.1:$port/nothing:here" 0
expect_error "exists already" CreateContainer 'ssa{sv}' web "$ref" 0
expect_error "invalid container name" GetContainer s '../web'
expect_error "no container named" StartContainer s nosuch
expect_error "invalid signal" KillContainer si web 0
expect_error "invalid signal" KillContainer si web 9999
expect_error "invalid image reference" PullImage s "$(printf 'x%.0s' $(seq 2000))"
expect_error "invalid image reference" GetImage s ""
# networking options: the runtime's argument forms only, and a named network must exist
expect_error "option Network" CreateContainer 'ssa{sv}' x "$ref" 1 Network s "--privileged"
expect_error "option Network" CreateContainer 'ssa{sv}' x "$ref" 1 Network s "container:web"
expect_error "option Network" CreateContainer 'ssa{sv}' x "$ref" 1 Network s "../../etc"
expect_error "no network named nosuch" CreateContainer 'ssa{sv}' x "$ref" 1 Network s nosuch
expect_error "option Publish: invalid entry \"80:80:80:80\", expected" CreateContainer 'ssa{sv}' x "$ref" 1 Publish as 1 80:80:80:80
expect_error "option Publish: invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 Publish as 1 "$(printf '80\n--privileged')"
expect_error "option Publish: invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 Publish as 1 "70000:80"
expect_error "option Publish must be an array" CreateContainer 'ssa{sv}' x "$ref" 1 Publish s 80
expect_error "option IP: \"10.0.0.300\" is not an IPv4" CreateContainer 'ssa{sv}' x "$ref" 1 IP s 10.0.0.300
expect_error "option DNS: invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 DNS as 1 dns.example
expect_error "option DNSSearch: invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 DNSSearch as 1 "a b"
expect_error "option DNSOption: invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 DNSOption as 1 "-x"
expect_error "option AddHost: invalid entry" CreateContainer 'ssa{sv}' x "$ref" 1 AddHost as 1 "db"
expect_error "need a network, not Network none" CreateContainer 'ssa{sv}' x "$ref" 2 Network s none Publish as 1 80
expect_error "need a network, not Network none" CreateContainer 'ssa{sv}' x "$ref" 2 Network s host IP s 10.0.0.2
out=$("$berthctl" create --name x -p 80:80:80:80 "$ref" 2>&1) && fail "berthctl create -p 80:80:80:80 succeeded"
echo "$out" | grep -q 'invalid --publish "80:80:80:80": expected \[IP:\]' || fail "berthctl -p error: $out"
out=$("$berthctl" create --name x --network none -p 80 "$ref" 2>&1) && fail "berthctl --network none -p succeeded"
echo "$out" | grep -q 'need a network, not --network none' || fail "berthctl --network none -p error: $out"
bus tree --list org.berth1 | grep >/dev/null '/container/x$' && fail "a refused CreateContainer left an object"
[ ! -e "$work/state/containers/x" ] || fail "a refused CreateContainer left a record"


# --- records persist across berthd restarts --------------------------------------
kill "$berthd_pid"
wait "$berthd_pid" || true
start_berthd 2
"$berthctl" ps -a | grep >/dev/null " web$" || fail "web is gone after berthd restarted"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$berthd_pid/status")
echo "berthd idle RSS: ${rss} kB"
if ldd "$berthd" | grep libasan >/dev/null; then # not -q: with pipefail, an early exit of grep fails ldd
        echo "(sanitizer build: the 5 MB budget applies to normal builds only)"
else
        [ "$rss" -le 5120 ] || fail "berthd idle RSS is ${rss} kB, over 5 MB"
fi

# --- idle exit: no calls for 2 s ends berthd ----------------------------------------
for _ in $(seq 60); do kill -0 "$berthd_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$berthd_pid" 2>/dev/null && fail "berthd did not exit when idle"
grep -q "idle, exiting" "$work/berthd.log" || fail "no idle exit logged"
start_berthd 0

# --- save and load ---------------------------------------------------------------
"$berthctl" save -o "$work/saved.tar" "$ref" || fail "save failed"
tar -tf "$work/saved.tar" | grep >/dev/null '^index.json$' || fail "save did not write an OCI layout"
"$berthctl" save "$ref" | "$berthctl" load --name 127.0.0.1:$port/test/copy:v1 >"$work/load.txt" ||
        fail "save | load failed"
grep -q "Loaded image: sha256:" "$work/load.txt" || fail "load did not report the image"
"$berthctl" images | grep >/dev/null "test/copy:v1" || fail "the loaded image is not listed under its name"
"$berthctl" rmi "127.0.0.1:$port/test/copy:v1" >/dev/null || fail "rmi of the loaded name failed"

"$berthctl" rm web >/dev/null || fail "rm web failed"
[ ! -e "$work/state/containers/web" ] || fail "rm left the record"
"$berthctl" rmi "$ref" >/dev/null || fail "rmi after rm failed"
"$berthctl" images | grep >/dev/null "$ref" && fail "the image is still listed"
echo "PASS"
