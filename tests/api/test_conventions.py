"""Conventions every endpoint shares: problem+json, idempotency, audit trail, enums, health."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import Field
from sqlalchemy import func, select

from factories import assert_problem, headers_for, login, make_org, make_user, username_of
from gongjian.app import api_routes
from gongjian.db import unit_of_work
from gongjian.kit.pagination import PageParams, cached_select, read_rows
from gongjian.kit.query import PAGE_LIMITS, PAGE_SIZE_LIMITS, ListQuery, QueryModel, document_query_models, query_of
from gongjian.kit.types import IsoDate, QueryId
from gongjian.models import IdempotencyRecord, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import ENUM_REGISTRY, MemberStatus, OrganizationKind, Role, WishStatus
from gongjian.organizations.schemas import OrganizationListQuery, OrganizationSort

ORG = {"name": "老虎头社区党委", "kind": "community", "code": "LHT"}


def _org_count() -> int:
    with unit_of_work() as session:
        return session.execute(select(func.count()).select_from(Organization)).scalar_one()


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    assert_problem(client.get("no-such-thing"), 404, "not_found")
    assert_problem(client.delete("organizations"), 405, "method_not_allowed")


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    response = client.post("organizations", content=b'{"name": ', headers={**admin, "content-type": "application/json"})
    assert_problem(response, 422, "validation_error")


def test_unexpected_errors_are_500_problems_without_internals(app) -> None:  # type: ignore[no-untyped-def]
    from gongjian.app import create_app

    broken = create_app()

    @broken.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    with TestClient(broken, raise_server_exceptions=False) as c:
        response = c.get("/api/v1/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert body["detail"]


def test_idempotency_key_replays_the_first_answer(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    headers = {**admin, "Idempotency-Key": "create-lht-1"}
    first = client.post("organizations", json=ORG, headers=headers)
    again = client.post("organizations", json=ORG, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _org_count() == 1
    # The same key with another body is refused.
    reused = client.post("organizations", json={**ORG, "name": "别的社区"}, headers=headers)
    assert_problem(reused, 422, "idempotency_key_reused")
    assert _org_count() == 1


def test_idempotency_key_while_first_request_runs_is_409(client: TestClient) -> None:
    user_id = make_user(Role.admin)
    admin = login(client, username_of(user_id))
    with unit_of_work() as session:  # what a first request leaves behind while it is still running
        session.add(
            IdempotencyRecord(
                principal=f"user:{user_id}",
                key="busy",
                method="POST",
                path="/api/v1/organizations",
                request_hash="whatever",
                state="in_progress",
                created_at=utcnow(),
            )
        )
    response = client.post("organizations", json=ORG, headers={**admin, "Idempotency-Key": "busy"})
    assert_problem(response, 409, "idempotency_in_progress")
    assert response.headers["Retry-After"] == "1"
    assert _org_count() == 0


def test_failed_request_releases_its_key_and_keys_are_per_caller(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    other_admin = headers_for(client, Role.admin)
    bad = client.post("organizations", json={**ORG, "kind": "nope"}, headers={**admin, "Idempotency-Key": "k1"})
    assert_problem(bad, 422, "validation_error")
    assert client.post("organizations", json=ORG, headers={**admin, "Idempotency-Key": "k1"}).status_code == 201
    # Another caller's identical key is its own: it runs (and hits the uniqueness rule).
    assert_problem(
        client.post("organizations", json=ORG, headers={**other_admin, "Idempotency-Key": "k1"}),
        409,
        "organization_name_taken",
    )
    assert_problem(
        client.post("organizations", json=ORG, headers={**admin, "Idempotency-Key": "x" * 300}),
        400,
        "invalid_idempotency_key",
    )


def test_every_write_is_audited_without_secrets(client: TestClient) -> None:
    admin_id = make_user(Role.admin, username="auditor")
    admin = login(client, "auditor")
    org = client.post("organizations", json=ORG, headers=admin).json()
    client.patch(f"organizations/{org['id']}", json={"address": "黄石港区"}, headers=admin)
    client.patch(f"organizations/{org['id']}", json={"address": "黄石港区"}, headers=admin)  # no change: no event
    user = client.post(
        "users",
        json={
            "username": "newcomer",
            "display_name": "新人",
            "organization_id": org["id"],
            "password": "s3cret-pass-word",
        },
        headers=admin,
    ).json()
    client.post(f"users/{user['id']}/reset-password", json={"new_password": "an0ther-secret"}, headers=admin)
    events = client.get(f"audit-events?actor_id={admin_id}&actor_type=user", headers=admin).json()
    actions = [(e["action"], e["entity"]) for e in events["items"]]
    assert actions == [
        ("reset_password", "user"),
        ("create", "user"),
        ("update", "organization"),
        ("create", "organization"),
        ("login", "user"),
    ]
    update = events["items"][2]
    assert update["changes"] == {"address": ["", "黄石港区"]}
    assert update["actor_name"] == "测试用户" and update["entity_id"] == str(org["id"])
    raw = client.get("audit-events", headers=admin).text
    assert "s3cret-pass-word" not in raw and "an0ther-secret" not in raw and "argon2" not in raw
    only_orgs = client.get("audit-events?entity=organization", headers=admin).json()
    assert {e["entity"] for e in only_orgs["items"]} == {"organization"}


def test_audit_events_are_for_admins_only(client: TestClient) -> None:
    org = make_org()
    for role in (Role.community_admin, Role.member):
        assert_problem(client.get("audit-events", headers=headers_for(client, role, org)), 403, "forbidden")


def test_enums_endpoint_lists_every_enum_with_chinese_labels(client: TestClient) -> None:
    body = client.get("meta/enums").json()
    assert body["locale"] == "zh-CN"
    by_name = {e["name"]: {v["code"]: v["label"] for v in e["values"]} for e in body["enums"]}
    assert set(by_name) == set(ENUM_REGISTRY)
    assert by_name["organization_kind"] == {
        "district": "区委组织部",
        "street": "街道党工委",
        "community": "社区党组织",
        "unit": "驻区单位",
        "social": "社会组织",
    }
    assert by_name["role"]["community_admin"] == "社区党组织管理员"
    assert by_name["role"]["street_admin"] == "街道党工委管理员"
    assert by_name["role"]["district_admin"] == "区委组织部管理员"


def test_health_reports_the_database(client: TestClient, database_url: str) -> None:
    body = client.get("health").json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "dialect": "postgresql" if database_url.startswith("postgres") else "sqlite",
    }


def test_validation_messages_are_chinese_and_name_the_limits(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    body = assert_problem(
        client.post("organizations", json={"name": "x", "kind": "club", "extra": 1}, headers=admin),
        422,
        "validation_error",
    )
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {
        "body.name": "至少 2 个字符",
        "body.kind": "应为以下之一：区委组织部、街道党工委、社区党组织、驻区单位、社会组织",
        "body.code": "必填",
        "body.extra": "不认识的字段",
    }
    # A choice in a query says its choices in Chinese too: labels where the enum has them, else the codes.
    status = assert_problem(client.get("wishes?status=done", headers=admin), 422, "validation_error")
    labels = "、".join(WishStatus.__labels__.values())
    assert status["errors"] == [{"field": "query.status", "message": f"应为以下之一：{labels}"}]
    sort = assert_problem(client.get("wishes?sort=nonsense", headers=admin), 422, "validation_error")
    assert sort["errors"][0]["field"] == "query.sort"
    assert sort["errors"][0]["message"].startswith("应为以下之一：")
    assert "'" not in sort["errors"][0]["message"] and " or " not in sort["errors"][0]["message"]
    dated = client.get("audit-events?since=2017-01-01T00:00:00", headers=admin)
    assert assert_problem(dated, 422, "validation_error")["errors"][0]["message"] == "时间须带时区，如 +08:00"
    numeric = client.get("audit-events?since=0", headers=admin)
    assert "ISO 8601" in assert_problem(numeric, 422, "validation_error")["errors"][0]["message"]


def test_nul_characters_are_refused_before_the_database(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    assert_problem(client.get("organizations?q=%00abc", headers=admin), 422, "nul_character")
    body = assert_problem(
        client.post("organizations", json={**ORG, "name": "老虎头\x00社区"}, headers=admin), 422, "validation_error"
    )
    assert body["errors"][0]["message"] == "文本中不能包含空字符（NUL）"
    assert_problem(
        client.post("auth/token", data={"username": "ad\x00min", "password": "whatever1"}), 401, "invalid_credentials"
    )


def test_read_rows_reads_entities_columns_and_in_lists_alike(client: TestClient) -> None:
    """kit.pagination.read_rows, one contract whatever the select: ORM entities through the session,
    columns on the raw cursor (inside a unit of work or on their own), IN lists through the session."""
    ids = [make_org("community", name=f"社区{i}") for i in range(5)]
    by_id = select(Organization).order_by(Organization.id)
    with unit_of_work() as session:
        entities, total = read_rows(by_id, PageParams(2, 2), session=session)
        assert [o.id for o in entities] == ids[2:4] and total == 5 and isinstance(entities[0], Organization)
        assert read_rows(by_id, PageParams(9, 2), session=session) == ([], 5)
        listed = select(Organization.id, Organization.name).where(Organization.id.in_(ids[:3]))
        listed = listed.order_by(Organization.id.desc())
        assert read_rows(listed, PageParams(1, 2), session=session) == (
            [{"id": ids[2], "name": "社区2"}, {"id": ids[1], "name": "社区1"}],
            3,
        )
        assert read_rows(listed, PageParams(3, 2), session=session) == ([], 3)
        columns = select(Organization.id).where(Organization.kind == "community").order_by(Organization.id)
        assert read_rows(columns, PageParams(3, 2), session=session) == ([{"id": ids[4]}], 5)
    assert read_rows(columns, PageParams(3, 2)) == ([{"id": ids[4]}], 5)
    assert read_rows(columns, PageParams(4, 2)) == ([], 5)
    with pytest.raises(TypeError):
        read_rows(by_id, PageParams(1, 2))


def test_cached_select_builds_once_per_filters_whatever_the_page() -> None:
    built: list[Any] = []

    @cached_select(maxsize=4)
    def matching(query: OrganizationListQuery, org_id: int | None) -> Any:
        built.append((query.q, org_id))
        return select(Organization.id).where(Organization.name == query.q)

    first = matching(OrganizationListQuery(q="甲"), None)
    assert matching(OrganizationListQuery.model_validate({"q": "甲", "page": "3", "page_size": "5"}), None) is first
    assert matching(OrganizationListQuery(q="乙"), None) is not first
    assert matching(OrganizationListQuery(q="甲"), 7) is not first
    assert built == [("甲", None), ("乙", None), ("甲", 7)]
    # Repeated parameters (list fields) count too.
    listed = _ListFilters.model_validate({"status": ["active"], "page": 2})
    assert _ListFilters(status=["active"]).filters() == listed.filters() == _Filters(status=["active"]).filters()
    assert hash(listed.filters()) != hash(_ListFilters(status=["archived"]).filters())


class _Filters(QueryModel):
    """Every kind of parameter a list declares, as a query model (an export's, without paging)."""

    kind: OrganizationKind | None = None
    org_id: QueryId = None
    late: Annotated[bool | None, Query(description="只列超期的")] = None
    since: Annotated[IsoDate | None, Query(description="不早于")] = None
    q: str | None = Field(None, max_length=50, description="按名称模糊查找")
    status: Annotated[list[MemberStatus] | None, Query(description="可重复")] = None
    sort: OrganizationSort = OrganizationSort.name


class _ListFilters(ListQuery, _Filters):
    """The list beside the export: the same filters, and paging."""


async def _page_params(
    page: Annotated[int, Query(**PAGE_LIMITS)] = 1,
    page_size: Annotated[int, Query(**PAGE_SIZE_LIMITS)] = 20,
) -> PageParams:
    """Paging as the lists declared it before they had query models."""
    return PageParams(page=page, page_size=page_size)


def test_a_query_model_reads_in_the_spec_and_parses_as_its_parameters_declared_one_by_one() -> None:
    """Moving a list's parameters into a `ListQuery` (kit.query) leaves its spec byte for byte as it was."""
    declared, modelled = FastAPI(), FastAPI()

    @declared.get("/things")
    async def things(
        page: Annotated[PageParams, Depends(_page_params)],
        kind: OrganizationKind | None = None,
        org_id: QueryId = None,
        late: Annotated[bool | None, Query(description="只列超期的")] = None,
        since: Annotated[IsoDate | None, Query(description="不早于")] = None,
        q: Annotated[str | None, Query(max_length=50, description="按名称模糊查找")] = None,
        status: Annotated[list[MemberStatus] | None, Query(description="可重复")] = None,
        sort: OrganizationSort = OrganizationSort.name,
    ) -> None:
        return None

    @modelled.get("/things")
    async def things_as_model(query: Annotated[_ListFilters, query_of(_ListFilters)]) -> dict[str, Any]:
        return query.model_dump(mode="json")

    @declared.get("/things/export")
    async def export(
        kind: OrganizationKind | None = None,
        org_id: QueryId = None,
        late: Annotated[bool | None, Query(description="只列超期的")] = None,
        since: Annotated[IsoDate | None, Query(description="不早于")] = None,
        q: Annotated[str | None, Query(max_length=50, description="按名称模糊查找")] = None,
        status: Annotated[list[MemberStatus] | None, Query(description="可重复")] = None,
        sort: OrganizationSort = OrganizationSort.name,
    ) -> None:
        return None

    @modelled.get("/things/export")
    async def export_as_model(query: Annotated[_Filters, query_of(_Filters)]) -> None:
        return None

    spec = modelled.openapi()
    document_query_models(spec, api_routes(modelled))
    want = declared.openapi()
    for path in ("/things", "/things/export"):
        assert json.dumps(spec["paths"][path]["get"]["parameters"], ensure_ascii=False) == json.dumps(
            want["paths"][path]["get"]["parameters"], ensure_ascii=False
        )
    for name in ("OrganizationKind", "OrganizationSort", "MemberStatus"):
        assert spec["components"]["schemas"][name] == want["components"]["schemas"][name]

    client = TestClient(modelled)
    parsed = client.get("/things?status=active&status=archived&since=2017-03-01&page=2&kind=unit").json()
    assert parsed["status"] == ["active", "archived"] and parsed["since"] == "2017-03-01" and parsed["page"] == 2
    assert client.get("/things?org_id=0").status_code == 422
