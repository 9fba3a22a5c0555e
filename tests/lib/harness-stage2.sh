#!/bin/bash
# Stage 2 of the real-systemd harness (see harness.sh). Runs as PID 1 of fresh
# PID, mount, UTS, IPC, cgroup and network namespaces, builds the new root and
# becomes systemd. Everything it mounts lives in this private mount namespace
# only, so it all disappears with the namespace: the host never sees a mount.
#
# usage: harness-stage2.sh DIR
#   DIR/root     empty directory, becomes the overlay of / (the new root)
#   DIR/upper    empty directory, gets the tmpfs holding the overlay's upper dir
#   DIR/console  file bound over /dev/console (systemd's status output)
#   DIR/stage    optional: a `meson install --destdir` tree copied into the root
#   DIR/masks    optional: unit names to mask, one a line
# /var/lib/berth inside is a tmpfs (see below).
set -euo pipefail

dir=$1
root=$dir/root

step() { echo "harness-stage2: $*" >&2; }

# Nothing mounted here may propagate back to the host.
mount --make-rprivate /

step "overlay of / on $root"
mount -t tmpfs -o mode=0755 berth-harness-upper "$dir/upper"
mkdir "$dir/upper/upper" "$dir/upper/work"
mount -t overlay -o "lowerdir=/,upperdir=$dir/upper/upper,workdir=$dir/upper/work" berth-harness "$root"

# overlayfs refuses an upper dir on overlayfs (the root here): berth's state,
# where containers' writable layers live, gets a file system of its own.
mkdir -p "$root/var/lib/berth"
mount -t tmpfs -o mode=0700 berth-harness-state "$root/var/lib/berth"

if [ -d "$dir/stage" ]; then
        step "installing $dir/stage into the root"
        # --no-overwrite-dir keeps the modes of /usr, /etc, ... as they are.
        tar -C "$dir/stage" -cf - . | tar -C "$root" --no-overwrite-dir --keep-directory-symlink -xpf -
fi

step "API file systems"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
# The harness must not change the host's kernel settings; only its own
# network namespace's knobs stay writable (the network tests need them).
mount --bind "$root/proc/sys" "$root/proc/sys"
mount --bind "$root/proc/sys/net" "$root/proc/sys/net"
mount -o remount,bind,ro "$root/proc/sys"
if [ -e "$root/proc/sysrq-trigger" ]; then
        mount --bind "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger"
        mount -o remount,bind,ro "$root/proc/sysrq-trigger"
fi

mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777,nosuid,nodev berth-harness-shm "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
mount --bind "$root/dev/pts/ptmx" "$root/dev/ptmx"
mount --bind "$dir/console" "$root/dev/console"

mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
mount -t tmpfs -o mode=0755,nosuid,nodev berth-harness-run "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev berth-harness-tmp "$root/tmp"

hostname berth-harness
echo berth-harness >"$root/etc/hostname"
rm -f "$root/etc/machine-id"
tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"

# Services built with ASan/UBSan (the test build) report memory errors in
# the journal and fail; leak reports are left to the unit tests, since daemons
# are stopped by signals and helpers exit on purpose with memory held.
mkdir -p "$root/etc/systemd/system.conf.d"
cat >"$root/etc/systemd/system.conf.d/50-berth-harness.conf" <<EOF
[Manager]
DefaultEnvironment="ASAN_OPTIONS=detect_leaks=0" "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
DefaultTimeoutStopSec=15s
EOF

if [ -f "$dir/masks" ]; then
        while read -r unit; do
                [ -n "$unit" ] || continue
                ln -sfn /dev/null "$root/etc/systemd/system/$unit"
        done <"$dir/masks"
fi

step "pivot_root"
cd "$root"
mkdir -p .harness-oldroot
pivot_root . .harness-oldroot
umount -l /.harness-oldroot
rmdir /.harness-oldroot

step "exec systemd"
exec env -i container=other PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /lib/systemd/systemd --log-target=journal-or-kmsg
