"""Factories for meetings, concerns and honours: HTTP helpers returning plain values."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def create_meeting(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    values = {"held_on": "2017-03-20", "theme": "老旧小区环境卫生整治", **body}
    response = client.post("meetings", json=values, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def add_topics(client: TestClient, headers: dict[str, str], meeting_id: int, count: int) -> list[int]:
    ids = []
    for n in range(count):
        response = client.post(f"meetings/{meeting_id}/topics", json={"title": f"难题{n + 1}"}, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def create_task(
    client: TestClient, headers: dict[str, str], topic_id: int, owner_org_id: int, due_on: str
) -> dict[str, Any]:
    body = {"topic_id": topic_id, "owner_org_id": owner_org_id, "description": "协调清运车辆", "due_on": due_on}
    response = client.post("tasks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())
