#!/bin/bash
# Installs everything berth needs to build, test and benchmark, from Debian 12's
# own packages. Safe to run again.
set -euo pipefail

packages=(
        # build
        gcc meson ninja-build pkg-config scdoc clang-format
        libsystemd-dev libjansson-dev libarchive-dev libcurl4-openssl-dev
        libseccomp-dev libssl-dev libnftables-dev
        # run: systemd as the supervisor, D-Bus and polkit for berthd
        systemd dbus polkitd
        # tests: a real registry, test images, networking, TLS and auth fixtures
        docker-registry busybox-static apache2-utils openssl iproute2 nftables
        python3 python3-cryptography curl jq zstd procps
        # fuzzing (tools/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
        clang libclang-rt-14-dev
        # benchmarks: the peers berth is measured against
        crun runc podman skopeo hyperfine time
)

if [ "$(id -u)" != 0 ]; then
        echo "install-deps: run as root (apt-get install)" >&2
        exit 1
fi

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep >/dev/null "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# docker-registry and podman ship services that a fresh install may start;
# the tests run their own registry on a free port instead.
systemctl disable --now docker-registry >/dev/null 2>&1 || true
exit 0
