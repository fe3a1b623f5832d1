"""`Idempotency-Key` for POSTs that mobile clients retry.

A pure ASGI middleware (no per-request cost for requests without the header):
- the caller is authenticated as the endpoint would authenticate it (`resolve_principal`): an
  expired or outdated token, a deactivated user or a revoked key is nobody, gets no replay, and the
  app answers it 401 as usual;
- first request with a key: a row is stored `in_progress` (committed), the request runs, and a
  success answer is stored with the row;
- the same caller, key and body within 24 h: the stored answer is replayed, nothing runs again;
- an answer that carries a secret or personal data (a response model with a `Confidential` field,
  kit/schemas.py) or that we can't see into is not stored: the row keeps only its status and
  `Location` (`withheld`), and a retry gets 409 `idempotency_not_replayable` — the secret was shown
  once, as when there is no retry;
- the same key with another body: 422 `idempotency_key_reused`;
- while the first request is still running: 409 `idempotency_in_progress`, however long it runs.
  The running request renews its marker every quarter of the lease (`heartbeat_at`,
  `GONGJIAN_IDEMPOTENCY_LEASE_SECONDS`); a marker not renewed for a whole lease belongs to a request
  whose process died, and its key may run again.
A request that fails (4xx/5xx) releases its key, so the client may fix the body and retry with it.
The row is claimed in its own short transaction before the request runs, so two processes can't
both run the same key: the unique (principal, key) constraint decides. Expired rows are deleted a
batch at a time as new keys are claimed (`gongjian purge-idempotency` remains for a full sweep).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_response
from gongjian.kit.schemas import carries_confidential
from gongjian.models import IdempotencyRecord
from gongjian.models.base import utcnow
from gongjian.settings import get_settings

logger = logging.getLogger("gongjian.idempotency")

KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Expired rows deleted per claim: more than one key is claimed, so the store shrinks as it grows.
PURGE_BATCH = 100
# Response headers worth replaying; a withheld answer keeps only where the created resource is.
REPLAYED_HEADERS = ("location", "etag", "content-type")
WITHHELD_HEADERS = ("location",)

IN_PROGRESS, COMPLETED, WITHHELD = "in_progress", "completed", "withheld"

PrincipalResolver = Callable[[dict[str, str]], str | None]


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, resolve_principal: PrincipalResolver) -> None:
        self.app = app
        self.resolve_principal = resolve_principal
        # By route identity (routes live as long as the app; APIRoute isn't hashable).
        self._withheld_routes: dict[int, bool] = {}

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
            # Not a valid caller: let the app answer 401 as usual; nothing to scope the key to.
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        request_hash = hashlib.sha256(
            b"\n".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        claimed = _claim(principal, key, scope["method"], scope["path"], request_hash)
        if not isinstance(claimed, int):
            await claimed(scope, receive, send)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        heartbeat = asyncio.create_task(_renew_while_running(claimed))
        try:
            await self.app(scope, _replay_body(body), capture_send)
        finally:
            heartbeat.cancel()
            _finish(claimed, captured, self._withholds(scope, captured["body"]))

    def _withholds(self, scope: Scope, body: bytes) -> bool:
        """Whether this answer must not be stored: its route's response model can carry a
        confidential field, or the route declares no model (a body we can't see into)."""
        route = scope.get("route")
        model = getattr(route, "response_model", None)
        if model is None:
            return bool(body)
        withheld = self._withheld_routes.get(id(route))
        if withheld is None:
            withheld = self._withheld_routes[id(route)] = carries_confidential(model)
        return withheld


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


def _lease() -> timedelta:
    return timedelta(seconds=get_settings().idempotency_lease_seconds)


def _claim(principal: str, key: str, method: str, path: str, request_hash: str) -> int | ASGIApp:
    """Take the key for this request (the new row's id), or return the answer for a key already taken."""
    now = utcnow()
    with unit_of_work() as session:
        expired_ids = list(
            session.execute(
                select(IdempotencyRecord.id)
                .where(IdempotencyRecord.created_at < now - KEY_TTL)
                .order_by(IdempotencyRecord.created_at)
                .limit(PURGE_BATCH)
            ).scalars()
        )
        existing = session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
        ).scalar_one_or_none()
        if existing is not None:
            last_sign_of_life = existing.heartbeat_at or existing.created_at
            # Past its life, or in progress but not renewed for a lease: its process died.
            abandoned = existing.state == IN_PROGRESS and now - last_sign_of_life > _lease()
            if not (existing.id in expired_ids or abandoned):
                return _answer_for(existing, request_hash)
            session.delete(existing)
            expired_ids = [i for i in expired_ids if i != existing.id]
    if expired_ids:
        _purge(expired_ids)
    try:
        with unit_of_work() as session:
            record = IdempotencyRecord(
                principal=principal,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                state=IN_PROGRESS,
                created_at=now,
                heartbeat_at=now,
            )
            session.add(record)
            session.flush()
            return record.id
    except IntegrityError:
        # Another process claimed the same key between our read and insert.
        with unit_of_work() as session:
            existing = session.execute(
                select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
            ).scalar_one()
            return _answer_for(existing, request_hash)


def _purge(ids: list[int]) -> None:
    """Housekeeping, never a reason to fail the request: a busy database just leaves them for later."""
    try:
        with unit_of_work() as session:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
    except DBAPIError:
        logger.info("expired idempotency records left for a later claim", exc_info=True)


async def _renew_while_running(record_id: int) -> None:
    every = get_settings().idempotency_lease_seconds / 4
    while True:
        await anyio.sleep(every)
        try:
            await anyio.to_thread.run_sync(_renew, record_id, utcnow())
        except DBAPIError:
            logger.warning("could not renew an idempotency marker; trying again", exc_info=True)


def _renew(record_id: int, now: datetime) -> None:
    with unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id, IdempotencyRecord.state == IN_PROGRESS)
            .values(heartbeat_at=now)
        )


def _answer_for(record: IdempotencyRecord, request_hash: str) -> ASGIApp:
    if record.state == IN_PROGRESS:
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
    if record.state == WITHHELD:
        return problem_response(
            409,
            "idempotency_not_replayable",
            "操作冲突",
            "该请求已处理成功；其结果含密钥或个人信息，只返回一次，不能重放。请查询结果，或换一个 Idempotency-Key",
            headers=dict(record.response_headers or {}),
        )
    headers = dict(record.response_headers or {})
    headers["Idempotent-Replayed"] = "true"
    return Response(record.response_body or "", status_code=record.status_code or 200, headers=headers)


def _finish(record_id: int, captured: dict[str, Any], withheld: bool) -> None:
    with unit_of_work() as session:
        if not 200 <= captured["status"] < 300:
            session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
            return
        kept_headers = WITHHELD_HEADERS if withheld else REPLAYED_HEADERS
        kept = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in captured["headers"]
            if k.decode("latin-1").lower() in kept_headers
        }
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(
                state=WITHHELD if withheld else COMPLETED,
                status_code=captured["status"],
                response_body=None if withheld else captured["body"].decode("utf-8", errors="replace"),
                response_headers=kept,
            )
        )


def purge_expired() -> int:
    """Drop every record past its 24 h life (`gongjian purge-idempotency`); claims purge a batch each."""
    with unit_of_work() as session:
        result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEY_TTL))
        return int(getattr(result, "rowcount", 0) or 0)
