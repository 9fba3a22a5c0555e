#!/bin/bash
# 50 attach/detach cycles, a kill -9 followed by the ExecStopPost=-style
# detach, a double detach, and crash reclaim: afterwards links, addresses and
# the nftables rule set are exactly as before, and no allocation is left.
. "$(dirname "$0")/lib.sh"

snapshot "$T/before"

start_container
anchor=$PID
attach anchor "$anchor" --publish 18000:80
for i in $(seq 50); do
        start_container
        attach "c$i" "$PID" --publish 18080:80 --publish 127.0.0.1:18081:81/udp
        [ "$(json_field "$T/c$i.json" address)" = 10.90.0.3 ] || fail "cycle $i: address not reused"
        bn detach "c$i"
        kill "$PID"
        wait "$PID" 2>/dev/null || true
done

# kill -9, then the detach ExecStopPost= would run, twice.
start_container
victim=$PID
attach victim "$victim" --publish 18082:80
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
bn detach victim
bn detach victim || fail "second detach failed"
[ -e "$T/run/ports/tcp-18082" ] && fail "port reservation left after detach"

# A crash without any detach: gc (or the next allocation) reclaims it.
start_container
crashed=$PID
attach crashed "$crashed" --publish 18083:80
kill -9 "$crashed"
wait "$crashed" 2>/dev/null || true
bn gc
[ -e "$T/run/containers/crashed.json" ] && fail "gc did not reclaim the dead container"

# The same on an exhausted /30: the dead holder's address is reclaimed.
bn create tiny --subnet 10.93.0.0/30 --interface-name bq$$
start_container
attach first "$PID" --network tiny
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
start_container
attach second "$PID" --network tiny || fail "address of a dead container not reclaimed"
[ "$(json_field "$T/second.json" address)" = 10.93.0.2 ] || fail "reclaimed address"
bn detach second
bn remove tiny

bn detach anchor
snapshot "$T/after"
diff -u "$T/before" "$T/after" || fail "links, addresses or rules differ from before the test"
left=$(find "$T/run" -type f ! -name lock)
[ -z "$left" ] || fail "state left behind: $left"
echo "PASS"
