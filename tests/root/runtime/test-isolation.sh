#!/bin/sh
# Namespaces, capabilities, seccomp, masked and read-only paths, /dev.
. "$(dirname "$0")/lib.sh"

out=$(run_ct --name iso --hostname box1 -- /bin/sh -c '
echo "pid=$$"
echo "host=$(hostname)"
grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status
echo "kcore=$(stat -c %t:%T /proc/kcore 2>/dev/null || echo absent)"
echo "keys=$(stat -c %t:%T /proc/keys)"
echo "timer_list=$(stat -c %t:%T /proc/timer_list)"
echo "firmware=$(ls -A /sys/firmware | wc -l)"
echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null && echo "procsys=rw" || echo "procsys=ro"
echo "acpi=$(ls -A /proc/acpi 2>/dev/null | wc -l)"
touch /sys/kernel/x 2>/dev/null && echo "sys=rw" || echo "sys=ro"
echo "netdevs=$(ls /sys/class/net)"
echo "loflags=$(cat /sys/class/net/lo/flags)"
echo "dev= $(ls /dev | tr "\n" " ")"
echo "ptmx=$(readlink /dev/ptmx)"
echo "null=$(stat -c %t:%T:%a /dev/null)"
grep " /dev/shm " /proc/self/mountinfo
grep " /dev/pts " /proc/self/mountinfo
echo "berth-procs=$(cat /proc/[0-9]*/comm | grep -c berth)"
ct-probe keyctl; ct-probe mount; ct-probe unshare-user; true
')
echo "$out"
check_contains "$out" "pid=1" "container init is PID 1"
check_contains "$out" "host=box1" "hostname"
check_contains "$out" "CapEff:	00000000a80425fb" "default effective capabilities"
check_contains "$out" "CapBnd:	00000000a80425fb" "default bounding set"
check_contains "$out" "Seccomp:	2" "seccomp filter mode"
# this kernel may lack /proc/kcore (CONFIG_PROC_KCORE); then nothing to mask
if [ -e /proc/kcore ]; then
        check_contains "$out" "kcore=1:3" "/proc/kcore masked with /dev/null"
else
        echo "note: the host has no /proc/kcore; checked /proc/keys and /proc/timer_list instead"
fi
check_contains "$out" "keys=1:3" "/proc/keys masked"
check_contains "$out" "timer_list=1:3" "/proc/timer_list masked"
check_contains "$out" "firmware=0" "/sys/firmware masked by an empty dir"
check_contains "$out" "procsys=ro" "/proc/sys read-only"
check_contains "$out" "acpi=0" "/proc/acpi masked by an empty dir"
check_contains "$out" "sys=ro" "/sys read-only"
check_contains "$out" "netdevs=lo" "new network namespace with only lo"
check_contains "$out" "loflags=0x9" "lo is up"
for d in null zero full random urandom tty ptmx pts shm mqueue fd stdin stdout stderr; do
        check_contains "$out" " $d " "/dev/$d"
done
check_contains "$out" "ptmx=pts/ptmx" "/dev/ptmx link"
check_contains "$out" "null=1:3:666" "/dev/null node"
check_contains "$out" "size=65536k" "/dev/shm is 64M"
check_contains "$out" "ptmxmode=666" "/dev/pts is a new instance"
check_contains "$out" "berth-procs=0" "no runtime process in the container"
check_contains "$out" "keyctl: Operation not permitted" "keyctl blocked"
check_contains "$out" "mount: Operation not permitted" "mount blocked"
check_contains "$out" "unshare-user: Operation not permitted" "unshare(CLONE_NEWUSER) blocked"

# the host sees none of the container's mounts
if grep -q "$TMP" /proc/self/mountinfo; then fail "container mounts leaked to the host"; fi

# --shm-size, --cap-add/--cap-drop, --no-new-privileges, unconfined seccomp
out=$(run_ct --name iso2 --shm-size 1m --cap-drop chown --cap-add CAP_NET_ADMIN --no-new-privileges \
        --seccomp-profile unconfined -- /bin/sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; grep " /dev/shm " /proc/self/mountinfo')
echo "$out"
check_contains "$out" "CapEff:	00000000a80435fa" "cap-drop CHOWN, cap-add NET_ADMIN"
check_contains "$out" "NoNewPrivs:	1" "no_new_privs"
check_contains "$out" "Seccomp:	0" "seccomp unconfined"
check_contains "$out" "size=1024k" "--shm-size"

# Ignored signals survive exec, so the runtime resets them: systemd starts
# services with SIGPIPE ignored. cat is the container's PID 1 itself here.
out=$(trap '' PIPE USR1 HUP; run_ct --name sigs -- /bin/cat /proc/self/status)
check_contains "$out" "SigIgn:	0000000000000000" "ignored signals reset to default"
echo "PASS"
