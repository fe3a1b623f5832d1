"""WeChat's server API for subscription messages: the app's access token and `subscribeMessage.send`.

The access token comes from `POST /cgi-bin/stable_token` (grant_type client_credential, our app id
and secret). It is kept in the database, encrypted with the data key (`WechatAccessToken`), so every
worker shares one and a restart doesn't fetch another; it is fetched again when less than
`REFRESH_MARGIN` of its life is left, and when WeChat calls it invalid (40001, 42001, 40014) — once
per message: the send is then tried again with the new token. `stable_token` hands every caller the
same token while it is valid, so two workers refreshing at once don't undo each other; only when it
returns the very token WeChat just refused do we ask it to `force_refresh`.

The token travels in the query string (WeChat's design): nothing here logs a URL, and
`wechat.client` keeps httpx from logging one. WeChat's answers map to what the worker does:

- errcode 0: sent.
- 43101 (the user has no subscription left, or refused): skipped, not retried (`user_refused`).
- 47003 (bad template data), 40003 (bad openid), 40037 (bad template id), 41030 (bad page): failed,
  not retried (`bad_template_data`, `bad_openid`, `bad_template_id`, `bad_page`).
- 40001, 42001, 40014 (token invalid) again after one refresh: retried (`token_invalid`).
- -1 (busy), 45009 (rate limit), any other errcode: retried (`wechat_busy`, `rate_limited`,
  `errcode_<n>`).
- a timeout, a refused connection, HTTP other than 200, an answer that isn't JSON: retried
  (`timeout`, `unreachable`, `http_<status>`, `bad_answer`).
- no token (stable_token failed): retried (`token_unavailable`; `token_refused` when WeChat refuses our
  app id, secret or server IP).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gongjian.db import unit_of_work
from gongjian.kit.personal_data import WECHAT_ACCESS_TOKEN, UnreadableCiphertext, decrypt, encrypt
from gongjian.models import WechatAccessToken
from gongjian.settings import get_settings
from gongjian.wechat import client as _quiet_httpx  # noqa: F401 - installs the filter that keeps URLs out of httpx's log

logger = logging.getLogger("gongjian.notifications")

STABLE_TOKEN_PATH = "/cgi-bin/stable_token"
SEND_PATH = "/cgi-bin/message/subscribe/send"
REFRESH_MARGIN = timedelta(minutes=5)
INVALID_TOKEN = frozenset({40001, 42001, 40014})
# stable_token refusing us: our app id or secret is wrong, or this server's IP isn't allowed.
CREDENTIALS_REFUSED = frozenset({40013, 40125, 40164, 41002, 41004})
SKIPPED = {43101: "user_refused"}
FAILED = {47003: "bad_template_data", 40003: "bad_openid", 40037: "bad_template_id", 41030: "bad_page"}
RETRIED = {-1: "wechat_busy", 45009: "rate_limited"}
MAX_TOKEN_LENGTH = 2048


class TokenUnavailable(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Literal["sent", "skipped", "failed", "retry"]
    error: str | None = None


def _answer(response: httpx.Response) -> dict[str, Any] | str:
    """WeChat's JSON object (it labels it text/plain: parse the bytes), or our code for what's wrong."""
    if response.status_code != 200:
        return f"http_{response.status_code}"
    try:
        data = json.loads(response.content)
    except ValueError:
        return "bad_answer"
    return data if isinstance(data, dict) else "bad_answer"


def _post(client: httpx.Client, path: str, body: dict[str, Any], params: dict[str, str] | None = None) -> Any:
    try:
        return _answer(client.post(path, json=body, params=params))
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as exc:
        logger.warning("WeChat %s: %s", path, type(exc).__name__)
        return "unreachable"


class AccessTokens:
    """The app's access token for one worker run (read once from the shared cache, then kept)."""

    def __init__(self, client: httpx.Client, now: datetime) -> None:
        settings = get_settings()
        self.client = client
        self.appid = settings.wechat_appid
        self.secret = settings.wechat_secret
        self.now = now
        self._token: str | None = None

    def current(self) -> str:
        if self._token is None:
            cached = self._cached()
            self._token = cached if cached is not None else self._renew(stale=None)
        return self._token

    def refresh(self, stale: str) -> str:
        """A new token after WeChat refused `stale`."""
        self._token = self._renew(stale=stale)
        return self._token

    def _cached(self) -> str | None:
        with unit_of_work(write_lock=False) as session:
            row = session.execute(
                select(WechatAccessToken).where(WechatAccessToken.appid == self.appid)
            ).scalar_one_or_none()
            if row is None or row.expires_at - self.now < REFRESH_MARGIN:
                return None
            try:
                return decrypt(row.token_ciphertext, WECHAT_ACCESS_TOKEN)
            except UnreadableCiphertext:
                logger.warning("cached WeChat access token can't be decrypted: fetching a new one")
                return None

    def _renew(self, stale: str | None) -> str:
        token, expires_in = self._fetch(force=False)
        if stale is not None and token == stale:
            token, expires_in = self._fetch(force=True)
        self._store(token, self.now + timedelta(seconds=expires_in))
        return token

    def _fetch(self, *, force: bool) -> tuple[str, int]:
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": force,
        }
        answer = _post(self.client, STABLE_TOKEN_PATH, body)
        if isinstance(answer, str):
            logger.warning("stable_token failed: %s", answer)
            raise TokenUnavailable("token_unavailable")
        errcode = answer.get("errcode") or 0
        if errcode:
            logger.warning("stable_token errcode %s", errcode)
            raise TokenUnavailable("token_refused" if errcode in CREDENTIALS_REFUSED else "token_unavailable")
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
            raise TokenUnavailable("token_unavailable")
        if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
            raise TokenUnavailable("token_unavailable")
        return token, expires_in

    def _store(self, token: str, expires_at: datetime) -> None:
        sealed = encrypt(token, WECHAT_ACCESS_TOKEN)
        with unit_of_work() as session:
            row = session.execute(
                select(WechatAccessToken).where(WechatAccessToken.appid == self.appid).with_for_update()
            ).scalar_one_or_none()
            if row is not None:
                row.token_ciphertext, row.expires_at, row.fetched_at = sealed, expires_at, self.now
                return
            try:
                with session.begin_nested():
                    session.add(
                        WechatAccessToken(
                            appid=self.appid, token_ciphertext=sealed, expires_at=expires_at, fetched_at=self.now
                        )
                    )
            except IntegrityError:
                pass  # another worker stored one first: stable_token gave it the same token


