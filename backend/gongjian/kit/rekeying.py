"""Re-encrypting every encrypted value under the current data key: `gongjian rotate-data-key` and
migration 0012 (which moves legacy `v1.` values, keyed from the signing key, to the data key).

The encrypted values are listed in `ENCRYPTED` — add a column there when you encrypt a new one.
Rows are read in id order, `batch_size` at a time; a value already under the current key is left
alone, so a run that stopped half-way is finished by running it again. A value is replaced only if
it is still the one read (compare-and-set), so a concurrent edit is never overwritten. A value no
key opens is left as it is, counted and logged: keep the retired keys until a run reports none.

The tables are named with `table()` / `column()` rather than the ORM models, so that migrations can
run this against the schema of their time, and `updated_at` / `version` stay as they are (the
value read back is the same).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, column, inspect, select, table, update

from gongjian.kit.personal_data import (
    ADDRESS,
    PHONE,
    WEBHOOK_SECRET,
    WECHAT_ACCESS_TOKEN,
    UnreadableCiphertext,
    decrypt,
    encrypt,
    is_current,
)

logger = logging.getLogger("gongjian.rekeying")


@dataclass(frozen=True, slots=True)
class Encrypted:
    table: str
    column: str
    purpose: bytes
    # For a JSON column: the key in the object that holds the ciphertext.
    json_key: str | None = None


ENCRYPTED: tuple[Encrypted, ...] = (
    Encrypted("members", "phone_ciphertext", PHONE),
    Encrypted("reports", "phone_ciphertext", PHONE),
    Encrypted("residents", "phone_ciphertext", PHONE),
    Encrypted("residents", "room_ciphertext", ADDRESS),
    Encrypted("card_entries", "details", PHONE, json_key="contact_phone_ciphertext"),
    Encrypted("webhook_subscriptions", "secret_ciphertext", WEBHOOK_SECRET),
    Encrypted("wechat_access_tokens", "token_ciphertext", WECHAT_ACCESS_TOKEN),
)


@dataclass
class Tally:
    rewritten: int = 0
    current: int = 0
    unreadable: int = 0

    def add(self, other: Tally) -> None:
        self.rewritten += other.rewritten
        self.current += other.current
        self.unreadable += other.unreadable


def reencrypt_all(
    conn: Connection,
    *,
    batch_size: int = 500,
    after_batch: Callable[[], None] | None = None,
    encrypt_with: Callable[[str, bytes], str] = encrypt,
    done: Callable[[str], bool] = is_current,
) -> Tally:
    """Every value of `ENCRYPTED` not yet `done`, decrypted and sealed again with `encrypt_with`.
    `after_batch` runs after each batch (the command commits there; a migration doesn't)."""
    tally = Tally()
    # A migration runs this on the schema of its day: tables added later (reports) aren't there yet.
    present = set(inspect(conn).get_table_names())
    for spec in ENCRYPTED:
        if spec.table not in present:
            continue
        tally.add(_reencrypt(conn, spec, batch_size, after_batch, encrypt_with, done))
    return tally


def _reencrypt(
    conn: Connection,
    spec: Encrypted,
    batch_size: int,
    after_batch: Callable[[], None] | None,
    encrypt_with: Callable[[str, bytes], str],
    done: Callable[[str], bool],
) -> Tally:
    tally = Tally()
    target = table(spec.table, column("id"), column(spec.column, JSON if spec.json_key else None))
    ident, stored = target.c.id, target.c[spec.column]
    last_id = 0
    while True:
        batch = conn.execute(
            select(ident, stored).where(ident > last_id, stored.is_not(None)).order_by(ident).limit(batch_size)
        ).all()
        if not batch:
            return tally
        for row_id, value in batch:
            last_id = row_id
            sealed = value.get(spec.json_key) if spec.json_key and isinstance(value, dict) else value
            if not isinstance(sealed, str):
                continue
            if done(sealed):
                tally.current += 1
                continue
            try:
                plain = decrypt(sealed, spec.purpose)
            except UnreadableCiphertext:
                tally.unreadable += 1
                logger.warning("%s.%s id %s: no data key opens this value", spec.table, spec.column, row_id)
                continue
            resealed = encrypt_with(plain, spec.purpose)
            new: Any = {**value, spec.json_key: resealed} if spec.json_key else resealed
            # Card entries are never edited; a text column is compared-and-set.
            guard = ident == row_id if spec.json_key else (ident == row_id) & (stored == value)
            tally.rewritten += conn.execute(update(target).where(guard).values({spec.column: new})).rowcount
        if after_batch is not None:
            after_batch()
