# SPDX-License-Identifier: LGPL-2.1-or-later
"""The HTTP side shared by the test registries (hostile_registry.py,
scripted_registry.py): keep-alive replies with a length, and registry-style
JSON errors."""
import json
from http.server import BaseHTTPRequestHandler


class RegistryHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", ctype="application/octet-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, headers=()):
        body = json.dumps({"errors": [{"code": code, "message": "test"}]}).encode()
        self.reply(status, body, "application/json", headers)
