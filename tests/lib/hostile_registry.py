#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A registry that misbehaves on purpose, for tests. It serves one small valid
image (registry_images.arch_image) under every repository; the first path
component of the repository picks the misbehaviour:

  good          correct replies
  huge          a 5 MiB manifest
  endless       a manifest that never ends (chunked)
  malformed     a manifest that is not JSON
  wrongtype     a manifest with mediaType text/html
  baddigest     a layer descriptor whose digest is a path
  liar          manifests by digest and the config blob do not match their digest
  redirect      blob requests redirect to themselves forever
  offsite       blob requests redirect (307) to another path, which serves them
  slow          the manifest trickles out one byte a second
  drip          the manifest (padded to 64 KiB) drips at 2 KiB a second
  flaky         the first two manifest requests get 503; the first blob
                request is cut off halfway
  broken        every manifest request gets 500
  bigblob       layer blob longer than its descriptor
  shortblob     layer blob shorter than its descriptor
  slowblob      layer blob trickles (for cancellation)
  gate          the first layer blob request creates GATE/reached, waits for
                GATE/release and gets 503; every layer blob request is
                counted in GATE/requests (GATE: the second argument)

Usage: hostile_registry.py PORT [GATE]   (then GET /v2/<kind>/img/manifests/latest)
"""
import json
import os
import sys
import threading
import time
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registry_images as ri  # noqa: E402
from stub_http import RegistryHandler  # noqa: E402

IMAGE = ri.arch_image("amd64", False)
BLOBS_LIST, MANIFEST, MEDIA = IMAGE.blobs_and_manifest()
BLOBS = {ri.sha256(b): b for b in BLOBS_LIST}
MANIFEST_DIGEST = ri.sha256(MANIFEST)
LAYER = [d for d in BLOBS if BLOBS[d] is not BLOBS_LIST[0]][0]
counts = {}
lock = threading.Lock()
GATE = sys.argv[2] if len(sys.argv) > 2 else None


def count(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class Handler(RegistryHandler):
    def do_GET(self):
        parts = self.path.split("?")[0].split("/")
        if self.path.startswith("/storage/"):
            return self.reply(200, BLOBS.get(parts[2], b""))
        # /v2/<kind>/img/<what>/<ref>
        if len(parts) != 6 or parts[1] != "v2":
            return self.error(404, "NAME_UNKNOWN")
        kind, what, ref = parts[2], parts[4], parts[5]
        try:
            if what == "manifests":
                return self.manifest(kind, ref)
            if what == "blobs":
                return self.blob(kind, ref)
        except (BrokenPipeError, ConnectionResetError):
            return
        self.error(404, "UNSUPPORTED")

    def manifest(self, kind, ref):
        body, mt = MANIFEST, MEDIA
        if kind == "huge":
            body = json.dumps({"schemaVersion": 2, "pad": "x" * (5 << 20)}).encode()
        elif kind == "endless":
            self.send_response(200)
            self.send_header("Content-Type", MEDIA)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        elif kind == "malformed":
            body = b'{"schemaVersion": 2, "layers": [}'
        elif kind == "wrongtype":
            m = json.loads(MANIFEST)
            m["mediaType"] = "text/html"
            body, mt = json.dumps(m).encode(), "text/html"
        elif kind == "baddigest":
            m = json.loads(MANIFEST)
            m["layers"][0]["digest"] = "sha256:../../../../../../tmp/berth-hostile"
            body = json.dumps(m).encode()
        elif kind == "liar" and ref.startswith("sha256:"):
            body = MANIFEST + b" "
        elif kind == "slow":
            self.send_response(200)
            self.send_header("Content-Type", MEDIA)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(1)
            return
        elif kind == "drip":
            body = MANIFEST + b" " * (65536 - len(MANIFEST))
            self.send_response(200)
            self.send_header("Content-Type", MEDIA)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(0, len(body), 1024):
                self.wfile.write(body[i:i + 1024])
                self.wfile.flush()
                time.sleep(0.5)
            return
        elif kind == "flaky" and count("flaky-manifest") <= 2:
            return self.error(503, "UNAVAILABLE")
        elif kind == "broken":
            return self.error(500, "INTERNAL")
        if ref.startswith("sha256:") and kind != "liar" and ref != MANIFEST_DIGEST:
            return self.error(404, "MANIFEST_UNKNOWN")
        self.reply(200, body, mt, [("Docker-Content-Digest", MANIFEST_DIGEST)])

    def blob(self, kind, digest):
        if digest not in BLOBS:
            return self.error(404, "BLOB_UNKNOWN")
        data = BLOBS[digest]
        if kind == "liar":
            data = data + b"\n"
        if digest != LAYER:
            return self.reply(200, data)
        if kind == "redirect":
            return self.reply(302, headers=[("Location", self.path)])
        if kind == "offsite":
            return self.reply(307, headers=[("Location", "/storage/" + digest)])
        if kind == "flaky" and count("flaky-blob") == 1:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "gate" and GATE:
            n = count("gate-blob")
            with open(os.path.join(GATE, "requests"), "w") as f:
                f.write("%d\n" % n)
            if n == 1:
                open(os.path.join(GATE, "reached"), "w").close()
                while not os.path.exists(os.path.join(GATE, "release")):
                    time.sleep(0.05)
                return self.error(503, "UNAVAILABLE")
        if kind == "bigblob":
            data = data + b"\0" * 4096
        if kind == "shortblob":
            data = data[:-10]
        if kind == "slowblob":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for i in range(0, len(data), 1024):
                self.wfile.write(data[i:i + 1024])
                self.wfile.flush()
                time.sleep(0.2)
            return
        self.reply(200, data)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
