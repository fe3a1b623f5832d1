"""Request bodies: a size limit per operation, and the checks that must come before a body is read.

`BodyLimitMiddleware` is a pure ASGI middleware in front of everything that reads a body (the
idempotency middleware, FastAPI's parsing). For a request that may carry one (not GET, HEAD or
OPTIONS: the lists' hot path passes through after one set lookup) it finds the operation in a table
built once from the routes, then, in this order and before reading a byte of the body:
- runs the operation's guard, which sees only the headers: authentication (auth.dependencies), so
  an anonymous or forged caller is answered 401 however large a body it announces;
- refuses a declared `Content-Length` above the operation's limit: 413 `payload_too_large`.
While the body is read it counts the bytes (a chunked upload declares no length) and stops at the
limit with the same 413; and it refuses a JSON body nested deeper than `MAX_JSON_DEPTH` with 422
`nesting_too_deep` before FastAPI parses it into models (recursive validators overflow the stack
on a few hundred levels, and each such 500 logged a traceback of ~200 KB).

The limit is `DEFAULT_LIMIT` (JSON and form bodies); an operation that takes files declares its own
with `dependencies=[body_limit(...)]`, which also says so in the operation's description in the spec
(`document_body_limits`).

Why not FastAPI's own `max_body_size`: it answers text/plain, it applies after routing (when the
idempotency middleware has already read the body) and it can't authenticate before the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from fastapi.routing import RouteContext
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongjian.kit.errors import ProblemError, problem_response, problem_responses
from gongjian.kit.openapi_docs import dependency_of, operations_of, place_after

MiB = 1024 * 1024
DEFAULT_LIMIT = MiB
MAX_JSON_DEPTH = 32
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})

# Runs on the request's headers before its body is read; raises ProblemError to refuse it.
Guard = Callable[[Scope], None]


class BodyLimit:
    """The dependency behind `body_limit()`: carries the limit for the table and the spec."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    async def __call__(self) -> None:
        """Nothing to do by the time the endpoint runs: the middleware has enforced the limit."""


def body_limit(max_bytes: int) -> Any:
    """`@router.post(..., dependencies=[body_limit(10 * MiB)])`: this operation's own body limit."""
    return Depends(BodyLimit(max_bytes))


def _describe(size: int) -> str:
    return f"{size // MiB} MiB" if size % MiB == 0 else f"{size // 1024} KiB"


def too_large(limit: int) -> ProblemError:
    return ProblemError(413, "payload_too_large", "请求内容过大", f"请求内容不能超过 {_describe(limit)}")


def document_body_limits(schema: dict[str, Any], routes: list[RouteContext]) -> None:
    """Every operation that takes a body may answer 413; a declared limit is said in the operation's
    description (the default one in the API's)."""
    for route in routes:
        if not route.include_in_schema:
            continue
        declared = dependency_of(route, BodyLimit)
        for operation in operations_of(schema, route):
            if "requestBody" not in operation:
                continue
            operation["responses"].setdefault("413", problem_responses(413)[413])
            if declared is not None:
                note = f"请求体（含上传文件）不能超过 {_describe(declared.max_bytes)}，超过时答复 413。"
                text = "\n\n".join(filter(None, [operation.get("description"), note]))
                place_after(operation, "description", text, "summary", "tags")


@dataclass(frozen=True, slots=True)
class _Operation:
    pattern: re.Pattern[str]
    limit: int
    guard: Guard | None


def _first_segment(path: str) -> str:
    """`/api/v1/members/3` → `members`: the bucket an operation is looked up in."""
    parts = path.split("/", 4)
    return parts[3] if len(parts) > 3 else ""


