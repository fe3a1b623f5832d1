"""WeChat's `jscode2session`: trades the code from `wx.login` for the user's openid.

Real HTTP (httpx) to `GONGJIAN_WECHAT_API_BASE` with our app id and secret. The `session_key` WeChat
returns is dropped here: nothing we do needs it, so it is never stored, logged or returned. The
secret travels in the query string (WeChat's design), so errors are logged without the URL.
Every WeChat answer maps to a problem the client can act on:

| WeChat                          | our answer                      |
| ------------------------------- | ------------------------------- |
| 40029 invalid code, 40163 used  | 401 `wechat_code_invalid`       |
| 45011 rate limit                | 429 `wechat_rate_limited`       |
| 40226 risky user                | 403 `wechat_user_blocked`       |
| anything else, timeout, non-JSON | 502 `wechat_unavailable`       |
| app id / secret not configured  | 503 `wechat_not_configured`     |
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import httpx

from gongjian.kit.errors import ProblemError
from gongjian.settings import get_settings

logger = logging.getLogger("gongjian.wechat")

CODE_INVALID = ProblemError(401, "wechat_code_invalid", "微信登录失败", "微信登录凭证无效或已使用，请重新进入小程序")
RATE_LIMITED = ProblemError(
    429, "wechat_rate_limited", "请求过于频繁", "微信登录过于频繁，请稍后再试", headers={"Retry-After": "60"}
)
USER_BLOCKED = ProblemError(403, "wechat_user_blocked", "微信账号受限", "该微信账号存在风险，暂不能登录")
UNAVAILABLE = ProblemError(502, "wechat_unavailable", "微信服务暂不可用", "暂时无法连接微信服务，请稍后重试")
NOT_CONFIGURED = ProblemError(503, "wechat_not_configured", "未开通微信登录", "服务器尚未配置小程序 AppID 和密钥")


class _NoQueryInUrls(logging.Filter):
    """httpx logs each request's URL at INFO, and WeChat's URLs carry our secret or an access token in
    their query string: every URL httpx logs loses its query (the notifications worker calls WeChat too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, httpx.URL) for arg in record.args):
            record.args = tuple(str(arg).split("?", 1)[0] if isinstance(arg, httpx.URL) else arg for arg in record.args)
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(existing, _NoQueryInUrls) for existing in _httpx_log.filters):
    _httpx_log.addFilter(_NoQueryInUrls())

_ERRCODES = {40029: CODE_INVALID, 40163: CODE_INVALID, 45011: RATE_LIMITED, 40226: USER_BLOCKED}


@dataclass(frozen=True, slots=True)
class WechatSession:
    openid: str
    unionid: str | None


async def code_to_session(code: str, *, transport: httpx.AsyncBaseTransport | None = None) -> WechatSession:
    settings = get_settings()
    if not settings.wechat_appid or not settings.wechat_secret:
        raise NOT_CONFIGURED
    params = {
        "appid": settings.wechat_appid,
        "secret": settings.wechat_secret,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    try:
        async with httpx.AsyncClient(
            base_url=settings.wechat_api_base, timeout=settings.wechat_timeout_seconds, transport=transport
        ) as client:
            response = await client.get("/sns/jscode2session", params=params)
    except httpx.HTTPError as exc:
        logger.warning("jscode2session failed: %s", type(exc).__name__)
        raise UNAVAILABLE from None
    if response.status_code != 200:
        logger.warning("jscode2session answered HTTP %s", response.status_code)
        raise UNAVAILABLE
    try:
        # WeChat sends JSON labelled text/plain: parse the bytes, not by content type.
        data = json.loads(response.content)
    except ValueError:
        logger.warning("jscode2session answered something that is not JSON")
        raise UNAVAILABLE from None
    if not isinstance(data, dict):
        raise UNAVAILABLE
    errcode = data.get("errcode") or 0
    if errcode:
        logger.info("jscode2session errcode %s", errcode)
        raise _ERRCODES.get(errcode, UNAVAILABLE) if isinstance(errcode, int) else UNAVAILABLE
    openid, unionid = data.get("openid"), data.get("unionid")
    if not isinstance(openid, str) or not openid or len(openid) > 64:
        raise UNAVAILABLE
    return WechatSession(openid, unionid if isinstance(unionid, str) and 0 < len(unionid) <= 64 else None)
