"""Browser hardening headers on every answer: the SPA, /docs, the API and its problem answers.

The policy allows this origin only, so an injected script or a page framing ours gets nothing:
- scripts only from files of this origin (the built SPA has no inline script; /docs allows its one
  inline start-up script by hash, `policy_allowing_inline_scripts`);
- styles from this origin and inline: Element Plus, ECharts' tooltips and Swagger UI set style
  attributes at run time, and a style can't run code;
- images and fonts from this origin and `data:` URLs (the SPA's empty favicon, Swagger UI's icons);
- never framed (`frame-ancestors 'none'`, and `X-Frame-Options` for browsers that predate it).
The members' mobile web app at /m/ (`MOBILE_APP_POLICY`) also shows `blob:` images: its photos need
the bearer token, so it downloads them and shows the downloaded copy (a blob: URL of this page).
A response that sets its own `Content-Security-Policy` keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


CONTENT_SECURITY_POLICY = _policy(_DIRECTIVES)
MOBILE_APP_POLICY = _policy({**_DIRECTIVES, "img-src": "'self' data: blob:"})
_CSP = b"content-security-policy"
_CSP_VALUE = CONTENT_SECURITY_POLICY.encode()
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def policy_allowing_inline_scripts(html: str) -> str:
    """The policy, with the page's own inline scripts (`<script>` without src) allowed by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]
    return _policy({**_DIRECTIVES, "script-src": " ".join(["'self'", *hashes])})


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *_HEADERS]
                if not any(name.lower() == _CSP for name, _ in headers):
                    headers.append((_CSP, _CSP_VALUE))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_hardened)
