# shellcheck shell=bash
# A real systemd as PID 1 in private namespaces, for berth's integration tests.
#
# Source this file from a bash test script, then:
#
#   harness_require_root              exit 77 (skip) unless this can work here
#   harness_boot                      install $BUILD_DIR into a fresh overlay of /
#                                     and boot systemd in it; returns once booted
#   harness_run CMD...                run CMD inside (all namespaces, clean env)
#   harness_sh 'SCRIPT' [ARG...]      harness_run sh -c SCRIPT
#   harness_copy_in SRC DST           copy a file or directory tree in
#   harness_install                   reinstall $BUILD_DIR and daemon-reload
#   harness_wait TIMEOUT CMD...       retry CMD inside until it succeeds
#   harness_mkimage DST [OPTION...]   build a test image (mkimage.sh) and copy it in
#   harness_registry [PORT]           run docker-registry inside on 127.0.0.1:PORT
#   harness_push_image REF [OPTION...] build a test image and push it to REF
#   harness_journal [ARG...]          journalctl --no-pager ARG... inside
#   harness_teardown                  stop it, unmount, remove (idempotent)
#
# Call harness_boot in the test's main shell (not in $(...) or a pipeline):
# the harness lives as long as the shell that booted it.
# harness_boot installs an EXIT/INT/TERM/HUP trap that calls harness_teardown,
# so a test that fails halfway still leaves nothing behind. If the test process
# is SIGKILLed, the kernel kills the harness (parent-death signal), and the
# next harness_boot removes the empty cgroup and temp dir left over.
#
# Knobs (environment): BUILD_DIR (install this build; unset: nothing
# installed), HARNESS_INSTALL=0 (boot without installing), HARNESS_MASK (more
# units to mask), HARNESS_BOOT_TIMEOUT (s, default 120), HARNESS_KEEP=1 (on
# failure, print where the temp dir is and leave it; the harness still dies).
#
# shellcheck disable=SC2034 # HARNESS_* are for the sourcing script
# Set after harness_boot: HARNESS_PID (systemd's PID on the host), HARNESS_DIR,
# HARNESS_CGROUP, HARNESS_BERTH_RUNTIME (where berth-runtime is installed).

HARNESS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Units that make no sense in a throwaway root: terminals, services of this
# machine, timers, and units that would change the host's kernel state.
HARNESS_DEFAULT_MASKS=(
        getty@.service serial-getty@.service console-getty.service
        container-getty@.service getty.target
        systemd-sysctl.service systemd-binfmt.service systemd-modules-load.service
        kmod-static-nodes.service modprobe@.service systemd-pstore.service
        systemd-timesyncd.service
        systemd-networkd.service systemd-networkd.socket
        systemd-networkd-wait-online.service systemd-network-generator.service
        networking.service systemd-resolved.service
        sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount
        sys-fs-fuse-connections.mount dev-hugepages.mount
        proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
        docker-registry.service postgresql.service
        podman.service podman.socket podman-restart.service
        podman-auto-update.service podman-auto-update.timer
        apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
        e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer
        systemd-tmpfiles-clean.timer cron.service ssh.service
)

harness_log() { echo "harness: $*" >&2; }

harness_skip() {
        echo "SKIP: $*" >&2
        exit 77
}

# The cgroup2 hierarchy: /sys/fs/cgroup on unified hosts, .../unified on
# hybrid ones (like the machines this was written on).
harness_cgroup2_root() {
        local m
        for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
                if [ "$(stat -f -c %T "$m" 2>/dev/null)" = cgroup2fs ]; then
                        echo "$m"
                        return 0
                fi
        done
        return 1
}

