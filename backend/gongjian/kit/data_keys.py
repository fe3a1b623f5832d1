"""Data keys: which key encrypts personal data at rest, which older ones still read it.

- **Current key**: GONGJIAN_DATA_KEY, or var/data.key (generated once, 0600) when it is unset —
  never the token signing key, so a leaked signing key exposes no data and rotating it loses none.
- **Retired keys**: one per line in var/data.keyring (0600). They only decrypt. `gongjian
  rotate-data-key` moves var/data.key there before writing a new one; with GONGJIAN_DATA_KEY the
  operator appends the old value there before changing the variable (README "Data keys").
- **Key id**: each ciphertext names its key, `v2.<key id>.<…>`; the id is 8 hex digits of a hash of
  the derived key, which says nothing about the key. A value whose key is not in the ring makes the
  ring re-read its files once (another process may have rotated), then counts as unreadable.
- **Legacy values**, `v1.<…>`, carry no key id: they were encrypted under a key derived from
  GONGJIAN_DATA_KEY or, when that was unset, from the signing key. They are read with the current
  and retired keys and the signing key's derivation, and rewritten under the current key by
  migration 0012 and by `rotate-data-key` (`kit/rekeying.py`); after that the signing key reads
  nothing.

Every key is stretched with HKDF-SHA256 (one fixed info string) into an AES-256-GCM key, and,
with another info string, into the HMAC key of phone lookups (`personal_data.phone_lookup`: a
member is found by phone without decrypting every row). Lookups are written under the current key
and searched under every key of the ring, so a rotation doesn't hide a member.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gongjian.settings import get_settings, write_private

_HKDF_INFO = b"gongjian personal data v1"
_LOOKUP_INFO = b"gongjian phone lookup v1"
KEYRING_FILE = "data.keyring"


@dataclass(frozen=True, slots=True)
class Keyring:
    current_id: str
    # Every key by its id, the current one included.
    keys: dict[str, AESGCM]
    # The keys a legacy `v1.` value may be under, most likely first.
    legacy: tuple[AESGCM, ...]
    # HMAC keys of phone lookups, the current key's first.
    lookup: tuple[bytes, ...] = ()

    @property
    def current(self) -> AESGCM:
        return self.keys[self.current_id]


def derive(secret: str, info: bytes = _HKDF_INFO) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def key_id(secret: str) -> str:
    return hashlib.sha256(b"gongjian data key id\0" + derive(secret)).hexdigest()[:8]


def retired_secrets() -> list[str]:
    path = get_settings().var_dir / KEYRING_FILE
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    settings = get_settings()
    current = settings.resolved_data_key
    keys = {key_id(s): AESGCM(derive(s)) for s in [*retired_secrets(), current]}
    current_id = key_id(current)
    retired = (key for kid, key in keys.items() if kid != current_id)
    signing = AESGCM(derive(settings.resolved_secret_key))
    lookup = tuple(derive(s, _LOOKUP_INFO) for s in dict.fromkeys([current, *reversed(retired_secrets())]))
    return Keyring(current_id, keys, (keys[current_id], *retired, signing), lookup)


def reset_keyring() -> None:
    """Forget the keys read (tests that switch settings; a key file changed by rotation)."""
    keyring.cache_clear()


def key_for(kid: str) -> AESGCM | None:
    """The key with id `kid`; re-reads the key files once if it is unknown."""
    found = keyring().keys.get(kid)
    if found is None:
        reset_keyring()
        found = keyring().keys.get(kid)
    return found


def retire_current_key() -> str:
    """Move var/data.key to the keyring and make a new one; returns the new key's id. Only when the
    key is kept under var/ (a key from GONGJIAN_DATA_KEY is the operator's to change)."""
    settings = get_settings()
    if settings.data_key:
        raise RuntimeError("GONGJIAN_DATA_KEY is set: change it yourself (README, Data keys)")
    old = settings.resolved_data_key
    ring = settings.var_dir / KEYRING_FILE
    if old not in retired_secrets():
        write_private(ring, "".join(f"{s}\n" for s in [*retired_secrets(), old]), replace=True)
    new = secrets.token_urlsafe(48)
    write_private(settings.var_dir / "data.key", new, replace=True)
    reset_keyring()
    return key_id(new)
