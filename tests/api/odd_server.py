"""A tiny loopback HTTP server with canned answers, for shapes and hosts the sandbox never produces.

The sandbox is one well-behaved implementation; the real Synq and the proxies in front of it are not. This
server answers each path with a fixed status, headers and body, can redirect, and records every request's
headers, so tests can check what the client sent to a foreign host.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Canned:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


class OddServer:
    def __init__(self) -> None:
        self.routes: dict[str, Canned] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.peers: list[tuple[str, int]] = []  # the client address of each request (one per connection)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?")[0]
                owner.seen.append((self.command, path, {k.lower(): v for k, v in self.headers.items()}))
                owner.peers.append(self.client_address)
                canned = owner.routes.get(path, Canned(404, b'{"error": "no such route"}'))
                self.send_response(canned.status)
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def odd_server() -> Iterator[OddServer]:
    server = OddServer()
    try:
        yield server
    finally:
        server.close()
