#!/bin/bash
# berth's nftables table as it writes it (raw netlink, no libnftables on the
# usual path): adjacent subnets in one interval set, an Internal= network in
# the forward drops and not in the masquerade set, the table rebuilt with
# everyone's elements after `nft flush ruleset`, and gone with the last
# container. Traffic checks: a container on the Internal= network cannot reach
# the host's other networks, one on a routed network can.
. "$(dirname "$0")/lib.sh"

snapshot "$T/before"
bn create adj --subnet 10.90.1.0/24 --interface-name ba$$ # next to the default 10.90.0.0/24
bn create sealed --subnet 10.90.2.0/24 --interface-name bs$$ --internal

elements() { # elements SET: its elements, sorted, each followed by a space
        local text
        text=$(nft list set ip "$TABLE" "$1" | tr -d '\n\t"')
        [[ $text == *"elements = {"* ]] || return 0
        text=${text#*elements = \{}
        text=${text%%\}*}
        printf '%s\n' ${text//,/ } | sort | tr '\n' ' '
}

start_container
c0=$PID
attach c0 "$c0" --publish 18080:80
start_container
c1=$PID
attach c1 "$c1" --network adj --publish 18081:81
start_container
c2=$PID
attach c2 "$c2" --network sealed

[ "$(elements subnets)" = "10.90.0.0/24 10.90.1.0/24 10.90.2.0/24 " ] ||
        fail "subnets: $(elements subnets)"
[ "$(elements nat_subnets)" = "10.90.0.0/24 10.90.1.0/24 " ] || fail "nat_subnets: $(elements nat_subnets)"
[ "$(elements internal_bridges)" = "bs$$ " ] || fail "internal_bridges: $(elements internal_bridges)"
[ "$(elements bridges)" = "ba$$ bs$$ $BRIDGE " ] || fail "bridges: $(elements bridges)"
rules=$(nft list chain ip "$TABLE" forward)
[[ $rules == *'iifname @internal_bridges oifname != @internal_bridges drop'* ]] ||
        fail "forward rules: $rules"
rules=$(nft list chain ip "$TABLE" publish)
[[ $rules == *'dnat ip to meta l4proto . th dport map @ports_any'* ]] || fail "publish rules: $rules"

# The sealed container reaches its gateway, not the routed networks; c1 does.
serve "$c0" "c0 here" 80
[ "$(fetch "$c1" http://10.90.0.2/index.html)" = "c0 here" ] || fail "adj cannot reach the default network"
in_ctr "$c2" timeout 3 busybox wget -q -O - http://10.90.0.2/index.html >/dev/null 2>&1 &&
        fail "the Internal= network reached another network"

# Someone flushes the ruleset: the next container to join rebuilds the
# table with the elements of those already attached.
nft flush ruleset
start_container
c3=$PID
attach c3 "$c3" --network adj
[ "$(elements subnets)" = "10.90.0.0/24 10.90.1.0/24 10.90.2.0/24 " ] ||
        fail "subnets after flush: $(elements subnets)"
ports=$(nft list map ip "$TABLE" ports_any)
[[ $ports == *'tcp . 18080 : 10.90.0.2 . 80'* && $ports == *'tcp . 18081 : 10.90.1.2 . 81'* ]] ||
        fail "ports after flush: $ports"

# The middle network leaves: its neighbours' intervals stay whole.
bn detach c1
bn detach c3
[ "$(elements subnets)" = "10.90.0.0/24 10.90.2.0/24 " ] || fail "subnets after adj left: $(elements subnets)"
[ "$(elements bridges)" = "bs$$ $BRIDGE " ] || fail "bridges after adj left: $(elements bridges)"

bn detach c0
bn detach c2
snapshot "$T/after"
diff -u "$T/before" "$T/after" || fail "table or links left behind"
echo OK
