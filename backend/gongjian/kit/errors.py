"""One error envelope for the whole API: `application/problem+json` (RFC 9457) with a stable `code`.

Domains raise `ProblemError` (or one of the helpers below); the handlers registered by
`install_problem_handlers` turn it, validation failures, unknown routes and unexpected exceptions
into the same shape. Each route declares the shape via `PROBLEM_RESPONSES` so it is in the spec.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gongjian.kit.messages import error_loc, message_for

logger = logging.getLogger("gongjian.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
# How long a client is asked to wait after a busy database (a write holds the lock for milliseconds;
# the busy wait that came before was GONGJIAN_DB_BUSY_TIMEOUT_SECONDS).
BUSY_RETRY_AFTER_SECONDS = 2
# SQLite's SQLITE_BUSY and SQLITE_LOCKED (the low byte of an extended result code).
_SQLITE_BUSY_CODES = frozenset({5, 6})
# PostgreSQL: lock_not_available (lock_timeout), serialization_failure, deadlock_detected.
_POSTGRESQL_BUSY_STATES = frozenset({"55P03", "40001", "40P01"})


class FieldError(BaseModel):
    field: str = Field(description="出错字段的路径，如 body.name 或 query.page")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, plus a stable machine `code`."""

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail or title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.headers = headers
        self.errors = errors


def not_found(entity_label: str) -> ProblemError:
    """404 for a row that doesn't exist *or* that the caller may not see — deliberately the same."""
    return ProblemError(404, "not_found", "未找到", f"{entity_label}不存在或无权访问")


def forbidden(detail: str = "当前身份无权执行此操作") -> ProblemError:
    return ProblemError(403, "forbidden", "无权操作", detail)


def conflict(code: str, detail: str, field: str | None = None) -> ProblemError:
    """409; `field` names the input that clashes (e.g. a taken name) so forms can mark it."""
    errors = [FieldError(field=field, message=detail)] if field else None
    return ProblemError(409, code, "操作冲突", detail, errors=errors)


def unprocessable(code: str, detail: str, field: str | None = None) -> ProblemError:
    errors = [FieldError(field=field, message=detail)] if field else None
    return ProblemError(422, code, "请求内容无效", detail, errors=errors)


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:gongjian:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail is not None:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = [e.model_dump() for e in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


_STATUS_TITLES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "未登录或凭据无效"),
    403: ("forbidden", "无权操作"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持的请求方法"),
    406: ("not_acceptable", "无法提供所请求的格式"),
    409: ("conflict", "操作冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "请求内容无效"),
    429: ("too_many_requests", "请求过于频繁"),
}


def database_busy(exc: BaseException) -> bool:
    """The database couldn't give this request its lock in time: a retry can succeed (503), not a
    fault (500)."""
    # SQLAlchemy wraps the driver's error; `BEGIN IMMEDIATE`, issued straight on the driver's
    # connection (db._sqlite_begin), raises it bare.
    driver_error = exc.orig if isinstance(exc, OperationalError) else exc
    if isinstance(driver_error, sqlite3.OperationalError):
        return getattr(driver_error, "sqlite_errorcode", 0) & 0xFF in _SQLITE_BUSY_CODES
    return isinstance(exc, OperationalError) and getattr(driver_error, "sqlstate", None) in _POSTGRESQL_BUSY_STATES


def busy_response() -> JSONResponse:
    return problem_response(
        503,
        "database_busy",
        "服务繁忙",
        "数据库正忙，请求未执行；请稍后重试",
        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail, errors=exc.errors, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(field=_field_path(error_loc(e)), message=message_for(e)) for e in exc.errors()]
        return problem_response(422, "validation_error", "请求内容无效", "请检查标出的字段", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _STATUS_TITLES.get(exc.status_code, ("http_error", "请求失败"))
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = "请求的地址不存在"
        return problem_response(exc.status_code, code, title, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL refuses NUL characters in text, which JSON and query strings can carry; SQLite
        # stores them. Bad input, not a server fault, on either database.
        if "NUL" in str(exc.orig):
            return problem_response(422, "validation_error", "请求内容无效", "文本中不能包含 NUL（\\u0000）字符")
        return await _unexpected(request, exc)

    @app.exception_handler(OperationalError)
    @app.exception_handler(sqlite3.OperationalError)
    async def _operational(request: Request, exc: Exception) -> JSONResponse:
        if database_busy(exc):
            logger.warning("database busy on %s %s: answered 503", request.method, request.url.path)
            return busy_response()
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if database_busy(exc):  # raised in a middleware (idempotency), outside the handler above
            return busy_response()
        # Logged with the stack for operators; the caller never sees internals.
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "internal_error", "服务器内部错误", "请稍后重试；如果持续出现，请联系管理员")


# Problem shapes referenced by routes; the app puts each into the spec's components.
_PROBLEM_SCHEMAS: dict[str, type[BaseModel]] = {"Problem": Problem}


def problem_content(*models: type[BaseModel]) -> dict[str, Any]:
    """The `content` of a problem+json response whose body is one of `models` (default: Problem)."""
    chosen = models or (Problem,)
    refs = []
    for model in chosen:
        _PROBLEM_SCHEMAS[model.__name__] = model
        refs.append({"$ref": f"#/components/schemas/{model.__name__}"})
    schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
    return {PROBLEM_MEDIA_TYPE: {"schema": schema}}


def problem_schemas() -> dict[str, type[BaseModel]]:
    return dict(_PROBLEM_SCHEMAS)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "请求有误",
        401: "未登录或凭据无效",
        403: "无权操作",
        404: "未找到或无权访问",
        409: "状态冲突",
        412: "If-Match 与当前版本不符",
        413: "请求内容过大",
        415: "不支持的内容类型",
        422: "请求内容无效",
        428: "需要 If-Match",
        429: "请求过于频繁",
        500: "服务器内部错误",
        502: "上游服务（如微信）不可用",
        503: "服务未配置或暂不可用（如数据库正忙：稍后按 Retry-After 重试）",
    }
    return {s: {"description": descriptions[s], "content": problem_content()} for s in statuses}


# Declared on every API route: what any endpoint can answer besides its own success.
COMMON_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 429, 500, 503)
