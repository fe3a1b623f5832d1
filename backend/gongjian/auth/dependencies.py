"""Authentication as typed dependencies, declared once and used by every router.

`caller("organizations:read")` resolves the caller from a bearer token or an `X-API-Key` header.
Users are governed by their role (row rules live in each domain's permissions); API keys
additionally need every scope the endpoint names. The user row is read on every request so a
deactivation or password reset takes effect at once, with no state kept in the API process.

Why one dependency reading the headers itself rather than `Security()` over FastAPI's
`OAuth2PasswordBearer` and `APIKeyHeader`: FastAPI solves every sub-dependency with its own pass
over path, query, header and cookie parameters, and for the busiest lists that tree cost more than
the query (measured: README, "Architecture"). The two schemes stay declared in the spec, so Swagger
UI's Authorize button and generated clients see exactly what they saw before: `document_security`
writes them into each operation from the scopes recorded here.

A resident (role `resident`) is refused (403) by every operation but the few declared with
`caller(..., residents=True)`: its own wishes and concerns, their photos, its own profile and
account. Refusal is the default, so an operation added later is closed to residents until someone
opens it; which rows an opened operation shows a resident is its domain's `permissions.py`.

Operations that take a body authenticate before it is read: `kit.body_limit`'s middleware calls
`authenticate_before_body`'s guard with the request's headers and keeps the principal in the ASGI
scope, where the dependency finds it (one authentication per request, and a 401 for a caller
without valid credentials however large a body it announces).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.routing import RouteContext
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import bindparam, select, update
from starlette.datastructures import Headers
from starlette.types import Scope

from gongjian.auth.tokens import decode_token
from gongjian.db import HotQuery, get_engine
from gongjian.kit.body_limit import Guard
from gongjian.kit.errors import ProblemError
from gongjian.kit.openapi_docs import dependency_of, operations_of, place_after
from gongjian.kit.principal import Principal
from gongjian.kit.scopes import SCOPES
from gongjian.models import ApiKey, Organization, User
from gongjian.models.enums import ActorType, OrganizationKind, Role

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    scopes=SCOPES,
    auto_error=False,
    description="用户名密码登录获取的访问令牌（Bearer）。作用域只约束 API 密钥，用户按角色授权。",
)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="第三方系统与脚本使用的 API 密钥")

# A key's last use is written at most this often, so reads don't turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "unauthorized", "未登录或凭据无效", detail, headers={"WWW-Authenticate": "Bearer"})


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


# Every authenticated request runs this: compiled once, run on the raw cursor (see HotQuery).
_USER_BY_ID = HotQuery(
    select(User.id, User.display_name, User.role, User.organization_id, User.is_active, User.token_version).where(
        User.id == bindparam("user_id")
    )
)


def _user_principal(token: str) -> Principal:
    claims = decode_token(token, "access")
    if claims is None:
        raise _unauthorized("访问令牌无效或已过期")
    row = _USER_BY_ID.first(user_id=claims.user_id)
    if row is None:
        raise _unauthorized("访问令牌已失效，请重新登录")
    user_id, display_name, role, organization_id, is_active, token_version = row
    if not is_active or token_version != claims.token_version:
        raise _unauthorized("访问令牌已失效，请重新登录")
    return Principal(ActorType.user, user_id, display_name, Role(role), organization_id)


_ORG_ROLE = {
    OrganizationKind.district.value: Role.district_admin,
    OrganizationKind.street.value: Role.street_admin,
    OrganizationKind.community.value: Role.community_admin,
    OrganizationKind.unit.value: Role.unit_admin,
    OrganizationKind.social.value: Role.unit_admin,
}


def _api_key_principal(raw_key: str) -> Principal:
    now = datetime.now(UTC)
    with get_engine().connect() as conn:
        row = conn.execute(
            select(
                ApiKey.id,
                ApiKey.name,
                ApiKey.scopes,
                ApiKey.organization_id,
                ApiKey.revoked_at,
                ApiKey.last_used_at,
                Organization.kind,
            )
            .outerjoin(Organization, Organization.id == ApiKey.organization_id)
            .where(ApiKey.key_hash == hash_api_key(raw_key))
        ).first()
        if row is None or row.revoked_at is not None:
            raise _unauthorized("API 密钥无效或已吊销")
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            conn.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
            conn.commit()
    role = Role.admin if row.organization_id is None else _ORG_ROLE[row.kind]
    return Principal(ActorType.api_key, row.id, row.name, role, row.organization_id, frozenset(row.scopes))


def authenticate(authorization: str | None, api_key: str | None, scopes: tuple[str, ...] = ()) -> Principal:
    """The caller behind these two header values; API keys must hold every one of `scopes`."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return _user_principal(token.strip())
    if api_key:
        principal = _api_key_principal(api_key)
        missing = [s for s in scopes if s not in principal.scopes]
        if missing:
            raise ProblemError(
                403, "insufficient_scope", "权限范围不足", f"该 API 密钥缺少作用域：{', '.join(missing)}"
            )
        return principal
    raise _unauthorized("请先登录或提供 API 密钥")


# Where the principal authenticated before the body waits for the dependency: (scopes, principal).
_SCOPE_KEY = "gongjian.principal"

RESIDENT_REFUSED = ProblemError(
    403, "forbidden", "无权操作", "居民账号只能使用本人的微心愿、社情民意及其照片和本人信息"
)


class Authenticated:
    """The dependency behind `caller()`: one instance per scope set, so the spec can name them."""

    def __init__(self, scopes: tuple[str, ...], residents: bool = False) -> None:
        self.scopes = scopes
        self.residents = residents

    def _admitted(self, principal: Principal) -> Principal:
        if principal.is_resident and not self.residents:
            raise RESIDENT_REFUSED
        return principal

    async def __call__(self, request: Request) -> Principal:
        resolved = request.scope.get(_SCOPE_KEY)
        if resolved is not None and resolved[0] == self.scopes:
            return self._admitted(resolved[1])
        headers = request.headers
        return self._admitted(authenticate(headers.get("authorization"), headers.get("x-api-key"), self.scopes))

    def before_body(self, scope: Scope) -> None:
        headers = Headers(scope=scope)
        principal = self._admitted(authenticate(headers.get("authorization"), headers.get("x-api-key"), self.scopes))
        scope[_SCOPE_KEY] = (self.scopes, principal)


def authenticate_before_body(route: RouteContext) -> Guard | None:
    """The guard `kit.body_limit` runs on the headers of a request for `route`, if it authenticates."""
    auth = dependency_of(route, Authenticated)
    return auth.before_body if auth is not None else None


def caller(*scopes: str, residents: bool = False) -> Any:
    """`Annotated[Principal, caller("x:read")]`: the signed-in user or API key making the request.
    `residents=True` opens the operation to residents' logins (refused otherwise)."""
    return Depends(Authenticated(scopes, residents))


def document_security(schema: dict[str, Any], routes: list[RouteContext]) -> None:
    """Declare the two schemes in the spec and, on every operation that authenticates, require
    either of them with the endpoint's scopes (as FastAPI writes it for `Security()` dependencies)."""
    schemes = {
        scheme.scheme_name: jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
        for scheme in (oauth2_scheme, api_key_scheme)
    }
    used = False
    for route in routes:
        auth = dependency_of(route, Authenticated)
        if auth is None or not route.include_in_schema:
            continue
        used = True
        requirement = [{name: list(auth.scopes)} for name in schemes]
        for operation in operations_of(schema, route):
            place_after(operation, "security", requirement, "operationId")
    if used:
        schema.setdefault("components", {})["securitySchemes"] = schemes
