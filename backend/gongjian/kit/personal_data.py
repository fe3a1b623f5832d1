"""Personal data at rest and on the wire: phone numbers encrypted in the database, phone numbers and
residents' names masked in answers.

A database dump must not show phone numbers, so they are stored as AES-GCM ciphertext under a data
key derived (HKDF-SHA256, fixed info string) from GONGJIAN_DATA_KEY, or from the token signing key
when that is not set. Every API process of a deployment derives the same key from the same setting.
"""

from __future__ import annotations

import base64
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gongjian.settings import get_settings

CIPHERTEXT_PREFIX = "v1."
_HKDF_INFO = b"gongjian personal data v1"
_NONCE_BYTES = 12

# Mainland China mobile numbers: 11 digits starting 13–19.
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")


@lru_cache(maxsize=1)
def _cipher() -> AESGCM:
    settings = get_settings()
    secret = settings.data_key or settings.resolved_secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret.encode())
    return AESGCM(key)


def reset_data_key() -> None:
    """Forget the derived key (tests that switch settings)."""
    _cipher.cache_clear()


def encrypt(text: str, purpose: bytes = b"phone") -> str:
    """`v1.` + base64url(nonce ‖ ciphertext ‖ tag); `purpose` binds the value to its use."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher().encrypt(nonce, text.encode(), purpose)
    return CIPHERTEXT_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decrypt(token: str, purpose: bytes = b"phone") -> str:
    if not token.startswith(CIPHERTEXT_PREFIX):
        raise ValueError("unknown ciphertext format")
    body = token[len(CIPHERTEXT_PREFIX) :]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return _cipher().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose).decode()


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
