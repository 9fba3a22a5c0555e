#!/bin/bash
# PublishPort= of a declared container reaches a busybox httpd in it: from
# the host via 127.0.0.1:PORT, from another host (a namespace on a veth
# link) via the host's address on that link, and from another container
# through the host's addresses (hairpin). A port bound to 127.0.0.1 answers
# only there; berthctl run -d -p publishes alike. After the stops nothing
# answers and nothing is left.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

other_host remote 198.51.100
net_baseline

declare_container web "$(httpd_exec web-says-hi)" PublishPort=18080:80 \
        PublishPort=127.0.0.1:18081:80
declare_container client "$IDLE_EXEC" Network=bridge
harness_run systemctl daemon-reload
start_unit web.service client.service

out=$(fetch host http://127.0.0.1:18080/index.html) || fail "host -> 127.0.0.1:18080 got no answer"
[ "$out" = web-says-hi ] || fail "host -> 127.0.0.1:18080: unexpected reply '$out'"
out=$(fetch netns:remote http://198.51.100.1:18080/index.html) ||
        fail "other host -> 198.51.100.1:18080 got no answer"
[ "$out" = web-says-hi ] || fail "other host -> 198.51.100.1:18080: unexpected reply '$out'"

# Bound to 127.0.0.1: answers there, not on the address other hosts use.
out=$(fetch host http://127.0.0.1:18081/index.html) || fail "host -> 127.0.0.1:18081 got no answer"
[ "$out" = web-says-hi ] || fail "host -> 127.0.0.1:18081: unexpected reply '$out'"
if harness_run ip netns exec remote timeout 3 busybox wget -q -O - http://198.51.100.1:18081/ 2>/dev/null; then
        fail "PublishPort=127.0.0.1:18081:80 answered other hosts"
fi

# Hairpin: another container, and the container itself, through the host.
out=$(fetch client.service http://198.51.100.1:18080/index.html) ||
        fail "container -> host 198.51.100.1:18080 got no answer"
[ "$out" = web-says-hi ] || fail "container -> host: unexpected reply '$out'"
gw=$(in_ctr client.service ip route show default) || fail "no route in the client container"
gw=$(awk '{print $3}' <<<"$gw")
out=$(fetch client.service "http://$gw:18080/index.html") ||
        fail "container -> gateway $gw:18080 got no answer"
[ "$out" = web-says-hi ] || fail "container -> gateway: unexpected reply '$out'"
out=$(fetch web.service http://198.51.100.1:18080/index.html) ||
        fail "container -> itself via the host got no answer"
[ "$out" = web-says-hi ] || fail "container -> itself: unexpected reply '$out'"

# berthctl run -p publishes the same way.
harness_run berthctl run -d --rm --name adhoc -p 18090:80 "$IMAGE" \
        sh -c 'mkdir -p /www && echo adhoc-here >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null ||
        fail "berthctl run -d -p 18090:80 failed"
out=$(fetch netns:remote http://198.51.100.1:18090/index.html) ||
        fail "other host -> 198.51.100.1:18090 (berthctl run -p) got no answer"
[ "$out" = adhoc-here ] || fail "other host -> 198.51.100.1:18090: unexpected reply '$out'"
harness_run berthctl stop adhoc >/dev/null || fail "berthctl stop adhoc failed"

harness_run systemctl stop web.service client.service
if harness_run timeout 3 busybox wget -q -O - http://127.0.0.1:18080/ 2>/dev/null; then
        fail "127.0.0.1:18080 still answers after the stop"
fi
assert_same_state "$NET_BEFORE" "after stopping the containers"
echo ok
