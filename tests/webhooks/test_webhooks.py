"""Webhooks: subscriptions, the outbox written with the change, signed deliveries to a local
receiver, retries with backoff, giving up, re-sending, and who may do what."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org, make_partnership
from factories.claims import load_categories, make_item, make_wish
from factories.integration import closed_port_url, private_webhooks_allowed, webhook_receiver
from gongjian.db import unit_of_work
from gongjian.models import WebhookDelivery, WebhookEvent
from gongjian.models.base import utcnow
from gongjian.models.enums import OrganizationKind, Role
from gongjian.webhooks.delivery import BACKOFF, MAX_ATTEMPTS, deliver_due
from gongjian.webhooks.outbox import emit
from gongjian.webhooks.signing import verify


class World:
    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.member = headers_for(client, Role.member, self.unit)


@pytest.fixture(autouse=True)
def _local_receiver_allowed() -> Iterator[None]:
    """The receiver listens on 127.0.0.1, which webhooks refuse by default (tests/security checks that)."""
    with private_webhooks_allowed():
        yield


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


def subscribe(client: TestClient, headers: dict[str, str], url: str, events: list[str]) -> dict[str, Any]:
    response = client.post(
        "webhooks", json={"url": url, "events": events, "description": "区党建平台"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def verify_claim(client: TestClient, w: World) -> int:
    load_categories()
    item_id = make_item(w.community)
    cid = client.post(f"service-items/{item_id}/claims", json={}, headers=w.unit_admin).json()["id"]
    client.post(f"claims/{cid}/start", headers=w.unit_admin)
    client.post(f"claims/{cid}/complete", json={"report": "已完成"}, headers=w.unit_admin)
    verified = client.post(f"claims/{cid}/verify", json={"rating": 5}, headers=w.community_admin)
    assert verified.status_code == 200, verified.text
    return int(cid)


def documented_signature_ok(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check exactly as the README documents it, written independently of the app."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


def test_claim_verified_is_delivered_signed(client: TestClient, w: World) -> None:
    with webhook_receiver() as receiver:
        sub = subscribe(client, w.admin, receiver.url, ["claim.verified", "wish.fulfilled"])
        assert sub["secret"].startswith("whsec_") and sub["secret"].startswith(sub["secret_prefix"])
        assert sub["events"] == ["claim.verified", "wish.fulfilled"] and sub["is_active"] is True
        shown = client.get(f"webhooks/{sub['id']}", headers=w.admin)
        assert "secret" not in shown.json() and shown.headers["ETag"] == '"v1"'

        cid = verify_claim(client, w)
        # Written with the change; nothing is sent until the deliverer runs.
        assert receiver.received == []
        pending = client.get("webhooks/deliveries", headers=w.admin).json()
        assert pending["total"] == 1
        assert pending["items"][0]["status"] == "pending" and pending["items"][0]["event_type"] == "claim.verified"

        run = deliver_due()
        assert len(run.delivered) == 1 and run.retrying == [] and run.failed == []
        assert len(receiver.received) == 1
        got = receiver.received[0]
        assert got.path == "/hooks/gongjian"
        assert got.headers["content-type"].startswith("application/json")
        assert got.headers["x-gongjian-event"] == "claim.verified"
        assert documented_signature_ok(sub["secret"], got.body, got.headers["x-gongjian-signature"])
        assert verify(sub["secret"], got.body, got.headers["x-gongjian-signature"])
        assert not documented_signature_ok("whsec_wrong", got.body, got.headers["x-gongjian-signature"])
        assert not documented_signature_ok(sub["secret"], got.body + b" ", got.headers["x-gongjian-signature"])
        document = json.loads(got.body)
        assert document["type"] == "claim.verified"
        assert got.headers["x-gongjian-event-id"] == str(document["id"])
        assert document["data"]["claim_id"] == cid
        assert document["data"]["organization_id"] == w.unit
        assert document["data"]["provider_org_id"] == w.community
        assert document["data"]["rating"] == 5
        # A hand-made item has no template: both names of its code are null.
        assert document["data"]["template_code"] is None and document["data"]["item_code"] is None

        delivery = client.get(f"webhooks/deliveries/{got.headers['x-gongjian-delivery']}", headers=w.admin).json()
        assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 200)
        assert delivery["delivered_at"] and delivery["next_attempt_at"] is None
        assert delivery["payload"] == document["data"]
        # Nothing more to send.
        assert deliver_due().attempted == 0


def test_failing_receiver_is_retried_with_backoff_then_succeeds(client: TestClient, w: World) -> None:
    with webhook_receiver(script=[500, 503]) as receiver:
        subscribe(client, w.admin, receiver.url, ["claim.verified"])
        verify_claim(client, w)
        t0 = utcnow()
        first = deliver_due(now=t0)
        assert len(first.retrying) == 1
        (delivery_id,) = first.retrying
        row = client.get(f"webhooks/deliveries/{delivery_id}", headers=w.admin).json()
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
        assert "HTTP 500" in row["last_error"]
        # Not due again before the first backoff step (1 minute).
        assert deliver_due(now=t0 + BACKOFF[0] - timedelta(seconds=1)).attempted == 0
        second = deliver_due(now=t0 + BACKOFF[0])
        assert second.retrying == [delivery_id]
        assert deliver_due(now=t0 + BACKOFF[0] + BACKOFF[1] - timedelta(seconds=1)).attempted == 0
        third = deliver_due(now=t0 + BACKOFF[0] + BACKOFF[1])
        assert third.delivered == [delivery_id]
        assert len(receiver.received) == 3
        # Every attempt carries the same event and a valid signature.
        assert len({r.headers["x-gongjian-event-id"] for r in receiver.received}) == 1
        row = client.get(f"webhooks/deliveries/{delivery_id}", headers=w.admin).json()
        assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == (
            "delivered",
            3,
            200,
            None,
        )


def test_outbox_keeps_the_event_when_delivery_is_impossible_then_resend(client: TestClient, w: World) -> None:
    sub = subscribe(client, w.admin, closed_port_url(), ["claim.verified"])
    verify_claim(client, w)
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run = deliver_due(now=now)
        assert run.attempted == 1
        if attempt < MAX_ATTEMPTS:
            assert len(run.retrying) == 1
            now += BACKOFF[attempt - 1]
        else:
            assert len(run.failed) == 1
    (delivery_id,) = run.failed
    failed = client.get("webhooks/deliveries?status=failed", headers=w.admin).json()
    assert failed["total"] == 1
    row = failed["items"][0]
    assert (row["id"], row["attempts"], row["last_status_code"]) == (delivery_id, MAX_ATTEMPTS, None)
    assert "ConnectError" in row["last_error"]
    assert deliver_due(now=now + timedelta(days=2)).attempted == 0
    # The event itself is still in the outbox, with its payload.
    with unit_of_work() as session:
        assert session.execute(select(func.count()).select_from(WebhookEvent)).scalar_one() == 1
    assert client.get(f"webhooks/deliveries/{delivery_id}", headers=w.admin).json()["payload"]["rating"] == 5

    # The receiver is fixed; an admin points the subscription at it and re-sends.
    with webhook_receiver() as receiver:
        patched = client.patch(
            f"webhooks/{sub['id']}", json={"url": receiver.url}, headers={**w.admin, "If-Match": '"v1"'}
        )
        assert patched.status_code == 200 and patched.headers["ETag"] == '"v2"'
        resent = client.post(f"webhooks/deliveries/{delivery_id}/resend", headers=w.admin)
        assert resent.status_code == 200
        assert (resent.json()["status"], resent.json()["attempts"]) == ("pending", 0)
        assert deliver_due().delivered == [delivery_id]
        assert len(receiver.received) == 1
        assert json.loads(receiver.received[0].body)["type"] == "claim.verified"
    audit = client.get("audit-events?entity=webhook_delivery", headers=w.admin).json()
    assert audit["total"] == 1


def test_event_is_written_in_the_changes_transaction(client: TestClient, w: World) -> None:
    with webhook_receiver() as receiver:
        subscribe(client, w.admin, receiver.url, ["member.archived"])
        member_id = make_member(w.community, name="李党员")
        # A transaction that fails after emitting leaves neither the event nor its delivery.
        with pytest.raises(RuntimeError), unit_of_work() as session:
            emit(session, "member.archived", {"member_id": member_id})
            raise RuntimeError("crash before commit")
        with unit_of_work() as session:
            assert session.execute(select(func.count()).select_from(WebhookEvent)).scalar_one() == 0
            assert session.execute(select(func.count()).select_from(WebhookDelivery)).scalar_one() == 0
        # A refused change (409) emits nothing either.
        archived = client.post(f"members/{member_id}/archive", headers=w.admin)
        assert archived.status_code == 200, archived.text
        assert_problem(client.post(f"members/{member_id}/archive", headers=w.admin), 409, "already_archived")
        restore = client.post(f"members/{member_id}/restore", headers=w.admin)
        assert restore.status_code == 200
        deliver_due()
        assert [json.loads(r.body)["data"]["member_id"] for r in receiver.received] == [member_id]
        assert json.loads(receiver.received[0].body)["data"]["community_org_id"] == w.community


def test_only_subscribed_active_subscriptions_receive_events(client: TestClient, w: World) -> None:
    with webhook_receiver() as wishes_rx, webhook_receiver() as claims_rx, webhook_receiver() as paused_rx:
        subscribe(client, w.admin, wishes_rx.url, ["wish.fulfilled"])
        subscribe(client, w.admin, claims_rx.url, ["claim.verified"])
        paused = subscribe(client, w.admin, paused_rx.url, ["wish.fulfilled"])
        first_wish = make_wish(w.community, status="fulfilled")
        # Paused after the event: its delivery waits, and is sent once the subscription is resumed.
        assert client.patch(f"webhooks/{paused['id']}", json={"is_active": False}, headers=w.admin).status_code == 200
        deliver_due()
        assert claims_rx.received == [] and paused_rx.received == []
        (got,) = wishes_rx.received
        assert json.loads(got.body)["data"]["wish_id"] == first_wish
        assert json.loads(got.body)["data"]["community_org_id"] == w.community
        assert client.get("webhooks/deliveries?status=pending", headers=w.admin).json()["total"] == 1
        # Events while paused are not queued for it.
        make_wish(w.community, status="fulfilled")
        client.patch(f"webhooks/{paused['id']}", json={"is_active": True}, headers=w.admin)
        deliver_due()
        assert [json.loads(r.body)["data"]["wish_id"] for r in paused_rx.received] == [first_wish]
        assert len(wishes_rx.received) == 2
    listed = client.get("webhooks?is_active=true", headers=w.admin).json()
    assert listed["total"] == 3
    by_sub = client.get(f"webhooks/deliveries?subscription_id={paused['id']}", headers=w.admin).json()
    assert [d["status"] for d in by_sub["items"]] == ["delivered"]


def test_subscription_validation_and_if_match(client: TestClient, w: World) -> None:
    assert_problem(
        client.post("webhooks", json={"url": "ftp://x", "events": ["claim.verified"]}, headers=w.admin),
        422,
        "validation_error",
    )
    assert_problem(
        client.post("webhooks", json={"url": "https://a.example/h", "events": []}, headers=w.admin),
        422,
        "validation_error",
    )
    assert_problem(
        client.post("webhooks", json={"url": "https://a.example/h", "events": ["claim.created"]}, headers=w.admin),
        422,
        "validation_error",
    )
    sub = subscribe(client, w.admin, "https://a.example/h", ["claim.verified", "claim.verified", "member.archived"])
    assert sub["events"] == ["claim.verified", "member.archived"]
    assert_problem(
        client.patch(f"webhooks/{sub['id']}", json={"is_active": None}, headers=w.admin), 422, "validation_error"
    )
    assert_problem(
        client.patch(
            f"webhooks/{sub['id']}", json={"events": ["wish.fulfilled"]}, headers={**w.admin, "If-Match": '"v9"'}
        ),
        412,
        "precondition_failed",
    )
    assert_problem(client.get("webhooks/999", headers=w.admin), 404, "not_found")
    assert_problem(client.post("webhooks/deliveries/999/resend", headers=w.admin), 404, "not_found")
    enums = {e["name"]: e["values"] for e in client.get("meta/enums").json()["enums"]}
    assert {"code": "volunteer_record.approved", "label": "志愿服务记录已审核通过"} in enums["webhook_event_type"]


@pytest.mark.parametrize("who", ["community_admin", "unit_admin", "member"])
def test_only_platform_admins_manage_webhooks(client: TestClient, w: World, who: str) -> None:
    headers = getattr(w, who)
    assert_problem(client.get("webhooks", headers=headers), 403, "forbidden")
    assert_problem(client.get("webhooks/deliveries", headers=headers), 403, "forbidden")
    body = {"url": "https://a.example/h", "events": ["claim.verified"]}
    assert_problem(client.post("webhooks", json=body, headers=headers), 403, "forbidden")
    assert_problem(client.get("webhooks"), 401, "unauthorized")


def test_api_keys_need_webhook_scopes_and_platform_reach(client: TestClient, w: World) -> None:
    body = {"url": "https://a.example/h", "events": ["claim.verified"]}
    reader = api_key_headers(client, w.admin, ["webhooks:read"])
    writer = api_key_headers(client, w.admin, ["webhooks:read", "webhooks:write"])
    org_writer = api_key_headers(client, w.admin, ["webhooks:read", "webhooks:write"], organization_id=w.community)
    assert_problem(client.post("webhooks", json=body, headers=reader), 403, "insufficient_scope")
    created = client.post("webhooks", json=body, headers=writer)
    assert created.status_code == 201 and created.json()["created_by_name"] == "测试密钥"
    assert client.get("webhooks", headers=reader).json()["total"] == 1
    assert_problem(client.get("webhooks", headers=org_writer), 403, "forbidden")
    assert_problem(client.post("webhooks", json=body, headers=org_writer), 403, "forbidden")
