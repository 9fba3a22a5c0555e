#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds the pull benchmark's image and pushes it: 3 gzip layers, about
200 MB uncompressed and 85 MB compressed, one of them holding 10k small
files. Content is synthetic but seeded, so every run measures the same
bytes: a mix of incompressible and text-like data, as in real images.

    pull-image.py REGISTRY_URL REPO:TAG
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import registry_images as ri  # noqa: E402

rng = random.Random(20261128)
WORDS = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
         for _ in range(4000)]
TEXT = b" ".join(rng.choice(WORDS) for _ in range(400000))  # ~2.6 MB of "text"


def text(n):
    off = rng.randrange(0, len(TEXT) - n)
    return TEXT[off:off + n]


def binary(n, random_share):
    """Blocks of random bytes interleaved with text, random_share of them random."""
    out = bytearray()
    while len(out) < n:
        k = min(65536, n - len(out))
        out += rng.randbytes(k) if rng.random() < random_share else text(k)
    return bytes(out)


def big_files_layer(prefix, count, size, random_share):
    t = ri.Tar().dir(prefix)
    for i in range(count):
        t.file("%s/lib%03d.so" % (prefix, i), binary(size, random_share), mode=0o755)
    return t.bytes()


def small_files_layer(count):
    t = ri.Tar().dir("usr").dir("usr/share")
    dirs = set()
    for i in range(count):
        d = "usr/share/pkg%03d" % (i // 50)
        if d not in dirs:
            t.dir(d)
            dirs.add(d)
        t.file("%s/file%05d.txt" % (d, i), text(rng.randint(1000, 9000)))
    return t.bytes()


def main():
    url, ref = sys.argv[1], sys.argv[2]
    repo, tag = ref.rsplit(":", 1)
    img = ri.Image()
    img.layer(big_files_layer("opt/base", 40, 2 << 20, 0.14), "gzip")
    img.layer(small_files_layer(10000), "gzip")
    img.layer(big_files_layer("opt/app", 30, 2 << 20, 0.10), "gzip")
    raw = sum(len(ri.gzip.decompress(b)) for b, _, _ in img.layers)
    packed = sum(len(b) for b, _, _ in img.layers)
    print("image: %d layers, %.0f MB uncompressed, %.0f MB gzip" %
          (len(img.layers), raw / 1e6, packed / 1e6))
    ri.Pusher(url).image(repo, tag, img)


if __name__ == "__main__":
    main()
