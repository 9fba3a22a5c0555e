#!/bin/bash
# Published ports reach a busybox httpd in a container: from the host via
# 127.0.0.1, from another host via the host's address, from other containers
# and from the container itself via a host address (hairpin); host-IP-bound
# and ranged publications; UDP.
. "$(dirname "$0")/lib.sh"

other_host r$$ 198.51.100
remote=$PID

start_container
web=$PID
attach web "$web" --publish 18080:80 --publish 127.0.0.1:18081:80 \
        --publish 18090-18091:90-91 --publish 5353:53/udp --publish 80
serve "$web" "web says hi" 80
serve "$web" "ninety" 90
serve "$web" "ninety-one" 91

out=$(fetch - http://127.0.0.1:18080/index.html) || fail "host -> 127.0.0.1:18080"
[ "$out" = "web says hi" ] || fail "unexpected reply: $out"
out=$(fetch "$remote" http://198.51.100.1:18080/index.html) || fail "other host -> host:18080"
[ "$out" = "web says hi" ] || fail "unexpected reply: $out"

# Bound to 127.0.0.1 only: works there, not on the host's other address.
out=$(fetch - http://127.0.0.1:18081/index.html) || fail "host -> 127.0.0.1:18081"
if timeout 3 nsenter -t "$remote" -n busybox wget -q -O - http://198.51.100.1:18081/index.html 2>/dev/null; then
        fail "127.0.0.1:18081 answered on another address"
fi

# A range maps port by port.
[ "$(fetch - http://127.0.0.1:18090/index.html)" = ninety ] || fail "range 18090->90"
[ "$(fetch "$remote" http://198.51.100.1:18091/index.html)" = ninety-one ] || fail "range 18091->91"

# No host port given: berth picked one and reported it.
port=$(python3 -c 'import json,sys; print([p["host_port"] for p in json.load(open(sys.argv[1]))["ports"] if p["container_port"] == 80 and p["host_ip"] == "0.0.0.0" and p["host_port"] != 18080][0])' "$T/web.json")
[ "$(fetch - "http://127.0.0.1:$port/index.html")" = "web says hi" ] || fail "picked port $port"

# Hairpin: another container, and the container itself, through host addresses.
start_container
client=$PID
attach client "$client"
[ "$(fetch "$client" http://10.90.0.1:18080/index.html)" = "web says hi" ] || fail "container -> gateway:18080"
[ "$(fetch "$client" http://198.51.100.1:18080/index.html)" = "web says hi" ] || fail "container -> host:18080"
[ "$(fetch "$web" http://198.51.100.1:18080/index.html)" = "web says hi" ] || fail "container -> itself via host:18080"

# UDP: a datagram to host:5353 arrives at the container's port 53 (busybox nc
# has no UDP, python3 stands in on both ends).
in_ctr "$web" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
data, _ = s.recvfrom(100)
open(sys.argv[1], "wb").write(data)' "$T/udp.out" &
PIDS+=("$!")
for _ in $(seq 30); do
        nsenter -t "$remote" -n python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"ping-udp", ("198.51.100.1", 5353))'
        grep -q ping-udp "$T/udp.out" 2>/dev/null && break
        sleep 0.1
done
grep -q ping-udp "$T/udp.out" || fail "udp 5353 -> 53"

bn detach client
bn detach web
# Nothing answers on the published port any more.
if timeout 3 busybox wget -q -O - http://127.0.0.1:18080/index.html 2>/dev/null; then
        fail "port still forwarded after detach"
fi
echo "PASS"
