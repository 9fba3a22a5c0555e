#!/bin/bash
# The whole test suite, as a new user or CI runs it (as root, fresh Debian 12):
# installs dependencies, builds with ASan/UBSan, runs unit, root and
# integration tests, and ends with meson's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
build=${BUILD_DIR:-build-test}
if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build"
# ASan's leak checker cannot follow processes that exec or hand their child
# to systemd; it stays on for the unit tests through their own environment.
exec meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
