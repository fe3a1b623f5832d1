"""A fake WeChat API on a loopback port: `GET /sns/jscode2session` answers from a table of codes.

The app's real httpx code talks to it over a socket, exactly as it would to WeChat. Unknown codes
get errcode 40029 (invalid code), as WeChat answers them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

APPID = "wx0123456789abcdef"
SECRET = "test-app-secret-not-real"


@dataclass
class FakeWechat:
    base_url: str = ""
    # code → JSON answer, or ("sleep", seconds) to simulate a hang, or ("status", 500) for an HTTP error.
    answers: dict[str, Any] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)

    def user(self, code: str, openid: str, unionid: str | None = None) -> None:
        answer = {"openid": openid, "session_key": f"sk-{openid}"}
        if unionid:
            answer["unionid"] = unionid
        self.answers[code] = answer

    def error(self, code: str, errcode: int, errmsg: str = "error") -> None:
        self.answers[code] = {"errcode": errcode, "errmsg": errmsg}


@contextmanager
def fake_wechat() -> Iterator[FakeWechat]:
    state = FakeWechat()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            state.requests.append({"path": parts.path, **query})
            if parts.path != "/sns/jscode2session":
                self._send(404, b"not found")
                return
            if query.get("appid") != APPID or query.get("secret") != SECRET:
                self._send(200, json.dumps({"errcode": 40125, "errmsg": "invalid appsecret"}).encode())
                return
            answer = state.answers.get(query.get("js_code", ""), {"errcode": 40029, "errmsg": "invalid code"})
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
                answer = {"errcode": -1, "errmsg": "system busy"}
            if isinstance(answer, tuple) and answer[0] == "status":
                self._send(answer[1], b"<html>bad gateway</html>")
                return
            # WeChat labels its JSON text/plain.
            self._send(200, json.dumps(answer).encode(), "text/plain")

        def _send(self, status: int, body: bytes, content_type: str = "text/html") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def wechat_env(wx: FakeWechat) -> dict[str, str]:
    return {
        "GONGJIAN_WECHAT_APPID": APPID,
        "GONGJIAN_WECHAT_SECRET": SECRET,
        "GONGJIAN_WECHAT_API_BASE": wx.base_url,
    }