harness_require_root() {
        [ "$(id -u)" = 0 ] || harness_skip "the harness needs root"
        [ -x /lib/systemd/systemd ] || harness_skip "no /lib/systemd/systemd"
        grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
                harness_skip "no overlayfs in this kernel"
        harness_cgroup2_root >/dev/null || harness_skip "no cgroup2 hierarchy mounted"
        unshare --pid --mount --uts --ipc --cgroup --net --fork true 2>/dev/null ||
                harness_skip "cannot create namespaces here (unshare failed)"
        local t
        for t in nsenter setpriv tar pgrep; do
                command -v "$t" >/dev/null || harness_skip "$t is missing"
        done
}

# Processes of harnesses whose test died by SIGKILL are killed by the kernel
# (see harness_boot), but their cgroup and temp dir stay; clear those here.
harness_sweep_stale() {
        local cg2 d owner
        cg2=$(harness_cgroup2_root) || return 0
        for d in "$cg2"/berth-harness-* /tmp/berth-harness-*; do
                [ -d "$d" ] || continue
                owner=${d##*/berth-harness-}
                owner=${owner%%.*}
                [[ $owner =~ ^[0-9]+$ ]] || continue
                [ -d "/proc/$owner" ] && continue
                if [[ $d == "$cg2"/* ]]; then
                        harness_kill_cgroup "$d" || true
                else
                        harness_remove_dir "$d" || true
                fi
        done
}

# Kills every process in a cgroup subtree and removes it.
harness_kill_cgroup() {
        local cg=$1 i
        [ -d "$cg" ] || return 0
        if [ -e "$cg/cgroup.kill" ]; then
                echo 1 >"$cg/cgroup.kill" 2>/dev/null || true
        fi
        for i in $(seq 100); do
                # A pre-5.14 kernel has no cgroup.kill: kill what is listed.
                local pids
                pids=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
                [ -z "$pids" ] && break
                # shellcheck disable=SC2086
                kill -KILL $pids 2>/dev/null || true
                sleep 0.1
        done
        find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
        if [ -d "$cg" ]; then
                harness_log "cannot remove cgroup $cg; processes left: $(find "$cg" -name cgroup.procs -exec cat {} +)"
                return 1
        fi
}

# Removes a harness temp dir, never following a mount into the host.
harness_remove_dir() {
        local d=$1 m
        [ -d "$d" ] || return 0
        # The harness mounts only in its private namespace, so nothing should
        # be here; if something is, unmount it rather than delete through it.
        while read -r m; do
                [ -n "$m" ] || continue
                harness_log "unexpected host mount $m, unmounting"
                umount -R -l "$m" || return 1
        done < <(findmnt -rn -o TARGET | grep -F "$d/" | sort -r)
        rm -rf --one-file-system "$d"
}

# harness_pidns_members PIDNS (as readlink /proc/PID/ns/pid prints it): the
# PIDs of processes in that PID namespace. Namespace inode numbers are reused
# once a namespace is freed: hold an fd on it while asking.
harness_pidns_members() {
        local ns=${1//[^0-9]/}
        # stat -L gives a namespace's inode number, one process for all PIDs;
        # processes that exit meanwhile make it fail, which is no error here.
        { stat -L -c '%i %n' /proc/[0-9]*/ns/pid 2>/dev/null || true; } |
                awk -v ns="$ns" '$1 == ns { split($2, f, "/"); print f[3] }' |
                sort -un | tr '\n' ' ' | sed 's/ $//'
}

# Where meson installs berth-runtime, read from the build's config.h.
harness_berth_runtime_path() {
        sed -n 's/^#define BERTH_RUNTIME_PATH "\(.*\)"$/\1/p' "$BUILD_DIR/config.h" 2>/dev/null
}

# meson install --destdir into a fresh staging dir; prints its path.
harness_stage_build() {
        local stage=$1
        [ -n "${BUILD_DIR:-}" ] || return 0
        rm -rf "$stage"
        mkdir -p "$stage"
        if ! meson install -C "$BUILD_DIR" --no-rebuild --destdir "$stage" --quiet >"$HARNESS_DIR/install.log" 2>&1; then
                harness_log "meson install --destdir failed:"
                cat "$HARNESS_DIR/install.log" >&2
                return 1
        fi
}

harness_trap_exit() {
        local rc=$?
        harness_teardown "$rc"
        exit "$rc"
}

harness_boot() {
        if [ -n "${HARNESS_PID:-}" ]; then
                harness_log "already booted"
                return 1
        fi
        harness_sweep_stale

        local cg2 mycg
        cg2=$(harness_cgroup2_root)
        mycg=$(sed -n 's/^0:://p' /proc/self/cgroup)
        [ "$mycg" = / ] && mycg=

        HARNESS_DIR=$(mktemp -d "/tmp/berth-harness-$$.XXXXXX")
        HARNESS_CGROUP=$cg2$mycg/berth-harness-$$.${HARNESS_DIR##*.}
        trap harness_trap_exit EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        trap 'exit 129' HUP

        mkdir "$HARNESS_DIR/root" "$HARNESS_DIR/upper"
        : >"$HARNESS_DIR/console"
        # shellcheck disable=SC2086 # HARNESS_MASK is a space-separated list
        printf '%s\n' "${HARNESS_DEFAULT_MASKS[@]}" ${HARNESS_MASK:-} >"$HARNESS_DIR/masks"
        if [ "${HARNESS_INSTALL:-1}" != 0 ]; then
                harness_stage_build "$HARNESS_DIR/stage" || return 1
                HARNESS_BERTH_RUNTIME=$(harness_berth_runtime_path)
        fi

        # The harness gets a cgroup of its own: "payload" becomes the root of
        # its cgroup namespace (systemd's whole tree), and teardown can kill
        # everything in it at once.
        mkdir -p "$HARNESS_CGROUP/payload"

        # setpriv: if this test dies, even by SIGKILL, unshare gets SIGKILL,
        # and --kill-child passes that on to PID 1 of the namespace.
        (
                echo "$BASHPID" >"$HARNESS_CGROUP/payload/cgroup.procs"
                exec setpriv --pdeathsig KILL -- \
                        unshare --pid --mount --uts --ipc --cgroup --net --fork --kill-child=SIGKILL \
                        bash "$HARNESS_LIB_DIR/harness-stage2.sh" "$HARNESS_DIR"
        ) </dev/null >"$HARNESS_DIR/boot.log" 2>&1 &
        HARNESS_LAUNCHER_PID=$!

        local timeout=${HARNESS_BOOT_TIMEOUT:-120} start=$SECONDS pid=
        while [ -z "$pid" ]; do
                pid=$(pgrep -P "$HARNESS_LAUNCHER_PID" 2>/dev/null) || true
                pid=${pid%%$'\n'*}
                if ! kill -0 "$HARNESS_LAUNCHER_PID" 2>/dev/null; then
                        harness_log "the namespace's init exited during start-up:"
                        cat "$HARNESS_DIR/boot.log" >&2
                        return 1
                fi
                [ -n "$pid" ] || sleep 0.05
        done
        HARNESS_PID=$pid

        # Wait for systemd's private bus socket, then for the boot to end.
        while [ ! -S "/proc/$HARNESS_PID/root/run/systemd/private" ]; do
                if ! kill -0 "$HARNESS_PID" 2>/dev/null; then
                        harness_log "the namespace's init exited during start-up:"
                        cat "$HARNESS_DIR/boot.log" "$HARNESS_DIR/console" >&2
                        return 1
                fi
                if [ $((SECONDS - start)) -ge "$timeout" ]; then
                        harness_log "systemd did not come up in ${timeout}s:"
                        cat "$HARNESS_DIR/boot.log" "$HARNESS_DIR/console" >&2
                        return 1
                fi
                sleep 0.05
        done
        # Held open until teardown: the namespace's number cannot be reused
        # meanwhile, so teardown's check for survivors means what it says.
        exec {HARNESS_PIDNS_FD}<"/proc/$HARNESS_PID/ns/pid"
        HARNESS_PIDNS=$(readlink "/proc/self/fd/$HARNESS_PIDNS_FD")

        local left=$((timeout - (SECONDS - start))) state
        [ "$left" -gt 0 ] || left=1
        state=$(harness_run timeout "$left" systemctl is-system-running --wait 2>/dev/null) || true
        case "$state" in
        running | degraded) ;;
        *)
                harness_log "boot did not finish (is-system-running: ${state:-timeout})"
                harness_dump
                return 1
                ;;
        esac
        if [ "$state" = degraded ]; then
                harness_log "booted degraded; failed units:"
                harness_run systemctl --no-legend --failed >&2 || true
        fi
        harness_log "booted in $((SECONDS - start))s (systemd is PID $HARNESS_PID on the host, state $state)"
}

harness_run() {
        if [ -z "${HARNESS_PID:-}" ]; then
                harness_log "harness_run: not booted"
                return 1
        fi
        # Join the root of the harness's cgroup namespace first: the command
        # then belongs to the harness (teardown kills it), and systemd can
        # move it into a scope (systemd-run --scope) as on a real system.
        (
                echo "$BASHPID" >"$HARNESS_CGROUP/payload/cgroup.procs" || exit 1
                if [ -n "${HARNESS_PIDNS_FD:-}" ]; then
                        exec {HARNESS_PIDNS_FD}<&-
                fi
                exec nsenter -t "$HARNESS_PID" -a -- env -i \
                        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" SYSTEMD_PAGER= SYSTEMD_COLORS=0 \
                        ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
                        ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
                        "$@"
        )
}

harness_sh() {
        local script=$1
        shift
        harness_run sh -c "$script" sh "$@"
}

harness_journal() {
        harness_run journalctl --no-pager "$@"
}

# harness_wait TIMEOUT CMD...: retries CMD inside every 0.1 s.
harness_wait() {
        local timeout=$1 start=$SECONDS
        shift
        until harness_run "$@" >/dev/null 2>&1; do
                if [ $((SECONDS - start)) -ge "$timeout" ]; then
                        harness_log "timed out after ${timeout}s waiting for: $*"
                        return 1
                fi
                sleep 0.1
        done
}

harness_copy_in() {
        local src=$1 dst=$2
        if [ -d "$src" ]; then
                # shellcheck disable=SC2016 # expanded inside
                tar -C "$src" -cf - . | harness_sh 'mkdir -p "$1" && tar -C "$1" --no-overwrite-dir --keep-directory-symlink -xpf -' "$dst"
        else
                local mode
                mode=$(stat -c %a "$src") || return 1
                harness_run install -D -m "$mode" /dev/stdin "$dst" <"$src"
        fi
}

# harness_mkimage DST [MKIMAGE-OPTION...]: builds a test image with
# tests/lib/mkimage.sh (see its --help; OCI layout by default) and copies it
# to DST inside.
harness_mkimage() {
        local dst=$1 tmp
        shift
        tmp=$(mktemp -d "$HARNESS_DIR/image.XXXXXX")
        "$HARNESS_LIB_DIR/mkimage.sh" "$@" "$tmp/out" || return 1
        harness_copy_in "$tmp/out" "$dst" || return 1
        rm -rf "$tmp"
}

# harness_registry [PORT]: starts Debian's docker-registry inside, on
# 127.0.0.1:PORT (default 5000; the network namespace is the harness's own),
# as the unit harness-registry.service, and waits until it answers.
harness_registry() {
        local port=${1:-5000}
        harness_sh 'mkdir -p /etc/berth-harness && cat >/etc/berth-harness/registry.yml' <<EOF || return 1
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/berth-harness-registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
        harness_run systemd-run --quiet --unit=harness-registry \
                docker-registry serve /etc/berth-harness/registry.yml || return 1
        harness_wait 30 curl -sf -o /dev/null "http://127.0.0.1:$port/v2/"
}

# harness_push_image REF [MKIMAGE-OPTION...]: builds a test image and pushes
# it to REF (e.g. 127.0.0.1:5000/busybox:latest) over plain HTTP.
harness_push_image() {
        local ref=$1 dir
        shift
        dir=/tmp/berth-harness-image.$RANDOM
        harness_mkimage "$dir" "$@" || return 1
        harness_run skopeo copy -q --insecure-policy --dest-tls-verify=false \
                "oci:$dir:latest" "docker://$ref" || return 1
        harness_run rm -rf "$dir"
}

# Installs the current build again (after the harness booted) and makes
# systemd and the bus see the new files.
harness_install() {
        harness_stage_build "$HARNESS_DIR/stage" || return 1
        harness_copy_in "$HARNESS_DIR/stage" / || return 1
        harness_run systemctl daemon-reload || return 1
        harness_run busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1 || true
        HARNESS_BERTH_RUNTIME=$(harness_berth_runtime_path)
}

# What to look at when something went wrong.
harness_dump() {
        [ -n "${HARNESS_PID:-}" ] && kill -0 "$HARNESS_PID" 2>/dev/null || return 0
        echo "---- harness: failed units" >&2
        harness_run systemctl --no-legend --no-pager --failed >&2 2>&1 || true
        echo "---- harness: journal (last 60 lines)" >&2
        harness_run journalctl --no-pager -n 60 >&2 2>&1 || true
        echo "----" >&2
}

# True while PID is a process in this harness's cgroup.
harness_owns_pid() {
        local cg
        cg=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null) || return 1
        [ -n "$cg" ] || return 1
        case "$(harness_cgroup2_root)$cg/" in
        "$HARNESS_CGROUP"/*) return 0 ;;
        *) return 1 ;;
        esac
}

# harness_teardown [STATUS]: with a non-zero STATUS (the trap passes the
# test's), shows the journal first. Returns non-zero if anything is left.
harness_teardown() {
        local status=${1:-0} rc=0 i
        [ -n "${HARNESS_DIR:-}" ] || return 0
        trap - EXIT INT TERM HUP

        if [ "$status" != 0 ]; then
                harness_dump
        fi

        # Signals go by PID only to processes still in the harness's cgroup,
        # so a PID reused meanwhile is never hit. SIGRTMIN+4 asks systemd for
        # a clean poweroff (units' ExecStop= run); after 10 s, or once it is
        # done, the cgroup is killed as a whole.
        if [ -n "${HARNESS_PID:-}" ] && harness_owns_pid "$HARNESS_PID"; then
                kill -s SIGRTMIN+4 "$HARNESS_PID" 2>/dev/null || true
                for i in $(seq 100); do
                        harness_owns_pid "$HARNESS_PID" || break
                        sleep 0.1
                done
        fi
        harness_kill_cgroup "$HARNESS_CGROUP" || rc=1
        if [ -n "${HARNESS_LAUNCHER_PID:-}" ]; then
                # Our own child: its PID stays ours until this wait.
                wait "$HARNESS_LAUNCHER_PID" 2>/dev/null || true
        fi
        harness_kill_cgroup "$HARNESS_CGROUP" || rc=1

        # Nothing may still live in the harness's PID namespace (a process
        # there would keep its mounts alive).
        if [ -n "${HARNESS_PIDNS_FD:-}" ]; then
                local left=
                for _ in $(seq 50); do
                        left=$(harness_pidns_members "$HARNESS_PIDNS")
                        [ -z "$left" ] && break
                        sleep 0.1
                done
                if [ -n "$left" ]; then
                        harness_log "processes left in the harness's PID namespace: $left"
                        rc=1
                fi
                exec {HARNESS_PIDNS_FD}<&-
        fi

        if [ "$status" != 0 ] && [ "${HARNESS_KEEP:-0}" = 1 ]; then
                harness_log "keeping $HARNESS_DIR (boot.log, console)"
        else
                harness_remove_dir "$HARNESS_DIR" || rc=1
        fi
        unset HARNESS_DIR HARNESS_PID HARNESS_LAUNCHER_PID HARNESS_CGROUP HARNESS_PIDNS HARNESS_PIDNS_FD
        return $rc
}
