"""Finding 1: request bodies had no size limit and were parsed before authentication.

The attack: an anonymous `POST /members` with a 30 MB JSON body was read and parsed in full (the
process grew from 217 to 962 MiB) before the answer 401. The safe answer: an operation that needs
a caller authenticates from the headers first and answers 401 without reading the body; a body
declared larger than the operation's limit (1 MiB for JSON, the member import its own) is refused
with 413 `payload_too_large` unread; a body streamed without a length is cut off at the limit.

The requests below send the headers and only a small part of the body they announce, then wait
for the answer: a server that reads the body before answering never answers (the test's socket
times out), one that answers from the headers does at once.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from factories import assert_problem, login, make_org, make_user, username_of
from gongjian.models.enums import Role

MiB = 1024 * 1024
# Long enough for a loaded machine to answer a request it can answer from its headers.
ANSWER_SECONDS = 20


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status_code = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.text = response.read().decode()

    def json(self) -> Any:
        return json.loads(self.text)


def _connection(server: str) -> http.client.HTTPConnection:
    parts = urlsplit(server)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=ANSWER_SECONDS)


def send_part(server: str, path: str, announced: int, sent: bytes, headers: dict[str, str] | None = None) -> Answer:
    """Announce a body of `announced` bytes, send only `sent`, and read the answer."""
    conn = _connection(server)
    try:
        conn.putrequest("POST", path)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(announced))
        conn.endheaders(sent)
        return Answer(conn.getresponse())
    finally:
        conn.close()


def send_chunked(server: str, path: str, total: int, headers: dict[str, str]) -> Answer:
    """Stream `total` bytes in 64 KiB chunks without a length (and without the closing chunk)."""
    conn = _connection(server)
    try:
        conn.putrequest("POST", path)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            conn.putheader(name, value)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        chunk = b"[" + b" " * (64 * 1024 - 1)
        sent = 0
        while sent < total:
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            chunk = b" " * len(chunk)
        return Answer(conn.getresponse())
    finally:
        conn.close()


def _admin(http: httpx.Client) -> dict[str, str]:
    return login(http, username_of(make_user(Role.admin)))


def test_anonymous_30_mb_body_is_refused_before_it_is_read(server: str) -> None:
    answer = send_part(server, "/api/v1/members", 30_000_000, b'{"name": "' + b"x" * 1000)
    body = assert_problem(answer, 401, "unauthorized")
    assert answer.headers["www-authenticate"] == "Bearer"
    assert body["detail"] == "请先登录或提供 API 密钥"


def test_invalid_credentials_are_refused_before_the_body_is_read(server: str) -> None:
    for headers in ({"Authorization": "Bearer not-a-token"}, {"X-API-Key": "gj_not_a_key"}):
        answer = send_part(server, "/api/v1/organizations", 30_000_000, b"{", headers)
        assert_problem(answer, 401, "unauthorized")


def test_import_is_authenticated_before_its_upload_is_read(server: str) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    answer = send_part(server, "/api/v1/members/import", 30_000_000, b"--b\r\n", headers)
    assert_problem(answer, 401, "unauthorized")


def test_json_body_declared_over_1_mib_is_refused_unread(server: str, http: httpx.Client) -> None:
    answer = send_part(server, "/api/v1/organizations", MiB + 1, b"{", _admin(http))
    body = assert_problem(answer, 413, "payload_too_large")
    assert body["detail"] == "请求内容不能超过 1 MiB"


def test_streamed_json_body_is_cut_off_at_1_mib(server: str, http: httpx.Client) -> None:
    answer = send_chunked(server, "/api/v1/organizations", MiB + 64 * 1024, _admin(http))
    assert_problem(answer, 413, "payload_too_large")


def test_login_form_is_limited_too(server: str) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = send_part(server, "/api/v1/auth/token", MiB + 1, b"username=", headers)
    assert_problem(answer, 413, "payload_too_large")


def test_json_body_just_under_the_limit_is_accepted(http: httpx.Client) -> None:
    body = json.dumps({"name": "大小刚好的社区", "kind": "community", "code": "big1"}).encode()
    padded = body[:-1] + b" " * (MiB - len(body)) + b"}"
    response = http.post("organizations", content=padded, headers={**_admin(http), "Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_member_import_has_its_own_larger_limit(server: str, http: httpx.Client) -> None:
    community = make_org("community")
    admin = login(http, username_of(make_user(Role.community_admin, community)))
    # 2 MiB is over the JSON limit but within the import's: the file is read, and refused as a file.
    junk = b"\x00not a spreadsheet" * (2 * MiB // 18)
    response = http.post("members/import", files={"file": ("members.xlsx", junk)}, headers=admin)
    assert_problem(response, 422, "import_unreadable")
    headers = {**admin, "Content-Type": "multipart/form-data; boundary=b"}
    answer = send_part(server, "/api/v1/members/import", 11 * MiB, b"--b\r\n", headers)
    body = assert_problem(answer, 413, "payload_too_large")
    assert body["detail"] == "请求内容不能超过 10 MiB"


def test_the_import_limit_is_in_the_spec(http: httpx.Client) -> None:
    spec = http.get("openapi.json").json()
    operation = spec["paths"]["/api/v1/members/import"]["post"]
    assert "10 MiB" in operation["description"]
    assert "413" in operation["responses"]
