"""A fake WeChat API on a loopback port, which the app's real httpx code talks to over a socket
exactly as it would to WeChat:

- `GET /sns/jscode2session` answers from a table of codes (unknown codes: errcode 40029);
- `POST /cgi-bin/stable_token` hands out access tokens (the same one while it is valid, a new one on
  `force_refresh`), recording each request;
- `POST /cgi-bin/message/subscribe/send` checks the token (40001 if it isn't a valid one), answers
  from a per-openid script (errcode 0 once the script runs out) and records what it received.
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

    # --- subscription messages ---
    # Every stable_token request body, in order.
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    # Answers for the next stable_token requests (a JSON answer or ("status", 500)), before the real one.
    token_script: list[Any] = field(default_factory=list)
    token_lifetime: int = 7200
    current_token: str | None = None
    tokens_issued: list[str] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    # openid → answers for its next sends: an errcode, ("status", 502), ("sleep", s) or "not-json".
    send_script: dict[str, list[Any]] = field(default_factory=dict)
    # Every subscribeMessage.send received: {"access_token": …, **body}, with the errcode answered.
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The messages WeChat accepted (errcode 0), without the token."""
        return [
            {k: v for k, v in r.items() if k not in ("access_token", "errcode")}
            for r in self.received
            if r["errcode"] == 0
        ]

    def new_token(self) -> str:
        """A new current token, the only valid one (as when another party forced a refresh)."""
        self.tokens_issued.append(f"ACCESS-TOKEN-{len(self.tokens_issued) + 1}")
        self.current_token = self.tokens_issued[-1]
        self.valid_tokens = {self.current_token}
        return self.current_token

    def revoke_current_token(self) -> None:
        """WeChat stops accepting the current token but stable_token keeps handing it out until forced."""
        self.valid_tokens.discard(self.current_token or "")

    def script(self, openid: str, *answers: Any) -> None:
        self.send_script.setdefault(openid, []).extend(answers)


@contextmanager
def fake_wechat() -> Iterator[FakeWechat]:
    state = FakeWechat()
    lock = threading.Lock()

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

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(200, json.dumps({"errcode": 47001, "errmsg": "data format error"}).encode(), "text/plain")
                return
            if parts.path == "/cgi-bin/stable_token":
                with lock:
                    state.token_requests.append(body)
                    answer = self._token_answer(body)
            elif parts.path == "/cgi-bin/message/subscribe/send":
                with lock:
                    answer = self._send_answer(query.get("access_token", ""), body)
            else:
                self._send(404, b"not found")
                return
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
                answer = {"errcode": -1, "errmsg": "system busy"}
            if isinstance(answer, tuple) and answer[0] == "status":
                self._send(answer[1], b"<html>bad gateway</html>")
                return
            if answer == "not-json":
                self._send(200, b"<html>not json</html>")
                return
            self._send(200, json.dumps(answer).encode(), "text/plain")

        def _token_answer(self, body: dict[str, Any]) -> Any:
            if state.token_script:
                return state.token_script.pop(0)
            if body.get("grant_type") != "client_credential":
                return {"errcode": 40002, "errmsg": "invalid grant_type"}
            if body.get("appid") != APPID or body.get("secret") != SECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            token = state.current_token
            if token is None or body.get("force_refresh") is True:
                token = state.new_token()
            return {"access_token": token, "expires_in": state.token_lifetime}

        def _send_answer(self, token: str, body: dict[str, Any]) -> Any:
            openid = body.get("touser", "")
            if token not in state.valid_tokens:
                answer: Any = 40001
            else:
                pending = state.send_script.get(openid) or []
                answer = pending.pop(0) if pending else 0
            errcode = answer if isinstance(answer, int) else None
            state.received.append({"access_token": token, **body, "errcode": errcode})
            return {"errcode": answer, "errmsg": "ok" if answer == 0 else "error"} if errcode is not None else answer

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


def use_fake_wechat(monkeypatch: Any, wx: FakeWechat, **settings: Any) -> None:
    """Point the app's settings at the fake (and set any other settings given, e.g. template ids)."""
    from gongjian.settings import get_settings

    current = get_settings()
    for name, value in {
        "wechat_appid": APPID,
        "wechat_secret": SECRET,
        "wechat_api_base": wx.base_url,
        "wechat_timeout_seconds": 1.0,
        **settings,
    }.items():
        monkeypatch.setattr(current, name, value)


def wechat_env(wx: FakeWechat) -> dict[str, str]:
    return {
        "GONGJIAN_WECHAT_APPID": APPID,
        "GONGJIAN_WECHAT_SECRET": SECRET,
        "GONGJIAN_WECHAT_API_BASE": wx.base_url,
    }
