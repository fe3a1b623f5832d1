"""API keys for scripts and third-party systems. Only a hash is stored; the key is shown once."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyListQuery, ApiKeyRead
from gongjian.auth.dependencies import hash_api_key
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.access import require_platform_admin
from gongjian.kit.errors import conflict
from gongjian.kit.pagination import Page, cached_select, read_page
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.models import ApiKey
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction

KEY_PREFIX = "gj_"
LABEL = "API 密钥"
# A key never mints or revokes keys: only a person signed in as platform admin does (`person=True`).
ADMIN_USER_ONLY = "只有平台管理员账号可以管理 API 密钥"


def list_keys(principal: Principal, query: ApiKeyListQuery) -> Page[ApiKeyRead]:
    require_platform_admin(principal, ADMIN_USER_ONLY, person=True)
    with unit_of_work() as session:
        return read_page(_keys(query), query, ApiKeyRead, session=session)


@cached_select()
def _keys(query: ApiKeyListQuery) -> Select[Any]:
    stmt = select(ApiKey)
    if query.revoked is not None:
        stmt = stmt.where(ApiKey.revoked_at.is_not(None) if query.revoked else ApiKey.revoked_at.is_(None))
    return stmt.order_by(ApiKey.id.desc())


def create_key(session: Session, principal: Principal, data: ApiKeyCreate) -> ApiKeyCreated:
    require_platform_admin(principal, ADMIN_USER_ONLY, person=True)
    if data.organization_id is not None:
        live_organization(session, data.organization_id, "body.organization_id")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=data.name,
        prefix=raw[:10],
        key_hash=hash_api_key(raw),
        scopes=data.scopes,
        organization_id=data.organization_id,
        **stamp(principal, "created"),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "api_key",
        row.id,
        {"name": row.name, "scopes": row.scopes, "organization_id": row.organization_id},
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(row).model_dump(), key=raw)


def revoke_key(session: Session, principal: Principal, key_id: int) -> ApiKeyRead:
    row = _key(session, principal, key_id)
    if row.revoked_at is not None:
        raise conflict("already_revoked", "该密钥已吊销")
    row.revoked_at = utcnow()
    audit.record(session, principal, AuditAction.revoke, "api_key", row.id)
    return ApiKeyRead.model_validate(row)


def _key(session: Session, principal: Principal, key_id: int) -> ApiKey:
    require_platform_admin(principal, ADMIN_USER_ONLY, person=True)
    row: ApiKey = one_or_404(session, select(ApiKey).where(ApiKey.id == key_id), LABEL)
    return row


def get_key(session: Session, principal: Principal, key_id: int) -> ApiKeyRead:
    return ApiKeyRead.model_validate(_key(session, principal, key_id))
