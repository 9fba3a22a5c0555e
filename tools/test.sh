#!/bin/bash
# The whole test suite, as a new user or CI runs it (as root, fresh Debian 12):
# installs dependencies, builds with ASan/UBSan, runs unit, root and
# integration tests, and ends with meson's summary.
#   BUILD_DIR=DIR     build directory (default build-test)
#   extra arguments go to meson test, e.g. --suite unit
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
build=${BUILD_DIR:-build-test}
if [ ! -f "$build/build.ninja" ]; then
        meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build"
# Leak checking stays on for unit tests (their own environment); root and
# integration tests turn it off: their programs exec or hand their child to
# systemd on purpose. Sanitized programs are slower, hence the multiplier.
exec meson test -C "$build" --print-errorlogs --num-processes 2 \
        --timeout-multiplier "${BERTH_TIMEOUT_MULTIPLIER:-2}" "$@"
