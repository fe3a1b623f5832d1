"""Checking a response: a 200 with its JSON body, or RFC 9457 problem details with the API's `code`."""

from __future__ import annotations

from typing import Any


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["title"]
    return body


def ok(response: Any) -> dict[str, Any]:
    """The JSON body of a 200 answer (the response text in the failure message otherwise)."""
    assert response.status_code == 200, response.text
    return dict(response.json())
