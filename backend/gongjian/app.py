"""The ASGI application: routers under /api/v1, Swagger UI at /docs, the members' mobile web app at
/m/, the built SPA at /."""

from __future__ import annotations

import gc
import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from gongjian.activities.router import router as activities_router
from gongjian.api_keys.router import router as api_keys_router
from gongjian.audit.router import router as audit_router
from gongjian.auth.dependencies import authenticate, authenticate_before_body, document_security
from gongjian.auth.router import router as auth_router
from gongjian.calendar_days.router import router as calendar_days_router
from gongjian.cards.router import router as cards_router
from gongjian.claims.router import router as claims_router
from gongjian.concerns.router import router as concerns_router
from gongjian.db import WriteIntentMiddleware
from gongjian.evaluation.router import router as evaluation_router
from gongjian.honors.router import router as honors_router
from gongjian.kit.body_limit import BodyLimitMiddleware, OperationTable, document_body_limits
from gongjian.kit.errors import COMMON_PROBLEMS, ProblemError, install_problem_handlers, problem_schemas
from gongjian.kit.idempotency import IdempotencyMiddleware
from gongjian.kit.input_guard import RejectNulMiddleware
from gongjian.kit.openapi_docs import document_links
from gongjian.kit.query import document_query_models
from gongjian.kit.routing import API_PREFIX, DomainRouter
from gongjian.kit.security_headers import (
    MOBILE_APP_POLICY,
    SecurityHeadersMiddleware,
    policy_allowing_inline_scripts,
)
from gongjian.me.router import router as me_router
from gongjian.meetings.router import router as meetings_router
from gongjian.members.router import router as members_router
from gongjian.meta.router import router as meta_router
from gongjian.notifications.router import router as notifications_router
from gongjian.organizations.router import router as organizations_router
from gongjian.reports.router import router as reports_router
from gongjian.residents.router import router as residents_router
from gongjian.settings import get_settings
from gongjian.stats.router import router as stats_router
from gongjian.uploads.router import router as uploads_router
from gongjian.users.router import router as users_router
from gongjian.volunteering.router import public_router as certificates_router
from gongjian.volunteering.router import router as volunteering_router
from gongjian.webhooks.router import router as webhooks_router
from gongjian.wechat.router import router as wechat_router
from gongjian.wishes.router import router as wishes_router

DESCRIPTION = """
共建（Gongjian）社区党建共驻共建平台 API。

- 登录：`POST /api/v1/auth/token`（表单 username、password）取得 Bearer 令牌，或用 `X-API-Key`。
- 错误统一为 `application/problem+json`，带稳定的 `code`。
- 列表统一分页：`?page=&page_size=`（最多 100），返回 `{items, total, page, page_size}`。
- 请求体不超过 1 MiB（上传文件的接口在其说明中另定），超过答复 413；JSON 嵌套不超过 32 层。
"""

DOMAIN_ROUTERS: list[DomainRouter] = [
    meta_router,
    auth_router,
    me_router,
    users_router,
    api_keys_router,
    organizations_router,
    audit_router,
    claims_router,
    wishes_router,
    members_router,
    reports_router,
    residents_router,
    cards_router,
    activities_router,
    volunteering_router,
    certificates_router,
    meetings_router,
    concerns_router,
    honors_router,
    stats_router,
    wechat_router,
    webhooks_router,
    notifications_router,
    evaluation_router,
    uploads_router,
    calendar_days_router,
]


def operation_id(route: APIRoute) -> str:
    """Operation ids are the endpoint function names: stable, readable in generated clients."""
    return route.name


def _idempotency_principal(headers: dict[str, str]) -> str | None:
    """Whose `Idempotency-Key` this is, authenticated exactly as the endpoint will authenticate it:
    an expired or outdated token, a deactivated user or a revoked key is nobody (no replay; the app
    answers 401)."""
    try:
        return authenticate(headers.get("authorization"), headers.get("x-api-key")).key
    except ProblemError:
        return None


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    _freeze_startup_objects()
    yield


