"""Refuse NUL characters in the URL before any endpoint sees them.

PostgreSQL can't hold NUL in text, so a `?q=%00` would otherwise reach the database and fail there
(SQLite would quietly accept it: the two must behave alike). Bodies are guarded by `InputModel`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gongjian.kit.errors import problem_response


class RejectNulMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").lower()
            if b"%00" in query or b"\x00" in query or "\x00" in scope["path"]:
                await problem_response(422, "nul_character", "请求内容无效", "地址或查询参数中不能包含空字符（NUL）")(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)