class OperationTable:
    """Every operation that can take a body, bucketed by method and first path segment under the
    API prefix, in the routes' order (the first match is the one Starlette will route to)."""

    def __init__(self, routes: list[RouteContext], guard_of: Callable[[RouteContext], Guard | None]) -> None:
        self._buckets: dict[tuple[str, str], list[_Operation]] = {}
        for route in routes:
            declared = dependency_of(route, BodyLimit)
            operation = _Operation(route.path_regex, declared.max_bytes if declared else DEFAULT_LIMIT, guard_of(route))
            segment = _first_segment(route.path_format or "")
            if "{" in segment:
                raise RuntimeError(f"{route.path_format}: an operation table needs a literal first segment")
            for method in (route.methods or set()) - _NO_BODY:
                self._buckets.setdefault((method, segment), []).append(operation)

    def find(self, method: str, path: str) -> _Operation | None:
        for operation in self._buckets.get((method, _first_segment(path)), ()):
            if operation.pattern.match(path):
                return operation
        return None


# A JSON string (skipped whole, brackets inside it don't nest), an opening or a closing bracket.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.)*+"|([\[{])|([\]}])')


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text opens more than `limit` arrays or objects inside each other.

    Cheap for ordinary bodies: fewer brackets than the limit can't nest deeper than it, and only a
    body with more is scanned (at the regex engine's speed, strings skipped whole)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        if token.lastindex == 1:
            depth += 1
            if depth > limit:
                return True
        elif token.lastindex == 2:
            depth -= 1
    return False


def _is_json(headers: Headers) -> bool:
    # FastAPI parses a body without a content type as JSON too.
    content_type = headers.get("content-type")
    return content_type is None or "json" in content_type.split(";", 1)[0]


class _Refused(Exception):
    def __init__(self, problem: ProblemError) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _answer(problem: ProblemError) -> ASGIApp:
    return problem_response(
        problem.status, problem.code, problem.title, problem.detail, errors=problem.errors, headers=problem.headers
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, operations: OperationTable) -> None:
        self.app = app
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        operation = self.operations.find(scope["method"], get_route_path(scope))
        limit = operation.limit if operation else DEFAULT_LIMIT
        headers = Headers(scope=scope)
        try:
            if operation is not None and operation.guard is not None:
                operation.guard(scope)
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise too_large(limit)
        except ProblemError as refusal:
            await _answer(refusal)(scope, receive, send)
            return
        await _BoundedBody(self.app, limit, _is_json(headers))(scope, receive, send)


class _BoundedBody:
    """One request whose body is counted (and depth-checked) as the app reads it.

    A refusal is raised from `receive`; whatever the reader makes of that exception (FastAPI turns
    it into a 400, the idempotency middleware lets it through), the answer is the refusal: the
    app's own answer is swapped for it as it starts.
    """

    def __init__(self, app: ASGIApp, limit: int, json: bool) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.chunks: list[bytes] | None = [] if json else None
        self.refusal: ProblemError | None = None
        self.started = False
        self.replaced = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted_receive() -> Message:
            if self.refusal is not None:
                raise _Refused(self.refusal)
            message = await receive()
            if message["type"] == "http.request":
                self._take(message.get("body", b""), more=message.get("more_body", False))
            return message

        async def guarded_send(message: Message) -> None:
            if self.replaced:
                return  # the rest of the app's answer to a refused body
            if message["type"] == "http.response.start":
                if self.refusal is not None and not self.started:
                    self.started = self.replaced = True
                    await _answer(self.refusal)(scope, receive, send)
                    return
                self.started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _Refused:
            if self.started:
                raise
        if self.refusal is not None and not self.started:
            self.started = True
            await _answer(self.refusal)(scope, receive, send)

    def _take(self, chunk: bytes, *, more: bool) -> None:
        self.received += len(chunk)
        if self.received > self.limit:
            self.refusal = too_large(self.limit)
        elif self.chunks is not None:
            self.chunks.append(chunk)
            if not more:
                body, self.chunks = b"".join(self.chunks), None
                if nested_deeper_than(body, MAX_JSON_DEPTH):
                    self.refusal = ProblemError(
                        422, "nesting_too_deep", "请求内容无效", f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层"
                    )
        if self.refusal is not None:
            raise _Refused(self.refusal)