def _send_once(client: httpx.Client, token: str, body: dict[str, Any]) -> int | str:
    answer = _post(client, SEND_PATH, body, params={"access_token": token})
    if isinstance(answer, str):
        return answer
    errcode = answer.get("errcode", 0)
    return errcode if isinstance(errcode, int) and not isinstance(errcode, bool) else "bad_answer"


def send(
    client: httpx.Client,
    tokens: AccessTokens,
    *,
    openid: str,
    template_id: str,
    page: str | None,
    data: dict[str, Any],
) -> Outcome:
    """One subscription message, with one token refresh if WeChat calls the token invalid."""
    body: dict[str, Any] = {
        "touser": openid,
        "template_id": template_id,
        "data": data,
        "miniprogram_state": get_settings().wechat_miniprogram_state,
        "lang": "zh_CN",
    }
    if page:
        body["page"] = page
    try:
        token = tokens.current()
        answer = _send_once(client, token, body)
        if answer in INVALID_TOKEN:
            answer = _send_once(client, tokens.refresh(token), body)
            if answer in INVALID_TOKEN:
                return Outcome("retry", "token_invalid")
    except TokenUnavailable as exc:
        return Outcome("retry", exc.code)
    if isinstance(answer, str):
        return Outcome("retry", answer)
    if answer == 0:
        return Outcome("sent")
    if answer in SKIPPED:
        return Outcome("skipped", SKIPPED[answer])
    if answer in FAILED:
        return Outcome("failed", FAILED[answer])
    if answer not in RETRIED:
        logger.info("subscribeMessage.send errcode %s", answer)
    return Outcome("retry", RETRIED.get(answer, f"errcode_{answer}"))
