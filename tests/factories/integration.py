"""A local webhook receiver (a real HTTP server on 127.0.0.1 in a thread) and small helpers for the
integration tests.

Webhooks refuse loopback and private addresses unless GONGJIAN_WEBHOOK_ALLOW_PRIVATE is on, so a
test that delivers to this receiver (or subscribes it) runs inside `private_webhooks_allowed()`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from factories.live_server import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    # Status codes to answer, in order; 200 once they run out.
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # The body of every answer.
    reply: bytes = b"ok"


@contextmanager
def webhook_receiver(script: list[int] | None = None, reply: bytes = b"ok") -> Iterator[Receiver]:
    state = Receiver(script=list(script or []), reply=reply)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = state.script.pop(0) if state.script else 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(state.reply)))
            self.end_headers()
            self.wfile.write(state.reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/gongjian"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A loopback URL nothing listens on: every delivery to it fails to connect."""
    return f"http://127.0.0.1:{free_port()}/nobody-home"


@contextmanager
def private_webhooks_allowed(allowed: bool = True) -> Iterator[None]:
    """Within the block, this process's webhooks may (or, `allowed=False`, may not) reach loopback
    and private addresses — the development setting the local receiver needs."""
    from gongjian.settings import get_settings

    before = os.environ.get("GONGJIAN_WEBHOOK_ALLOW_PRIVATE")
    os.environ["GONGJIAN_WEBHOOK_ALLOW_PRIVATE"] = "1" if allowed else "0"
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            del os.environ["GONGJIAN_WEBHOOK_ALLOW_PRIVATE"]
        else:
            os.environ["GONGJIAN_WEBHOOK_ALLOW_PRIVATE"] = before
        get_settings.cache_clear()
