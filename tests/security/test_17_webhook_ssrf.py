"""Finding 17 — webhooks reached internal addresses. Subscriptions to `127.0.0.1`, `[::1]`,
`0x7f000001` and `169.254.169.254` were accepted, the deliverer POSTed to them, and a failed delivery
stored the internal service's answer body, readable at `/webhooks/deliveries`.

The safe answer: the subscription's host is resolved and a loopback, private, link-local, multicast,
reserved or unspecified address is refused (422 `webhook_address_forbidden`, on create and on
change); the deliverer resolves and checks again right before sending (DNS can change) and connects
to the address it checked; a delivery keeps only the status code and a short reason, never the body.
The server here runs with GONGJIAN_WEBHOOK_ALLOW_PRIVATE off (its default); only the test of what a
delivery stores turns it on, to have a receiver to talk to.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from factories import assert_problem, headers_for
from factories.integration import private_webhooks_allowed, webhook_receiver
from factories.live_server import live_server
from gongjian.db import unit_of_work
from gongjian.models import WebhookDelivery, WebhookSubscription
from gongjian.models.enums import Role, WebhookEventType
from gongjian.webhooks.delivery import deliver_due
from gongjian.webhooks.outbox import emit

INTERNAL = [
    "http://127.0.0.1:8000/api/v1/health",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://localhost:9200/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0:8000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fd00::1]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
]
PUBLIC = "https://93.184.215.14/hooks/gongjian"


@pytest.fixture(scope="module")
def strict_api(database_url: str) -> Iterator[httpx.Client]:
    with (
        live_server({"GONGJIAN_WEBHOOK_ALLOW_PRIVATE": "0"}) as base,
        httpx.Client(base_url=f"{base}/api/v1/", timeout=60) as client,
    ):
        yield client


def test_subscriptions_to_internal_addresses_are_refused(strict_api: httpx.Client) -> None:
    admin = headers_for(strict_api, Role.admin)
    for url in INTERNAL:
        body = {"url": url, "events": ["claim.verified"]}
        refused = strict_api.post("webhooks", json=body, headers=admin)
        problem = assert_problem(refused, 422, "webhook_address_forbidden")
        assert problem["errors"][0]["field"] == "body.url", url
    # A public address is accepted, and can't be changed to an internal one afterwards.
    created = strict_api.post("webhooks", json={"url": PUBLIC, "events": ["claim.verified"]}, headers=admin)
    assert created.status_code == 201, created.text
    moved = strict_api.patch(
        f"webhooks/{created.json()['id']}",
        json={"url": "http://169.254.169.254/latest/meta-data/"},
        headers={**admin, "If-Match": '"v1"'},
    )
    assert_problem(moved, 422, "webhook_address_forbidden")
    assert strict_api.get(f"webhooks/{created.json()['id']}", headers=admin).json()["url"] == PUBLIC
    listed = strict_api.get("webhooks", headers=admin).json()
    assert [s["url"] for s in listed["items"]] == [PUBLIC]


def _subscription_with_delivery(url: str) -> int:
    """A stored subscription to `url` with one due delivery: as if its host resolved to a public
    address when it was subscribed and was re-pointed in DNS since (or the row predates the check)."""
    from gongjian.kit.personal_data import encrypt
    from gongjian.webhooks.delivery import SECRET_PURPOSE

    with unit_of_work() as session:
        session.add(
            WebhookSubscription(
                url=url,
                events=["member.archived"],
                secret_ciphertext=encrypt("whsec_test", SECRET_PURPOSE),
                secret_prefix="whsec_test",
                created_by="user:1",
                created_by_name="测试",
                version=1,
            )
        )
        session.flush()
        emit(session, WebhookEventType.member_archived, {"member_id": 1})
    with unit_of_work() as session:
        delivery = session.query(WebhookDelivery).one()
        return int(delivery.id)


def _resolving(monkeypatch: pytest.MonkeyPatch, name: str, address: str) -> None:
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real(address if host == name else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_the_deliverer_checks_the_address_again_before_sending(
    strict_api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = headers_for(strict_api, Role.admin)
    with webhook_receiver() as receiver, private_webhooks_allowed(False):
        # The name now resolves to the loopback receiver (DNS rebinding).
        port = receiver.url.split(":")[2].split("/")[0]
        _resolving(monkeypatch, "hooks.partner.example", "127.0.0.1")
        delivery_id = _subscription_with_delivery(f"http://hooks.partner.example:{port}/hooks/gongjian")
        run = deliver_due()
        assert run.retrying == [delivery_id] and run.delivered == []
        assert receiver.received == []
    row = strict_api.get(f"webhooks/deliveries/{delivery_id}", headers=admin).json()
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, None)
    assert row["last_error"] == "address_forbidden: 127.0.0.1"


def test_the_deliverer_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """No second lookup between the check and the connection: the request goes to the checked IP,
    with the subscription's host name in the Host header and as the TLS server name."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    _resolving(monkeypatch, "hooks.partner.example", "93.184.215.14")
    with private_webhooks_allowed(False):
        delivery_id = _subscription_with_delivery("https://hooks.partner.example:8443/in?x=1")
        run = deliver_due(transport=httpx.MockTransport(answer))
    assert run.delivered == [delivery_id]
    (request,) = seen
    assert str(request.url) == "https://93.184.215.14:8443/in?x=1"
    assert request.headers["host"] == "hooks.partner.example:8443"
    assert request.extensions["sni_hostname"] == "hooks.partner.example"


def test_a_failed_delivery_keeps_the_status_not_the_body(strict_api: httpx.Client) -> None:
    admin = headers_for(strict_api, Role.admin)
    internal_answer = b'{"AccessKeyId":"ASIA-internal","SecretAccessKey":"do-not-store"}'
    with webhook_receiver(script=[500], reply=internal_answer) as receiver, private_webhooks_allowed():
        delivery_id = _subscription_with_delivery(receiver.url)
        run = deliver_due()
        assert run.retrying == [delivery_id] and len(receiver.received) == 1
    row = strict_api.get(f"webhooks/deliveries/{delivery_id}", headers=admin).json()
    assert (row["last_status_code"], row["last_error"]) == (500, "HTTP 500")
    listed = strict_api.get("webhooks/deliveries", headers=admin)
    assert b"do-not-store" not in listed.content and b"ASIA-internal" not in listed.content
