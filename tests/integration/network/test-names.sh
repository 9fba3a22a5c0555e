#!/bin/bash
# Two declared containers on one declared network (backend.network,
# Network=backend.network) reach each other by container name, whichever
# started first; a stopped peer leaves the other's /etc/hosts, and a
# restarted one (same address, new veth) is reachable again at once. DNS=
# and AddHost= end up in the container's resolv.conf and hosts,
# /etc/hostname is its name. A container of `berthctl run -d --network` is
# their peer too. NetworkDeleteOnStop= removes the network.
set -euo pipefail
# shellcheck disable=SC1091
. "$SOURCE_DIR/tests/integration/network/lib-net.sh"
net_require
net_boot

net_baseline
printf '[Network]\nSubnet=10.95.7.0/24\nNetworkDeleteOnStop=yes\n' | declare_file backend.network
declare_container alpha ContainerName=alpha Network=backend.network "$(httpd_exec alpha-here)"
declare_container beta ContainerName=beta Network=backend.network "$(httpd_exec beta-here)" \
        DNS=192.0.2.53 DNSSearch=corp.test AddHost=db.test:192.0.2.10
harness_run systemctl daemon-reload
start_unit alpha.service
start_unit beta.service

# beta came after alpha: each must know the other.
out=$(fetch beta.service http://alpha/index.html) || fail "beta -> http://alpha got no answer"
[ "$out" = alpha-here ] || fail "beta -> alpha: unexpected reply '$out'"
out=$(fetch alpha.service http://beta/index.html) || fail "alpha -> http://beta got no answer"
[ "$out" = beta-here ] || fail "alpha -> beta: unexpected reply '$out'"
addr=$(in_ctr alpha.service ip -4 -o addr show dev eth0) || fail "no eth0 in alpha"
[[ $addr == *" 10.95.7."* ]] || fail "alpha is not on backend's subnet: $addr"

hosts=$(in_ctr beta.service cat /etc/hosts)
grep -Eq '^192\.0\.2\.10[[:space:]]+db\.test$' <<<"$hosts" || fail "AddHost= missing from beta's /etc/hosts: $hosts"
resolv=$(in_ctr beta.service cat /etc/resolv.conf)
[[ $resolv == *"nameserver 192.0.2.53"* && $resolv == *"search corp.test"* ]] ||
        fail "DNS=/DNSSearch= missing from beta's resolv.conf: $resolv"
name=$(in_ctr beta.service cat /etc/hostname)
[ "$name" = beta ] || fail "beta's /etc/hostname says '$name'"

# A stopped peer disappears from the other's /etc/hosts; a restarted one
# comes back.
harness_run systemctl stop beta.service
hosts=$(in_ctr alpha.service cat /etc/hosts)
if grep -Eq '[[:space:]]beta([[:space:]]|$)' <<<"$hosts"; then
        fail "beta is still in alpha's /etc/hosts after its stop: $hosts"
fi
start_unit beta.service
out=$(fetch alpha.service http://beta/index.html) || fail "alpha -> restarted beta got no answer"
[ "$out" = beta-here ] || fail "alpha -> restarted beta: unexpected reply '$out'"

# A container run with berthctl on the same network is a peer like the
# declared ones, both ways.
harness_run berthctl run -d --rm --name gamma --network systemd-backend "$IMAGE" \
        sh -c 'mkdir -p /www && echo gamma-here >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null ||
        fail "berthctl run -d --network systemd-backend failed"
out=$(fetch alpha.service http://gamma/index.html) || fail "alpha -> http://gamma got no answer"
[ "$out" = gamma-here ] || fail "alpha -> gamma: unexpected reply '$out'"
out=$(harness_run berthctl exec gamma busybox timeout 5 busybox wget -q -O - http://alpha/index.html) ||
        fail "gamma -> http://alpha got no answer"
[ "$out" = alpha-here ] || fail "gamma -> alpha: unexpected reply '$out'"
harness_run berthctl stop gamma >/dev/null || fail "berthctl stop gamma failed"
harness_wait 30 sh -c '! berthctl inspect gamma >/dev/null 2>&1' || fail "gamma was not removed (--rm)"

harness_run systemctl stop alpha.service beta.service backend-network.service
if harness_run test -e "$STATEDIR/networks/systemd-backend.json"; then
        fail "NetworkDeleteOnStop=yes left the network's configuration"
fi
assert_same_state "$NET_BEFORE" "after the stops"
echo ok
