#!/bin/bash
# The README's demo: installs the dependencies from Debian, builds berth, and
# runs a declared busybox container (built here from busybox-static) as a
# systemd service, under a real systemd that boots in private namespaces and
# is torn down afterwards; nothing on this machine changes.
#   BUILD_DIR=DIR     build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build"
exec tests/lib/demo.sh "$build"
