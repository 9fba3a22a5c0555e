#!/bin/bash
# Bad input is refused with an error naming the key and the value, and
# nothing is set up half-way: links, addresses, rules and allocations are
# the same after a refused attach as before it.
. "$(dirname "$0")/lib.sh"

start_container
ctr=$PID

# expect_error WHAT EXIT_CODE PATTERN -- berth-netns arguments
expect_error() {
        local what=$1 code=$2 pattern=$3 rc=0
        shift 4
        snapshot "$T/pre"
        bn "$@" >"$T/out" 2>"$T/err" || rc=$?
        # "!0": any failure (invalid values exit 2, refusals 1)
        if [ "$code" = "!0" ]; then
                [ "$rc" != 0 ] || fail "$what: succeeded"
        else
                [ "$rc" = "$code" ] || fail "$what: exit code $rc, expected $code ($(cat "$T/err"))"
        fi
        grep -F -- "$pattern" "$T/err" >/dev/null || fail "$what: error does not say \"$pattern\": $(cat "$T/err")"
        snapshot "$T/post"
        diff -u "$T/pre" "$T/post" >&2 || fail "$what: state changed by a refused command"
        [ -e "$T/run/containers/bad.json" ] && fail "$what: record left behind"
        return 0
}

for bad in "80:" "abc" "0" "65536" "8080:80/sctp" "1.2.3:8080:80" "8080-8081:80-82" \
        "90-80:80" "1:2:3:4" "[::1]:8080:80" "8080::80" ":80" "127.0.0.1:8080:80/"; do
        expect_error "PublishPort=$bad" "!0" "PublishPort=$bad" -- \
                attach --container bad --pid "$ctr" --publish 18080:80 --publish "$bad"
done
expect_error "DNS" "!0" "DNS=not-an-ip" -- attach --container bad --pid "$ctr" --dns not-an-ip
expect_error "AddHost" "!0" "AddHost=nocolon" -- attach --container bad --pid "$ctr" --add-host nocolon
expect_error "DNSSearch" "!0" "DNSSearch=a b" -- attach --container bad --pid "$ctr" --dns-search "a b"
expect_error "unknown network" "!0" "Network=nosuch" -- attach --container bad --pid "$ctr" --network nosuch
expect_error "bad container name" "!0" "../evil" -- attach --container ../evil --pid "$ctr"
# berth.conf: the error names the file, the line (blank lines count) and the key
printf '[Network]\n\n# comment\nDefaultSubnet=10.0.0.0/31\n' >"$T/berth.conf"
expect_error "berth.conf" "!0" "$T/berth.conf:4: invalid DefaultSubnet=10.0.0.0/31" -- \
        --config "$T/berth.conf" attach --container bad --pid "$ctr"

# A host port some process listens on.
busybox nc -l -p 18085 </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
listening=
for _ in $(seq 200); do
        if busybox netstat -ltn 2>/dev/null | grep ':18085 ' >/dev/null; then
                listening=1
                break
        fi
        sleep 0.05
done
[ -n "$listening" ] || fail "the test's listener on 18085 did not come up"
expect_error "port in use" "!0" "PublishPort=18085:80: host port 18085/tcp is already in use" -- \
        attach --container bad --pid "$ctr" --publish 18086:80 --publish 18085:80
[ -e "$T/run/ports/tcp-18086" ] && fail "the first port stayed reserved after the refusal"

# A host port another container publishes; the failed attach is the first on
# the network, so the bridge must not appear either.
start_container
owner=$PID
attach owner "$owner" --publish 18087:80
expect_error "port published" "!0" "host port 18087/tcp is already published by container owner" -- \
        attach --container bad --pid "$ctr" --publish 18087:80
expect_error "port published twice" "!0" "PublishPort=18088:81: host port 18088/tcp is published twice" -- \
        attach --container bad --pid "$ctr" --publish 18088:80 --publish 18088:81
bn detach owner

# An exhausted subnet: a /30 has room for one container.
bn create tiny --subnet 10.94.0.0/30 --interface-name bx$$
start_container
attach one "$PID" --network tiny
expect_error "exhausted subnet" "!0" "Network=tiny: no free address left in subnet 10.94.0.0/30" -- \
        attach --container bad --pid "$ctr" --network tiny --publish 18089:80
[ -e "$T/run/ports/tcp-18089" ] && fail "port reserved by a refused attach"
bn detach one
expect_error "fixed IP outside" "!0" "IP=10.94.0.9" -- \
        attach --container bad --pid "$ctr" --network tiny --ip 10.94.0.9

# Ports cannot be published on an internal network.
bn create sealed --subnet 10.97.0.0/24 --interface-name bs$$ --internal
expect_error "internal publish" "!0" "PublishPort=8080:80: network sealed is Internal=" -- \
        attach --container bad --pid "$ctr" --network sealed --publish 8080:80
bn remove sealed

# Bad network declarations.
expect_error "Subnet" "!0" "Subnet=10.0.0.1/24" -- create n1 --subnet 10.0.0.1/24
expect_error "Subnet overlap" "!0" "overlaps network tiny" -- create n2 --subnet 10.94.0.0/24
expect_error "Gateway" "!0" "Gateway=10.95.1.1" -- create n3 --subnet 10.95.0.0/24 --gateway 10.95.1.1
expect_error "IPRange" "!0" "IPRange=10.96.0.0/16" -- create n4 --subnet 10.95.0.0/24 --ip-range 10.96.0.0/16
expect_error "Options" "!0" "Options=isolate=true" -- create n5 --option isolate=true
expect_error "Driver" "!0" "Driver=macvlan" -- create n6 --driver macvlan
expect_error "IPv6" "!0" "IPv6=yes" -- create n7 --ipv6
expect_error "NetworkName" "!0" "NetworkName=host" -- create host
expect_error "InterfaceName" "!0" "InterfaceName=much-too-long-name" -- create n8 --interface-name much-too-long-name
expect_error "usage" 2 "missing NAME" -- create
[ -z "$(ls "$T/state" | grep -v '^tiny.json$')" ] || fail "a refused network left a config: $(ls "$T/state")"
bn remove tiny
echo "PASS"
