"""data keys: personal data moves off the signing key

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-05 10:00:00

Until now a ciphertext (`v1.…`: members' phones, registration cards' contact phones, webhook
signing secrets) was encrypted under a key derived from GONGJIAN_DATA_KEY or, when that was unset,
from the token signing key — so rotating the signing key made them unreadable. This migration
re-encrypts every `v1.` value under the data key (GONGJIAN_DATA_KEY, else var/data.key, generated
if missing) as `v2.<key id>.…` (`gongjian.kit.data_keys`). Run it with the same environment as
the server it upgrades: it needs the signing key the values were made with. A value no key opens is
left as it is (and logged); the app shows it masked. No schema change.

Downgrade writes `v1.` values again, under the key the previous code derives.
"""

from __future__ import annotations

import base64
import os

from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from gongjian.kit.rekeying import reencrypt_all

    reencrypt_all(op.get_bind(), done=lambda value: not value.startswith("v1."))


def downgrade() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from gongjian.kit.data_keys import derive
    from gongjian.kit.rekeying import reencrypt_all
    from gongjian.settings import get_settings

    settings = get_settings()
    legacy = AESGCM(derive(settings.data_key or settings.resolved_secret_key))

    def as_v1(text: str, purpose: bytes) -> str:
        nonce = os.urandom(12)
        sealed = base64.urlsafe_b64encode(nonce + legacy.encrypt(nonce, text.encode(), purpose))
        return "v1." + sealed.decode().rstrip("=")

    reencrypt_all(op.get_bind(), encrypt_with=as_v1, done=lambda value: value.startswith("v1."))
