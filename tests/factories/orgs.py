"""Organisations and partnerships, added through the organisations service; each returns the new id."""

from __future__ import annotations

import itertools

from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.models.enums import OrganizationKind
from gongjian.organizations import service as org_service
from gongjian.organizations.schemas import OrganizationCreate, PartnershipCreate

_seq = itertools.count(1)


def make_org(
    kind: OrganizationKind | str = OrganizationKind.community, name: str | None = None, parent_id: int | None = None
) -> int:
    n = next(_seq)
    kind = OrganizationKind(kind)
    data = OrganizationCreate(
        name=name or f"{kind.label_of(kind)}{n}号", kind=kind, code=f"{kind.value[:3].upper()}{n}", parent_id=parent_id
    )
    with unit_of_work() as session:
        return org_service.create_organization(session, SYSTEM, data).id


def make_partnership(unit_org_id: int, community_org_id: int, start: str = "2017-01-01") -> int:
    data = PartnershipCreate.model_validate(
        {"unit_org_id": unit_org_id, "community_org_id": community_org_id, "start_date": start}
    )
    with unit_of_work() as session:
        return org_service.create_partnership(session, SYSTEM, data).id
