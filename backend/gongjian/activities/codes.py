"""Check-in codes: short, signed, and fit a mini-program QR code's `scene` (≤ 32 visible characters).

A code is `<activity id>.<expiry>.<mac>`: the id and the expiry (Unix seconds) in base 36, and an
HMAC-SHA256 over both with the platform signing key, truncated to 80 bits and written in base 32
(16 characters). At most 6 + 1 + 7 + 1 + 16 = 31 characters, all in `[0-9A-Z.]`. Nothing is
stored: any API process can check a code, and a code can't be changed to another activity or a
later expiry without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gongjian.auth.tokens import signing_key
from gongjian.kit.errors import unprocessable

# A code stays valid this long after the activity ends, so members can still check out.
CHECK_OUT_GRACE = timedelta(hours=1)
MAX_CODE_LENGTH = 32
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _mac(activity_id: int, expires: int) -> str:
    message = f"check-in:{activity_id}:{expires}".encode()
    digest = hmac.new(signing_key().encode(), message, hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: datetime


def issue(activity_id: int, activity_ends_at: datetime) -> IssuedCode:
    expires_at = (activity_ends_at + CHECK_OUT_GRACE).replace(microsecond=0)
    expires = int(expires_at.timestamp())
    code = f"{_b36(activity_id)}.{_b36(expires)}.{_mac(activity_id, expires)}"
    assert len(code) <= MAX_CODE_LENGTH
    return IssuedCode(code, expires_at)


def verify(code: str, activity_id: int, now: datetime) -> None:
    """Raise 422 unless `code` was issued by us for this activity and has not expired."""
    parts = code.strip().upper().split(".")
    try:
        if len(parts) != 3 or len(code) > MAX_CODE_LENGTH:
            raise ValueError
        code_activity, expires = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        raise unprocessable("check_in_code_invalid", "签到码无效", field="body.code") from None
    if not hmac.compare_digest(parts[2], _mac(code_activity, expires)):
        raise unprocessable("check_in_code_invalid", "签到码无效", field="body.code")
    if code_activity != activity_id:
        raise unprocessable("check_in_code_wrong_activity", "这是另一个活动的签到码", field="body.code")
    if now >= datetime.fromtimestamp(expires, UTC):
        raise unprocessable("check_in_code_expired", "签到码已过期", field="body.code")
