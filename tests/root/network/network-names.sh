#!/bin/bash
# Two containers on one named network reach each other by name through the
# hosts file berth writes; the file of the first container learns about the
# second one in place, through its bind mount.
. "$(dirname "$0")/lib.sh"

bn create appnet --subnet 10.91.7.0/24 --gateway 10.91.7.1 --ip-range 10.91.7.100-10.91.7.120 \
        --interface-name bn$$ --option mtu=1400 --label app=demo
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["subnet"]=="10.91.7.0/24" and c["mtu"]==1400 and c["range_start"]=="10.91.7.100", c' \
        "$T/state/appnet.json" || fail "network config not written as declared"
bn create appnet --subnet 10.91.7.0/24 --gateway 10.91.7.1 --ip-range 10.91.7.100-10.91.7.120 \
        --interface-name bn$$ --option mtu=1400 --label app=demo || fail "re-creating the same network must succeed"

start_container
a=$PID
attach alpha "$a" --network appnet --add-host db.example:192.0.2.10 --hostname alpha-host
bind_etc alpha "$a"
start_container
b=$PID
attach beta "$b" --network appnet
bind_etc beta "$b"

[ "$(json_field "$T/alpha.json" address)" = 10.91.7.100 ] || fail "IPRange not honoured: $(cat "$T/alpha.json")"
[ "$(json_field "$T/beta.json" address)" = 10.91.7.101 ] || fail "second address"
[ "$(in_ctr "$a" cat /sys/class/net/eth0/mtu 2>/dev/null || in_ctr "$a" ip -o link show eth0 | sed 's/.*mtu \([0-9]*\).*/\1/')" = 1400 ] ||
        fail "MTU not applied"

serve "$a" "alpha here" 80
serve "$b" "beta here" 80
[ "$(fetch "$a" http://beta/index.html)" = "beta here" ] || fail "alpha cannot reach beta by name"
[ "$(fetch "$b" http://alpha/index.html)" = "alpha here" ] || fail "beta cannot reach alpha by name"
[ "$(fetch "$b" http://alpha-host/index.html)" = "alpha here" ] || fail "beta cannot reach alpha by host name"

in_ctr "$a" grep -E "^192\.0\.2\.10\s+db\.example$" /etc/hosts >/dev/null || fail "AddHost= missing"
[ "$(in_ctr "$a" cat /etc/hostname)" = alpha-host ] || fail "hostname file"

# beta leaves: alpha's hosts file forgets it, in place.
bn detach beta
in_ctr "$a" grep -w beta /etc/hosts >/dev/null && fail "beta still in alpha's hosts after detach"

# The network's config stays; its bridge goes with the last container.
bn detach alpha
ip link show "bn$$" >/dev/null 2>&1 && fail "bridge of appnet left behind"
bn remove appnet
[ -e "$T/state/appnet.json" ] && fail "remove left the config"
bn remove appnet || fail "second remove must be harmless"
echo "PASS"
