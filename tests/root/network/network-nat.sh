#!/bin/bash
# A container reaches a server outside the host through masquerade: the
# "internet" namespace has no route back to the container subnet, so only
# source NAT can make the exchange work.
. "$(dirname "$0")/lib.sh"

other_host i$$ 192.0.2
inet=$PID
serve "$inet" "hello from outside" 8000

start_container
ctr=$PID
attach web "$ctr"
[ "$(json_field "$T/web.json" address)" = 10.90.0.2 ] || fail "unexpected address: $(cat "$T/web.json")"
in_ctr "$ctr" ip route | grep "default via 10.90.0.1 dev eth0" >/dev/null || fail "no default route"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "IP forwarding not enabled"

out=$(fetch "$ctr" http://192.0.2.2:8000/index.html) || fail "container cannot reach the outside server"
[ "$out" = "hello from outside" ] || fail "unexpected reply: $out"

# The server saw the host's address, not the container's.
nsenter -t "$inet" -n ip route | grep 10.90 >/dev/null && fail "the outside knows a route back"
nft list table ip "$TABLE" | grep "masquerade" >/dev/null || fail "no masquerade rule"

# resolv.conf: the host's servers and search domains.
grep -qx "nameserver 192.0.2.53" "$T/run/containers/web/resolv.conf" || fail "resolv.conf"
grep -qx "search example.test" "$T/run/containers/web/resolv.conf" || fail "resolv.conf search"

bn detach web
ip link show "$BRIDGE" >/dev/null 2>&1 && fail "bridge left after the last detach"
nft list table ip "$TABLE" >/dev/null 2>&1 && fail "table left after the last detach"
echo "PASS"
