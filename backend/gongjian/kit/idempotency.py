"""`Idempotency-Key` for POSTs that mobile clients retry.

A pure ASGI middleware (no per-request cost for requests without the header):
- first request with a key: a row is stored `in_progress` (committed), the request runs, and a
  success answer is stored with the row;
- the same caller, key and body within 24 h: the stored answer is replayed, nothing runs again;
- the same key with another body: 422 `idempotency_key_reused`;
- while the first request is still running: 409 `idempotency_in_progress`.
A request that fails (4xx/5xx) releases its key, so the client may fix the body and retry with it.
The row is claimed in its own short transaction before the request runs, so two processes can't
both run the same key: the unique (principal, key) constraint decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_response
from gongjian.models import IdempotencyRecord
from gongjian.models.base import utcnow

KEY_TTL = timedelta(hours=24)
# An in_progress row older than this belongs to a request that died (process killed): reclaimable.
STALE_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255
# Response headers worth replaying.
REPLAYED_HEADERS = ("location", "etag", "content-type")

PrincipalResolver = Callable[[dict[str, str]], str | None]


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, resolve_principal: PrincipalResolver) -> None:
        self.app = app
        self.resolve_principal = resolve_principal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            await problem_response(
                400, "invalid_idempotency_key", "请求有误", f"Idempotency-Key 须为 1–{MAX_KEY_LENGTH} 个字符"
            )(scope, receive, send)
            return
        principal = self.resolve_principal(headers)
        if principal is None:
            # Unauthenticated: let the app answer 401 as usual; nothing to scope the key to.
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        request_hash = hashlib.sha256(
            b"\n".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        outcome = _claim(principal, key, scope["method"], scope["path"], request_hash)
        if outcome is not None:
            await outcome(scope, receive, send)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, _replay_body(body), capture_send)
        finally:
            _finish(principal, key, captured)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _claim(principal: str, key: str, method: str, path: str, request_hash: str) -> ASGIApp | None:
    """Take the key for this request, or return the answer for a key already taken."""
    now = utcnow()
    with unit_of_work() as session:
        existing = session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
        ).scalar_one_or_none()
        if existing is not None:
            expired = now - existing.created_at > KEY_TTL
            abandoned = existing.state == "in_progress" and now - existing.created_at > STALE_AFTER
            if not (expired or abandoned):
                return _answer_for(existing, request_hash)
            session.delete(existing)
            session.flush()
    try:
        with unit_of_work() as session:
            session.add(
                IdempotencyRecord(
                    principal=principal,
                    key=key,
                    method=method,
                    path=path,
                    request_hash=request_hash,
                    state="in_progress",
                    created_at=now,
                )
            )
    except IntegrityError:
        # Another process claimed the same key between our read and insert.
        with unit_of_work() as session:
            existing = session.execute(
                select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
            ).scalar_one()
            return _answer_for(existing, request_hash)
    return None


def _answer_for(record: IdempotencyRecord, request_hash: str) -> ASGIApp:
    if record.state != "completed":
        return problem_response(
            409,
            "idempotency_in_progress",
            "操作冲突",
            "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
            headers={"Retry-After": "1"},
        )
    if record.request_hash != request_hash:
        return problem_response(
            422,
            "idempotency_key_reused",
            "请求内容无效",
            "该 Idempotency-Key 已用于另一个请求内容，请换一个键",
        )
    headers = dict(record.response_headers or {})
    headers["Idempotent-Replayed"] = "true"
    return Response(record.response_body or "", status_code=record.status_code or 200, headers=headers)


def _finish(principal: str, key: str, captured: dict[str, Any]) -> None:
    where = (IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
    with unit_of_work() as session:
        if 200 <= captured["status"] < 300:
            kept = {
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in captured["headers"]
                if k.decode("latin-1").lower() in REPLAYED_HEADERS
            }
            session.execute(
                update(IdempotencyRecord)
                .where(*where)
                .values(
                    state="completed",
                    status_code=captured["status"],
                    response_body=captured["body"].decode("utf-8", errors="replace"),
                    response_headers=kept,
                )
            )
        else:
            session.execute(delete(IdempotencyRecord).where(*where))


def purge_expired() -> int:
    """Drop records past their 24 h life (`gongjian purge-idempotency`, e.g. from cron)."""
    with unit_of_work() as session:
        result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEY_TTL))
        return int(getattr(result, "rowcount", 0) or 0)
