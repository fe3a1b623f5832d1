"""ETag on single-resource reads and If-Match on updates, from each row's `version`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from gongjian.kit.errors import ProblemError

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="上次读取时的 ETag；不一致时返回 412"),
]


def etag_of(version: int) -> str:
    return f'"v{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_of(version)


def check_if_match(if_match: str | None, version: int) -> None:
    """No header: last write wins (older clients). A header that names another version: 412."""
    if if_match is None:
        return
    current = etag_of(version)
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise ProblemError(
        412,
        "precondition_failed",
        "记录已被修改",
        "该记录在你读取之后已被他人修改，请重新读取后再提交",
        headers={"ETag": current},
    )
