#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds the registry tests' images byte by byte and pushes them with the
registry API (blob uploads and manifest PUTs), so that every digest, media
type, lie and hostile entry is exactly what the test wants.

    registry_images.py push URL SET [ESCAPE]   push an image set (see push_set());
                                               ESCAPE: the path hostile layers aim at
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

BUSYBOX = "/bin/busybox"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Tar:
    """A layer tarball in PAX format (so xattrs survive)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, name, type_, mode, uid=0, gid=0, **kw):
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.mtime = kw.pop("mtime", 1700000000)
        for k, v in kw.items():
            setattr(ti, k, v)
        return ti

    def dir(self, name, mode=0o755, **kw):
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode, **kw))
        return self

    def file(self, name, data=b"", mode=0o644, xattrs=None, **kw):
        ti = self._info(name, tarfile.REGTYPE, mode, **kw)
        ti.size = len(data)
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
        self.tar.addfile(ti, io.BytesIO(data))
        return self

    def symlink(self, name, target, **kw):
        self.tar.addfile(self._info(name, tarfile.SYMTYPE, 0o777, linkname=target, **kw))
        return self

    def hardlink(self, name, target, **kw):
        self.tar.addfile(self._info(name, tarfile.LNKTYPE, 0o644, linkname=target, **kw))
        return self

    def bytes(self):
        self.tar.close()
        return self.buf.getvalue()


def compress(data, kind):
    if kind == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if kind == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    return data


class Image:
    """One image: layers (raw tar, compression), a config, a manifest."""

    def __init__(self, arch="amd64", docker=False, variant=None):
        self.arch, self.docker, self.variant = arch, docker, variant
        self.layers = []  # (blob, media_type, diff_id)
        self.config_extra = {}

    def layer(self, tar_bytes, kind="gzip", diff_id=None):
        blob = compress(tar_bytes, kind)
        if self.docker:
            mt = DOCKER_LAYER
        else:
            mt = {"gzip": LAYER_GZIP, "zstd": LAYER_ZSTD, "none": LAYER_TAR}[kind]
        self.layers.append((blob, mt, diff_id or sha256(tar_bytes)))
        return self

    def config(self):
        c = {
            "architecture": self.arch,
            "os": "linux",
            "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/bin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [l[2] for l in self.layers]},
        }
        if self.variant:
            c["variant"] = self.variant
        c.update(self.config_extra)
        return json.dumps(c, sort_keys=True).encode()

    def blobs_and_manifest(self):
        config = self.config()
        m = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if self.docker else OCI_MANIFEST,
            "config": {"mediaType": DOCKER_CONFIG if self.docker else OCI_CONFIG,
                       "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": mt, "digest": sha256(b), "size": len(b)}
                       for b, mt, _ in self.layers],
        }
        blobs = [config] + [b for b, _, _ in self.layers]
        return blobs, json.dumps(m, indent=2).encode(), m["mediaType"]


def busybox():
    with open(BUSYBOX, "rb") as f:
        return f.read()


def base_layer(marker=b""):
    return (Tar().dir("bin").dir("etc").dir("usr").dir("usr/bin").dir("tmp", mode=0o1777)
            .file("bin/busybox", busybox(), mode=0o755)
            .symlink("bin/sh", "busybox")
            .file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
            .file("etc/gone", b"removed by the next layer\n")
            .file("etc/owned", b"chowned by the next layer\n")
            .dir("etc/opaque").file("etc/opaque/a", b"a\n").file("etc/opaque/b", b"b\n")
            .file("etc/arch", marker)
            .bytes())


def multi_image():
    """whiteout, opaque dir, hardlink, symlink, setuid, chown, xattr; a gzip,
    a zstd and an uncompressed layer."""
    img = Image()
    img.layer(base_layer(b"amd64\n"), "gzip")
    img.layer(Tar()
              .dir("etc")
              .file("etc/.wh.gone")
              .dir("etc/opaque")
              .file("etc/opaque/.wh..wh..opq")
              .file("etc/opaque/c", b"c\n")
              .file("etc/owned", b"chowned by the next layer\n", uid=1000, gid=1000)
              .dir("usr/bin")
              .file("usr/bin/tool", b"#!/bin/sh\necho tool\n", mode=0o755,
                    xattrs={"user.berth": "test-value"})
              .hardlink("usr/bin/tool-link", "usr/bin/tool")
              .file("usr/bin/su", b"#!/bin/sh\n", mode=0o4755)
              .symlink("usr/bin/busybox", "/bin/busybox")
              .bytes(), "zstd")
    img.layer(Tar().dir("data").file("data/plain.txt", b"uncompressed layer\n").bytes(), "none")
    return img


def arch_image(arch, docker, variant=None):
    img = Image(arch=arch, docker=docker, variant=variant)
    marker = "%s %s%s\n" % ("docker" if docker else "oci", arch, "/" + variant if variant else "")
    img.layer(base_layer(marker.encode()), "gzip")
    return img


def hostile_layer(kind, escape):
    """escape: an absolute path outside the store that must never appear."""
    t = Tar().dir("ok").file("ok/file", b"fine\n")
    rel = "../" * 24 + escape.lstrip("/")
    parent = os.path.dirname(escape)
    if kind == "dotdot":
        t.file(rel, b"escaped\n")
    elif kind == "absolute":
        t.file(escape, b"escaped\n")
    elif kind == "symlink":
        t.symlink("evil", parent).file("evil/" + os.path.basename(escape), b"escaped\n")
    elif kind == "symlink-chain":
        t.symlink("a", ".").symlink("a/b", rel.rsplit("/", 1)[0]) \
         .file("a/b/" + os.path.basename(escape), b"escaped\n")
    elif kind == "hardlink":
        t.hardlink("ok/passwd", "/etc/passwd")
    elif kind == "hardlink-dotdot":
        t.hardlink("ok/passwd", "../" * 24 + "etc/passwd")
    else:
        raise ValueError(kind)
    return t.bytes()


HOSTILE_KINDS = ["dotdot", "absolute", "symlink", "symlink-chain", "hardlink",
                 "hardlink-dotdot"]


def big_image(layer_mb=40, layers=3):
    """Random (incompressible) layers, for interrupting a pull midway."""
    img = Image()
    for i in range(layers):
        data = os.urandom(layer_mb << 20)
        img.layer(Tar().dir("big").file("big/blob%d" % i, data).bytes(), "gzip")
    return img


class Pusher:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def _req(self, method, path, data=None, headers=None):
        url = path if path.startswith("http") else self.url + path
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        return urllib.request.urlopen(req)

    def blob(self, repo, data):
        d = sha256(data)
        try:
            self._req("HEAD", "/v2/%s/blobs/%s" % (repo, d))
            return d
        except urllib.error.HTTPError:
            pass
        r = self._req("POST", "/v2/%s/blobs/uploads/" % repo)
        loc = r.headers["Location"]
        if not loc.startswith("http"):
            loc = self.url + loc
        loc += ("&" if "?" in loc else "?") + "digest=" + d
        self._req("PUT", loc, data, {"Content-Type": "application/octet-stream"})
        return d

    def manifest(self, repo, ref, body, media_type):
        self._req("PUT", "/v2/%s/manifests/%s" % (repo, ref), body, {"Content-Type": media_type})
        return sha256(body)

    def image(self, repo, tag, img):
        blobs, manifest, mt = img.blobs_and_manifest()
        for b in blobs:
            self.blob(repo, b)
        return self.manifest(repo, tag, manifest, mt), len(manifest), mt


def index_of(pusher, repo, tag, entries, docker):
    """entries: (Image, platform dict); pushes each by digest, then the index."""
    ms = []
    for img, platform in entries:
        blobs, manifest, mt = img.blobs_and_manifest()
        for b in blobs:
            pusher.blob(repo, b)
        d, size = pusher.manifest(repo, sha256(manifest), manifest, mt), len(manifest)
        ms.append({"mediaType": mt, "digest": d, "size": size, "platform": platform})
    idx = {"schemaVersion": 2, "mediaType": DOCKER_LIST if docker else OCI_INDEX,
           "manifests": ms}
    return pusher.manifest(repo, tag, json.dumps(idx).encode(), idx["mediaType"])


def push_set(url, name, escape=None):
    p = Pusher(url)
    out = {}
    if name == "multi":
        out["multi:latest"] = p.image("test/multi", "latest", multi_image())[0]
    elif name == "index":
        out["test/index:latest"] = index_of(p, "test/index", "latest", [
            (arch_image("arm64", False, "v8"),
             {"os": "linux", "architecture": "arm64", "variant": "v8"}),
            (arch_image("amd64", False), {"os": "linux", "architecture": "amd64"}),
        ], docker=False)
    elif name == "list":
        out["test/list:latest"] = index_of(p, "test/list", "latest", [
            (arch_image("s390x", True), {"os": "linux", "architecture": "s390x"}),
            (arch_image("amd64", True), {"os": "linux", "architecture": "amd64"}),
        ], docker=True)
    elif name == "difflie":
        tar = Tar().dir("lie").file("lie/file", b"the config lies about me\n").bytes()
        img = Image().layer(tar, "gzip", diff_id=sha256(tar + b"x"))
        out["test/difflie:latest"] = p.image("test/difflie", "latest", img)[0]
        # a lie in the last of three layers; the first is shared with :base
        base = Image().layer(base_layer(b"difflie\n"), "gzip")
        out["test/difflie:base"] = p.image("test/difflie", "base", base)[0]
        mid = Tar().dir("mid").file("mid/file", b"a good layer\n").bytes()
        img = Image().layer(base_layer(b"difflie\n"), "gzip").layer(mid, "zstd") \
                     .layer(tar, "gzip", diff_id=sha256(tar + b"x"))
        out["test/difflie:last"] = p.image("test/difflie", "last", img)[0]
    elif name == "hostile":
        for kind in HOSTILE_KINDS:
            img = Image().layer(hostile_layer(kind, escape), "gzip")
            out["test/hostile:" + kind] = p.image("test/hostile", kind, img)[0]
        # a good layer below a hostile one: neither may be committed
        img = Image().layer(base_layer(b"partial\n"), "gzip") \
                     .layer(hostile_layer("dotdot", escape), "gzip")
        out["test/hostile:partial"] = p.image("test/hostile", "partial", img)[0]
    elif name == "big":
        out["test/big:latest"] = p.image("test/big", "latest", big_image())[0]
    elif name == "small":
        out["test/small:latest"] = p.image("test/small", "latest", arch_image("amd64", False))[0]
    else:
        raise SystemExit("unknown set " + name)
    return out


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "push":
        escape = sys.argv[4] if len(sys.argv) > 4 else "/tmp/berth-escape"
        for ref, digest in push_set(sys.argv[2], sys.argv[3], escape).items():
            print(ref, digest)
        return
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
