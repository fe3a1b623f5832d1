"""Personal data at rest and on the wire: phone numbers (and residents' rooms) encrypted in the
database, phone numbers and residents' names masked in answers.

A database dump must not show phone numbers, residents' rooms (nor webhook signing secrets), so
they are stored as AES-GCM ciphertext, `v2.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, under
the current data key; `kit/data_keys.py` says which keys exist and how they rotate. A value that can't be decrypted
(its key is gone, the row was tampered with) is never a 500: `reveal` answers a masked placeholder
and logs a warning; `decrypt` raises `UnreadableCiphertext` for callers that must not go on without
the value (signing a webhook).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gongjian.kit.data_keys import key_for, keyring

logger = logging.getLogger("gongjian.personal_data")

CIPHERTEXT_PREFIX = "v2."
LEGACY_PREFIX = "v1."
_NONCE_BYTES = 12
# What `purpose` binds a value to (AES-GCM associated data): a phone can't be passed off as a secret.
PHONE = b"phone"
# Where someone lives: a resident's room (房号).
ADDRESS = b"address"
WEBHOOK_SECRET = b"webhook secret"
WECHAT_ACCESS_TOKEN = b"wechat access token"
# Shown instead of a phone number that can't be decrypted: as long as a number, visibly not one.
UNREADABLE = "*" * 11

# Mainland China mobile numbers: 11 digits starting 13–19.
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")


class UnreadableCiphertext(ValueError):
    """No key we hold opens this value (or it is not a ciphertext of ours)."""


def encrypt(text: str, purpose: bytes = PHONE) -> str:
    ring = keyring()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = ring.current.encrypt(nonce, text.encode(), purpose)
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{CIPHERTEXT_PREFIX}{ring.current_id}.{body}"


def decrypt(token: str, purpose: bytes = PHONE) -> str:
    candidates: tuple[AESGCM | None, ...]
    if token.startswith(CIPHERTEXT_PREFIX):
        kid, _, body = token[len(CIPHERTEXT_PREFIX) :].partition(".")
        candidates = (key_for(kid),)
    elif token.startswith(LEGACY_PREFIX):
        body, candidates = token[len(LEGACY_PREFIX) :], keyring().legacy
    else:
        raise UnreadableCiphertext("unknown ciphertext format")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise UnreadableCiphertext("not base64") from exc
    for key in candidates:
        if key is None:
            continue
        try:
            return key.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose).decode()
        except (InvalidTag, ValueError):
            continue
    raise UnreadableCiphertext("no key opens this value")


def reveal(token: str, purpose: bytes = PHONE) -> str:
    """The plain value, or `UNREADABLE` (with a warning in the log) when no key opens it."""
    try:
        return decrypt(token, purpose)
    except UnreadableCiphertext as exc:
        logger.warning("undecryptable %s value (%s…): %s", purpose.decode(), token[:12], exc)
        return UNREADABLE


def is_current(token: str) -> bool:
    """Encrypted under the current key (nothing for `rotate-data-key` to do)."""
    return token.startswith(f"{CIPHERTEXT_PREFIX}{keyring().current_id}.")


def phone_lookup(phone: str) -> str:
    """The keyed hash a (normalised) phone is found by, under the current data key: deterministic,
    unlike its ciphertext, and meaningless without the key (a dump can't be tried against all
    200 million mobile numbers)."""
    return hmac.new(keyring().lookup[0], phone.encode(), hashlib.sha256).hexdigest()


def phone_lookups(phone: str) -> list[str]:
    """The phone's lookup hash under every data key held: what a search for it compares against."""
    return [hmac.new(key, phone.encode(), hashlib.sha256).hexdigest() for key in keyring().lookup]


def normalise_mobile(value: str) -> str:
    """Digits only, without +86 / 0086; raises ValueError (a Chinese message) if not a mobile number."""
    digits = _SEPARATORS.sub("", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not MOBILE_PATTERN.fullmatch(digits):
        raise ValueError("手机号码格式不正确，应为 11 位大陆手机号，如 13812345678")
    return digits


def mask_mobile(phone: str) -> str:
    """`138****5678`."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


_COMPOUND = """
欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 澹台
公冶 呼延 端木 万俟 闻人 南宫 西门 轩辕 独孤 百里 东郭 钟离 申屠 太史 拓跋
"""
COMPOUND_SURNAMES = frozenset(_COMPOUND.split())


def mask_name(name: str) -> str:
    """Keep the surname (two characters for a compound surname), mask the rest: 张三 → 张*."""
    if len(name) <= 1:
        return "*"
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)
