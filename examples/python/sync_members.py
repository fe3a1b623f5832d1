"""Page through members with an API key and record something idempotently — the shape of a
third-party sync script (a district platform, the volunteer information system).

    GONGJIAN_URL=http://127.0.0.1:8000 GONGJIAN_API_KEY=gj_… python examples/python/sync_members.py

The key needs `members:read`, `members:write` and `hours:write`. The writes — a community record and
two hours of volunteer service — are each sent with an `Idempotency-Key` and retried: however often a
flaky network makes the script resend, one record of each is created. Prints one JSON line
summarising what it did.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from datetime import date, timedelta
from typing import Any

import httpx


def all_members(api: httpx.Client) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = []
    page = 1
    while True:
        response = api.get("members", params={"page": page, "page_size": 100, "sort": "name"})
        response.raise_for_status()
        body = response.json()
        members.extend(body["items"])
        if page * body["page_size"] >= body["total"]:
            return members
        page += 1


def post_idempotently(
    api: httpx.Client, path: str, body: dict[str, Any], key: str, tries: int = 3
) -> list[httpx.Response]:
    """Send the same POST `tries` times with one Idempotency-Key, as a retrying client would."""
    return [api.post(path, json=body, headers={"Idempotency-Key": key}) for _ in range(tries)]


def record_participation(api: httpx.Client, member_id: int, key: str) -> list[httpx.Response]:
    body = {
        "occurred_on": date.today().isoformat(),
        "kind": "participation",
        "description": "参加社区志愿服务（脚本同步）",
    }
    return post_idempotently(api, f"members/{member_id}/community-records", body, key)


def record_hours(api: httpx.Client, member: dict[str, Any], key: str) -> list[httpx.Response]:
    """Two hours of service yesterday morning, organised by the member's community (pending approval)."""
    day = date.today() - timedelta(days=1)
    body = {
        "member_id": member["id"],
        "content": "社区环境整治志愿服务（脚本同步）",
        "started_at": f"{day.isoformat()}T09:00:00+08:00",
        "ended_at": f"{day.isoformat()}T11:00:00+08:00",
        "hours": 2,
        "organizer_org_id": member["community_org"]["id"],
    }
    return post_idempotently(api, "volunteer-records", body, key)


def written_once(answers: list[httpx.Response]) -> int | None:
    """The one id all retries answered with, or None if they didn't all succeed with one id."""
    ids = {r.json().get("id") for r in answers}
    return ids.pop() if [r.status_code for r in answers] == [201] * len(answers) and len(ids) == 1 else None


def main() -> int:
    base = os.environ.get("GONGJIAN_URL", "http://127.0.0.1:8000").rstrip("/")
    key = os.environ["GONGJIAN_API_KEY"]
    run_id = os.environ.get("GONGJIAN_RUN_ID") or str(uuid.uuid4())
    with httpx.Client(base_url=f"{base}/api/v1/", headers={"X-API-Key": key}, timeout=30) as api:
        me = api.get("me").raise_for_status().json()
        members = all_members(api)
        if not members:
            print(json.dumps({"caller": me["name"], "members": 0}, ensure_ascii=False))
            return 0
        first = members[0]
        answers = record_participation(api, first["id"], f"sync-{run_id}-{first['id']}")
        hours = record_hours(api, first, f"hours-{run_id}-{first['id']}")
        record_id, hours_record_id = written_once(answers), written_once(hours)
        if record_id is None or hours_record_id is None:
            statuses = [r.status_code for r in answers + hours]
            print(f"idempotent write failed: {statuses} {[r.text for r in answers + hours][-1]}", file=sys.stderr)
            return 1
        summary = {
            "caller": me["name"],
            "members": len(members),
            "member_id": first["id"],
            "record_id": record_id,
            "replayed": [r.headers.get("Idempotent-Replayed") == "true" for r in answers],
            "hours_record_id": hours_record_id,
            "hours_replayed": [r.headers.get("Idempotent-Replayed") == "true" for r in hours],
        }
        print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
