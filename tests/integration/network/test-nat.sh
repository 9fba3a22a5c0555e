#!/bin/bash
# A declared container on the default bridge reaches a server outside it, on
# "another host" (a namespace behind a veth link that has no route back to
# the container's subnet): only berth's masquerade makes the replies come
# back, and the server sees the host's address, not the container's. The
# container's /etc/resolv.conf carries the host's name servers.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

# The outside server: busybox httpd with a CGI script that answers with the
# client's address as the server saw it.
other_host outside 203.0.113
# shellcheck disable=SC2016 # expanded inside
harness_sh '
        set -e
        mkdir -p /srv/outside/cgi-bin
        echo outside-index >/srv/outside/index.html
        printf "#!/bin/sh\nprintf \"Content-Type: text/plain\\r\\n\\r\\n%%s\\n\" \"\$REMOTE_ADDR\"\n" \
                >/srv/outside/cgi-bin/peer
        chmod 755 /srv/outside/cgi-bin/peer
        printf "nameserver 192.0.2.53\nsearch example.test\n" >/etc/resolv.conf'
harness_run systemd-run --quiet --unit=outside-httpd \
        ip netns exec outside busybox httpd -f -p 203.0.113.2:8080 -h /srv/outside
harness_wait 15 ip netns exec outside busybox wget -q -O /dev/null http://203.0.113.2:8080/index.html ||
        fail "the outside server did not come up"
# The server cannot answer a container's own address: no route there.
routes=$(harness_run ip -n outside route)
[[ $routes != *default* && $routes != *10.90.* ]] || fail "the outside namespace has a route back: $routes"

net_baseline

# The container fetches by itself and reports in its journal, as an app would.
declare_container fetcher Network=bridge \
        "Exec=sh -c 'until wget -q -O /tmp/peer http://203.0.113.2:8080/cgi-bin/peer; do sleep 0.2; done; echo \"server saw: \$(cat /tmp/peer)\"; trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'"
harness_run systemctl daemon-reload
start_unit fetcher.service
wait_journal fetcher.service "server saw:" 30 ||
        fail "the container did not reach 203.0.113.2:8080: $(harness_run systemctl status --no-pager -n 20 fetcher.service || true)"
saw=$(harness_journal -u fetcher.service -o cat | sed -n 's/^server saw: //p' | tail -1)
[ "$saw" = 203.0.113.1 ] ||
        fail "the server saw $saw, not the host's address 203.0.113.1 (no masquerade?)"

addr=$(in_ctr fetcher.service ip -4 -o addr show dev eth0) || fail "no eth0 in the container"
[[ $addr == *" 10.90.0."* ]] || fail "the container's address is not on the default subnet: $addr"
resolv=$(in_ctr fetcher.service cat /etc/resolv.conf)
[[ $resolv == *"nameserver 192.0.2.53"* && $resolv == *"search example.test"* ]] ||
        fail "the container's resolv.conf lacks the host's servers: $resolv"

harness_run systemctl stop fetcher.service
assert_same_state "$NET_BEFORE" "after the stop"
echo ok
