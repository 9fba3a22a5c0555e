#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A multi-layer image (gzip, zstd and uncompressed layers) with a whiteout, an
# opaque directory, a hardlink, symlinks, a setuid file, an ownership change
# and an xattr: pulled, and the image's overlay shows each of them.
. "$(dirname "$0")/lib.sh"

registry_start
registry_push multi >/dev/null
ref=$REGISTRY/test/multi:latest

out=$(pull --insecure "$REGISTRY" "$ref")
echo "$out"
grep -q "^layer sha256:[0-9a-f]* done " <<<"$out" || fail "no per-layer progress"
[ "$(grep -c '^layer .* done ' <<<"$out")" = 3 ] || fail "expected 3 layers done"
grep -q "^image sha256:[0-9a-f]\{64\}$" <<<"$out" || fail "no image id"
store_check_clean
# A log (the journal, when the runtime pulls) gets percentages; 100% at the end.
grep -qE "^layers $ref [0-9]+/[0-9]+ \([0-9]+%\)$" <<<"$out" || fail "no percentage lines"
grep -qE "^layers $ref ([0-9]+)/\1 \(100%\)$" <<<"$out" || fail "no 100% line"

# A terminal gets a bar, redrawn in place, and no percentage lines.
rm -rf "$STORE"
out=$(script -qec "$(printf '%q ' "$BERTH_PULL" --root "$STORE" --config-dir "$REGISTRY_DIR/none" \
        --auth-file "$REGISTRY_DIR/none.json" --certs-dir "$REGISTRY_DIR/none" --insecure "$REGISTRY" "$ref")" /dev/null)
grep -qE $'\r\e\\[K[a-z]+ +\\[=+ *\\] +100% ' <<<"$out" || fail "no bar on a terminal: $out"
grep -qE "\([0-9]+%\)" <<<"$out" && fail "log lines on a terminal: $out"
grep -q "^image sha256:" <<<"${out//$'\r'/}" || fail "no image id on a terminal: $out"
store_check_clean

with_rootfs "$ref" python3 - "$REGISTRY_DIR/rootfs" <<'PY'
import os, stat, sys
root = sys.argv[1]
def p(x): return os.path.join(root, x)
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
check(os.path.isfile(p("bin/busybox")) and os.stat(p("bin/busybox")).st_mode & 0o777 == 0o755,
      "bin/busybox 0755")
check(os.readlink(p("bin/sh")) == "busybox", "bin/sh symlink")
check(os.readlink(p("usr/bin/busybox")) == "/bin/busybox", "absolute symlink kept as is")
check(not os.path.lexists(p("etc/gone")), "whiteout hides etc/gone")
check(sorted(os.listdir(p("etc/opaque"))) == ["c"], "opaque dir shows only c: %s" % os.listdir(p("etc/opaque")))
st = os.stat(p("etc/owned"))
check((st.st_uid, st.st_gid) == (1000, 1000), "etc/owned chowned to 1000:1000")
check(os.stat(p("etc/passwd")).st_uid == 0, "etc/passwd owned by root")
su = os.stat(p("usr/bin/su"))
check(stat.S_IMODE(su.st_mode) == 0o4755, "usr/bin/su setuid 4755: %o" % stat.S_IMODE(su.st_mode))
t, l = os.stat(p("usr/bin/tool")), os.stat(p("usr/bin/tool-link"))
check(t.st_ino == l.st_ino and t.st_nlink == 2, "tool-link is a hardlink of tool")
check(os.getxattr(p("usr/bin/tool"), "user.berth") == b"test-value", "user.berth xattr")
check(open(p("data/plain.txt")).read() == "uncompressed layer\n", "uncompressed layer content")
check(stat.S_IMODE(os.stat(p("tmp")).st_mode) == 0o1777, "sticky tmp")
print("rootfs ok")
PY

# the same pull again finds every layer in the store
out=$(pull --insecure "$REGISTRY" "$ref")
[ "$(grep -c '^layer .* present ' <<<"$out")" = 3 ] || { echo "$out"; fail "layers not reused"; }
store_check_clean
echo "ok"
