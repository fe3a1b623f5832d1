"""A subscription's URL must be one a URL parser can read: `http://[` matched the pattern but has no
host (an unclosed IPv6 literal), was stored, and crashed the clients that parsed it back."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import assert_problem, headers_for
from gongjian.models.enums import Role


@pytest.mark.parametrize("url", ["http://[", "http://[::1/hook", "https://:80/hook"])
def test_unparsable_urls_are_refused(client: TestClient, url: str) -> None:
    admin = headers_for(client, Role.admin)
    response = client.post("webhooks", json={"url": url, "events": ["claim.verified"]}, headers=admin)
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"] == [{"field": "body.url", "message": "地址无法解析，请检查主机名"}]
