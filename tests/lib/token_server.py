#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A token endpoint for docker-registry's token auth, for tests: answers
GET /token?service=S&scope=repository:NAME:ACTIONS with an RS256 JWT whose
x5c header carries the signing certificate (the registry's rootcertbundle).
With --user U:P, requests must carry that basic auth; otherwise anyone gets
a token. Every request is appended to --log as one JSON line."""
import argparse
import base64
import json
import os
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self, key_path, cert_path, issuer):
        with open(key_path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.issuer = issuer

    def token(self, subject, service, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": subject, "aud": service, "iat": now,
                  "nbf": now - 10, "exp": now + 300, "jti": b64url(os.urandom(12)),
                  "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        sig = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + b64url(sig)


def parse_scope(scope):
    access = []
    for s in scope.split(" ") if scope else []:
        parts = s.split(":")
        if len(parts) >= 3 and parts[0] == "repository":
            access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                           "actions": parts[-1].split(",")})
    return access


def make_handler(args, issuer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            auth = self.headers.get("Authorization", "")
            entry = {"path": url.path, "query": q, "authorization": auth.split(" ")[0]}
            user = "anonymous"
            if auth.startswith("Basic "):
                user = base64.b64decode(auth[6:]).decode(errors="replace").split(":")[0]
            if args.user and auth != "Basic " + base64.b64encode(args.user.encode()).decode():
                entry["result"] = 401
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="token"')
                self.end_headers()
            elif url.path != "/token" or q.get("service", [""])[0] != args.service:
                entry["result"] = 400
                self.send_response(400)
                self.end_headers()
            else:
                entry["result"] = 200
                tok = issuer.token(user, args.service, parse_scope(" ".join(q.get("scope", []))))
                body = json.dumps({"token": tok, "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            if args.log:
                with open(args.log, "a") as f:
                    f.write(json.dumps(entry) + "\n")

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--user")
    p.add_argument("--log")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port),
                                 make_handler(args, Issuer(args.key, args.cert, args.issuer)))
    server.serve_forever()


if __name__ == "__main__":
    main()
