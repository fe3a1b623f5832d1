"""A community's 报到 code: `<community id>.<version>.<signature>` (ids in base 36), at most 30
visible URL-safe characters, so it fits a mini-program QR code's `scene` (≤ 32).

The signature is 16 base64url characters (96 bits) of an HMAC-SHA256 under a key derived from the
token signing key for this one purpose (never the data key), checked in constant time. Signing
proves the code was issued here; whether it is still valid is the server's to say: the version must
be the community's current one (rotation bumps it, refusing every older code) and the code must not
be past the expiry stored with it (`ReportCode`). Rotating the signing key voids every code: a
community's admin reads the new one at `GET /organizations/{id}/report-code`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gongjian.auth.tokens import signing_key
from gongjian.kit.errors import unprocessable
from gongjian.kit.types import MAX_ID

_INFO = b"gongjian report code v1"
SIGNATURE_CHARS = 16
MAX_LENGTH = 32
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_SHAPE = re.compile(r"^([0-9a-z]{1,6})\.([0-9a-z]{1,6})\.([A-Za-z0-9_-]{16})$")

FIELD = "body.code"
INVALID = unprocessable("report_code_invalid", "报到码无效，请扫描社区出示的报到码", field=FIELD)
OUTDATED = unprocessable("report_code_outdated", "报到码已更换，请扫描社区最新的报到码", field=FIELD)
EXPIRED = unprocessable("report_code_expired", "报到码已过期，请向社区索取新的报到码", field=FIELD)


@dataclass(frozen=True, slots=True)
class ParsedCode:
    community_org_id: int
    version: int


def _key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(signing_key().encode())


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _DIGITS[rest] + digits
        if number == 0:
            return digits


def _signature(payload: str) -> str:
    mac = hmac.new(_key(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:SIGNATURE_CHARS]


def sign(community_org_id: int, version: int) -> str:
    payload = f"{_base36(community_org_id)}.{_base36(version)}"
    return f"{payload}.{_signature(payload)}"


def parse(code: str) -> ParsedCode:
    """The community and version a genuine code names; 422 `report_code_invalid` for anything else
    (malformed, or a signature we didn't make)."""
    shape = _SHAPE.fullmatch(code)
    if shape is None:
        raise INVALID
    community, version, signature = shape.groups()
    if not hmac.compare_digest(_signature(f"{community}.{version}"), signature):
        raise INVALID
    parsed = ParsedCode(int(community, 36), int(version, 36))
    if not (1 <= parsed.community_org_id <= MAX_ID and 1 <= parsed.version <= MAX_ID):
        raise INVALID
    return parsed


def check_current(parsed: ParsedCode, version: int, expires_at: datetime | None, now: datetime) -> None:
    """The code must carry the community's current version and not be past its expiry."""
    if parsed.version != version:
        raise OUTDATED
    if expires_at is not None and expires_at <= now:
        raise EXPIRED
