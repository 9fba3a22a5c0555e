#!/bin/bash
# berth's main job, end to end: installs dependencies, builds, and runs a
# declared container under a real systemd.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build"
exec tests/lib/demo.sh "$build"