@cache
def _freeze_startup_objects() -> None:
    """Exclude what the process built at start (modules, models, schemas, routes: ~210,000 objects)
    from the garbage collector's full passes.

    They live as long as the process, yet every full collection walked them all: 155 ms with the
    event loop stopped, about once per 40,000 requests, which every request in flight waited out
    (the p99 of `make bench` jumped from ~25 ms to ~140 ms in the round where it happened). Frozen,
    a full pass only walks what was created since. Done once per process (`cache`).
    """
    gc.collect()
    gc.freeze()


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="共建 Gongjian API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # _mount_docs: Swagger UI's files from the app, not a CDN
        redoc_url=None,
        generate_unique_id_function=operation_id,
        # No validator badge: it is an image from a public service.
        swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
    )
    install_problem_handlers(app)
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=COMMON_PROBLEMS)
        router.mounted_under(API_PREFIX)
    _check_unique_operation_ids(app)
    _complete_openapi(app)
    app.add_middleware(IdempotencyMiddleware, resolve_principal=_idempotency_principal)
    # Outside the idempotency middleware, which reads bodies: limits and authentication come first.
    app.add_middleware(BodyLimitMiddleware, operations=OperationTable(api_routes(app), authenticate_before_body))
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(WriteIntentMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    _mount_docs(app)
    _mount_miniapp(app, get_settings().miniapp_dir)
    _mount_spa(app, get_settings().spa_dir)
    return app


def api_routes(app: FastAPI) -> list[RouteContext]:
    """Every API operation as served: included routers flattened, prefixes applied."""
    return [context for context in iter_route_contexts(app.routes) if isinstance(context.original_route, APIRoute)]


def _check_unique_operation_ids(app: FastAPI) -> None:
    seen: set[str] = set()
    for route in api_routes(app):
        name = str(route.name)
        if name in seen:
            raise RuntimeError(f"duplicate operation id {name}")
        seen.add(name)


def _complete_openapi(app: FastAPI) -> None:
    """What FastAPI can't see in the routes: the security each operation requires (authentication
    is one plain dependency, see auth.dependencies) and the problem+json shapes routes reference by
    name (kit.errors.problem_content) with the models they nest."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        routes = api_routes(app)
        document_security(schema, routes)
        document_query_models(schema, routes)
        document_body_limits(schema, routes)
        document_links(schema)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in problem_schemas().items():
            defs = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for sub_name, sub in defs.pop("$defs", {}).items():
                components.setdefault(sub_name, sub)
            components[name] = defs
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI at /docs, its files served by the app from the fastapi-offline package: nothing
    loads from another origin (an intranet without internet sees it too), and the page's one inline
    start-up script is allowed by its hash in the page's Content-Security-Policy."""
    app.mount("/docs/static", StaticFiles(directory=str(files("fastapi_offline") / "static")), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}/docs/static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/static/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/static/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        html = bytes(page.body).decode()
        return HTMLResponse(html, headers={"Content-Security-Policy": policy_allowing_inline_scripts(html)})


def _mount_miniapp(app: FastAPI, h5_dir: Path) -> None:
    """Serve the members' app's mobile web build (uni-app h5, router base /m/) at /m/, with history-mode
    fallback to its index.html. Registered before the SPA's catch-all, which would otherwise answer."""
    index = h5_dir / "index.html"
    if not index.exists():
        return
    root = h5_dir.resolve()
    headers = {"Content-Security-Policy": MOBILE_APP_POLICY}

    @app.get("/m", include_in_schema=False)
    async def miniapp_root() -> RedirectResponse:
        return RedirectResponse("/m/", status_code=308)

    @app.get("/m/{path:path}", include_in_schema=False)
    async def miniapp(path: str, request: Request) -> FileResponse:
        candidate = (h5_dir / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            return _static_answer(candidate, request, headers, hashed=path.startswith("assets/"))
        if candidate.is_relative_to(root / "assets"):
            raise HTTPException(404)  # a missing script is not the page: its HTML would be parsed as JS
        return _static_answer(index, request, {**headers, "Cache-Control": "no-cache"})


def _mount_spa(app: FastAPI, spa_dir: Path) -> None:
    """Serve the built SPA at / with history-mode fallback to index.html; /api and /docs untouched."""
    index = spa_dir / "index.html"
    if not index.exists():
        return
    root = spa_dir.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> FileResponse:
        if path.startswith(("api/", "docs")):
            raise HTTPException(404)
        candidate = (spa_dir / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            return _static_answer(candidate, request, {}, hashed=path.startswith("assets/"))
        if candidate.is_relative_to(root / "assets"):
            raise HTTPException(404)  # a missing script is not the page: its HTML would be parsed as JS
        return _static_answer(index, request, {"Cache-Control": "no-cache"})


# Vite and uni-app name every file under assets/ by its content's hash: a changed file is a new URL,
# so a browser may keep one for a year without asking again. index.html (no-cache) names them.
IMMUTABLE = "public, max-age=31536000, immutable"
# The build writes `.br` and `.gz` beside each compressible file (frontend/scripts/precompress.mjs).
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def _accepted_encodings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (a `;q=0` refuses one)."""
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            refused = float(quality) <= 0
        except ValueError:
            refused = False
        if name and not refused:
            accepted.add(name.strip().lower())
    return accepted


def _static_answer(path: Path, request: Request, headers: dict[str, str], *, hashed: bool = False) -> FileResponse:
    """A built file, as its precompressed variant when there is one the client accepts."""
    headers = {**headers, "Vary": "Accept-Encoding"}
    if hashed:
        headers["Cache-Control"] = IMMUTABLE
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    accepted = _accepted_encodings(request.headers.get("accept-encoding", ""))
    for encoding, suffix in _ENCODINGS:
        variant = path.with_name(path.name + suffix)
        if encoding in accepted and variant.is_file():
            return FileResponse(variant, media_type=media_type, headers={**headers, "Content-Encoding": encoding})
    return FileResponse(path, media_type=media_type, headers=headers)


app = create_app()
