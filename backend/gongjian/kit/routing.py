"""Small helpers every router uses: 201 + Location for creates, ETag for single reads."""

from __future__ import annotations

from fastapi import Response

from gongjian.kit.etag import set_etag

API_PREFIX = "/api/v1"


def created(response: Response, path: str, version: int | None = None) -> None:
    """Mark a create's answer: the caller finds the new resource at `Location`."""
    response.status_code = 201
    response.headers["Location"] = f"{API_PREFIX}{path}"
    if version is not None:
        set_etag(response, version)
