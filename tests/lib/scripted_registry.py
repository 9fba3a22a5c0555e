#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A registry whose faults happen at moments a test controls, for the pulls'
concurrency tests. It serves one image (--image) under every repository
name; every request is appended to --log as one JSON line.

  --image two      two small layers
  --image tokens   a big uncompressed layer ("the slow layer", its file
                   x/payload is 4 MiB) and three small ones

  --fail-once      the first request for the layer whose diff_id sorts first
                   creates CONTROL/reached, waits for CONTROL/release and gets
                   503; CONTROL/layer holds that diff_id's hex (the name of
                   its lock file in a store)

  --token          bearer token auth with the token endpoint /token on the
                   same port. The first token is good for the manifest, the
                   config and the slow layer only: it expires as the layers
                   start, so every other layer request gets 401. The slow
                   layer sends 64 KiB, then the rest once a second token
                   request has come. That request's reply waits until the
                   slow layer's file is half extracted in the staging area
                   of the store --watch (so the client must have kept reading it
                   while its token request ran), for at most 30 s; its log
                   line says whether it had to wait in vain ("progressed").
  --refresh-status N
                   the second token request gets HTTP N at once
"""
import argparse
import glob
import json
import os
import sys
import threading
import time
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registry_images as ri  # noqa: E402
from stub_http import RegistryHandler  # noqa: E402

PAYLOAD = 4 << 20
HEAD = 64 << 10
WAIT = 30


def build(kind):
    img = ri.Image()
    slow = None
    if kind == "two":
        img.layer(ri.Tar().dir("a").file("a/file", b"first\n" * 1000).bytes(), "gzip")
        img.layer(ri.Tar().dir("b").file("b/file", b"second\n" * 1000).bytes(), "gzip")
    else:
        img.layer(ri.Tar().dir("x").file("x/payload", os.urandom(PAYLOAD)).bytes(), "none")
        slow = ri.sha256(img.layers[0][0])
        for n in "yzw":
            img.layer(ri.Tar().dir(n).file(n + "/file", n.encode() * 5000).bytes(), "gzip")
    blobs, manifest, media = img.blobs_and_manifest()
    first = min(img.layers, key=lambda l: l[2])
    return {
        "blobs": {ri.sha256(b): b for b in blobs},
        "config": ri.sha256(blobs[0]),
        "manifest": manifest,
        "media": media,
        "slow": slow,
        "first_layer": ri.sha256(first[0]),
        "first_diff_hex": first[2].split(":")[1],
    }


class State:
    def __init__(self, args):
        self.args = args
        self.img = build(args.image)
        self.lock = threading.Lock()
        self.counts = {}
        self.refreshing = threading.Event()

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def log(self, **entry):
        with self.lock, open(self.args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def slow_progressed(self):
        for p in glob.glob(os.path.join(self.args.watch or "/nonexistent", "tmp", "layer-*",
                                        "diff", "x", "payload")):
            try:
                # the extraction holds back the end until the blob's end
                if os.stat(p).st_size >= PAYLOAD // 2:
                    return True
            except OSError:
                pass
        return False


def make_handler(st):
    class Handler(RegistryHandler):
        def do_GET(self):
            try:
                self.route()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def route(self):
            path = self.path.split("?")[0]
            if path == "/token":
                return self.token()
            parts = path.split("/")
            # /v2/<name...>/<what>/<ref>
            if len(parts) < 5 or parts[1] != "v2" or parts[-2] not in ("manifests", "blobs"):
                return self.error(404, "NAME_UNKNOWN")
            what, ref = parts[-2], parts[-1]
            name = "/".join(parts[2:-2])
            if st.args.token and not self.authorized(what, ref, name):
                return
            if what == "manifests":
                st.log(req="manifest", ref=ref)
                return self.reply(200, st.img["manifest"], st.img["media"],
                                  [("Docker-Content-Digest", ri.sha256(st.img["manifest"]))])
            self.blob(ref)

        def authorized(self, what, ref, name):
            auth = self.headers.get("Authorization", "")
            tok = auth[len("Bearer tok-"):] if auth.startswith("Bearer tok-") else ""
            n = int(tok) if tok.isdigit() else 0
            ok = n >= 2 or (n == 1 and (what == "manifests" or
                                        ref in (st.img["config"], st.img["slow"])))
            if ok:
                return True
            st.log(req=what, ref=ref, status=401, token=n)
            challenge = ('Bearer realm="http://127.0.0.1:%d/token",service="scripted",'
                         'scope="repository:%s:pull"' % (st.args.port, name))
            self.error(401, "UNAUTHORIZED", [("WWW-Authenticate", challenge)])
            return False

        def token(self):
            n = st.count("token")
            if n >= 2 and st.args.refresh_status:
                st.log(req="token", n=n, status=st.args.refresh_status)
                return self.error(st.args.refresh_status, "UNAVAILABLE")
            progressed, waited = None, 0
            if n >= 2:
                st.refreshing.set()
                start = time.monotonic()
                while not st.slow_progressed() and time.monotonic() - start < WAIT:
                    time.sleep(0.02)
                progressed = st.slow_progressed()
                waited = int((time.monotonic() - start) * 1000)
            st.log(req="token", n=n, status=200, progressed=progressed, waited_ms=waited)
            body = json.dumps({"token": "tok-%d" % n, "expires_in": 300}).encode()
            self.reply(200, body, "application/json")

        def blob(self, digest):
            data = st.img["blobs"].get(digest)
            if data is None:
                st.log(req="blob", ref=digest, status=404)
                return self.error(404, "BLOB_UNKNOWN")
            if (st.args.fail_once and digest == st.img["first_layer"] and
                    st.count("fail-once") == 1):
                ctl = st.args.control
                open(os.path.join(ctl, "reached"), "w").close()
                start = time.monotonic()
                while (not os.path.exists(os.path.join(ctl, "release")) and
                       time.monotonic() - start < 120):
                    time.sleep(0.02)
                st.log(req="blob", ref=digest, status=503)
                return self.error(503, "UNAVAILABLE")
            st.log(req="blob", ref=digest, status=200)
            if digest != st.img["slow"]:
                return self.reply(200, data)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:HEAD])
            self.wfile.flush()
            st.refreshing.wait(WAIT)
            self.wfile.write(data[HEAD:])

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--image", choices=["two", "tokens"], required=True)
    p.add_argument("--control")
    p.add_argument("--fail-once", action="store_true")
    p.add_argument("--token", action="store_true")
    p.add_argument("--watch")
    p.add_argument("--refresh-status", type=int)
    args = p.parse_args()
    st = State(args)
    if args.control:
        with open(os.path.join(args.control, "layer"), "w") as f:
            f.write(st.img["first_diff_hex"] + "\n")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(st))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
