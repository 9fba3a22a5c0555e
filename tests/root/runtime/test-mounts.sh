#!/bin/sh
# --volume ro/rw, --mount, --tmpfs, --sysctl, --ulimit, --device, symlink
# tricks in the image.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/vol" "$TMP/rovol"
echo hostdata > "$TMP/rovol/f"
echo file > "$TMP/single"
out=$(run_ct --name m1 --volume "$TMP/vol:/data" --volume "$TMP/rovol:/ro:ro" \
        --mount "type=bind,source=$TMP/single,target=/etc/single,readonly" \
        --mount "type=tmpfs,target=/cache,tmpfs-size=1m" --tmpfs /run:size=2m,mode=755 \
        --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=123456789 \
        --ulimit nofile=512:1024 --device /dev/fuse:/dev/myfuse -- /bin/sh -c '
echo written > /data/out
cat /ro/f; echo x > /ro/g 2>/dev/null && echo ro-writable || echo ro-readonly
cat /etc/single; echo x > /etc/single 2>/dev/null && echo single-writable || echo single-readonly
grep -E " /(cache|run) " /proc/self/mountinfo
cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax
ulimit -n; ulimit -Hn
stat -c "%F %t:%T" /dev/myfuse')
echo "$out"
check_eq "$(cat "$TMP/vol/out")" "written" "rw volume"
check_contains "$out" "hostdata" "ro volume readable"
check_contains "$out" "ro-readonly" "ro volume"
check_contains "$out" "single-readonly" "readonly file bind via --mount"
check_contains "$out" "size=1024k" "--mount type=tmpfs size"
check_contains "$out" "size=2048k" "--tmpfs size"
check_contains "$out" "123456789" "kernel.shmmax sysctl"
[ "$(echo "$out" | grep -c '^1$')" -ge 1 ] || fail "net.ipv4.ip_forward sysctl"
check_contains "$out" "512" "soft nofile"
check_contains "$out" "1024" "hard nofile"
check_contains "$out" "character special file a:e5" "--device"
check_eq "$(cat /proc/sys/kernel/shmmax)" "$(cat /proc/sys/kernel/shmmax)" "host untouched"
[ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ] || fail "sysctl reached the host"

# named volume under the store
out=$("$RUNTIME" run --store "$TMP/store" --rm --rootfs "$ROOTFS" --name m2 --volume vol1:/v -- /bin/sh -c 'echo hi > /v/x')
check_eq "$(cat "$TMP/store/volumes/vol1/_data/x")" "hi" "named volume"

# an image whose /mnt is a symlink to a host path: the mount must land in
# the container, not on the host
ln -s "$TMP/hostside" "$ROOTFS/evil"
mkdir -p "$TMP/hostside"
run_ct --name m3 --tmpfs /evil/sub -- /bin/sh -c 'touch /evil/sub/x' 2>/dev/null || true
[ ! -e "$TMP/hostside/sub" ] || fail "a mount point was created on the host through a symlink"
echo PASS
