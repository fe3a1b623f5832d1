"""Finding 16 — one key for tokens and data. Without GONGJIAN_DATA_KEY the phone-encryption key was
derived from the JWT signing key: whoever held the signing key could decrypt every phone, and a
server started with a new signing key answered `/members` with 500 (InvalidTag).

The safe answer: personal data is encrypted under a data key of its own (GONGJIAN_DATA_KEY, else
var/data.key), each ciphertext names its key, and values from before are moved onto it by migration
0012; a new signing key reads every phone; a value no key opens is shown masked (`***********`)
with a warning in the log, never a 500; `gongjian rotate-data-key` re-encrypts everything under a
new key (the old one kept in var/data.keyring) and can be run again; keys shorter than 32 bytes
refuse to start.
"""

from __future__ import annotations

import base64
import csv
import importlib.util
import io
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from factories import login, make_member, make_org, make_user, username_of
from factories.live_server import free_port, live_server
from gongjian.db import get_engine, unit_of_work
from gongjian.models import CardEntry, Member
from gongjian.models.enums import OrganizationKind, Role
from gongjian.settings import get_settings

PHONE = "13812345678"
OTHER_PHONE = "13987654321"
UNREADABLE = "*" * 11
MIGRATION = Path(__file__).resolve().parents[2] / "backend/gongjian/migrations/versions/0012_data_keys.py"


def _old_key(secret: str) -> AESGCM:
    """The key the code before the fix derived (from GONGJIAN_DATA_KEY or the signing key)."""
    info = b"gongjian personal data v1"
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode()))


def _old_ciphertext(text: str, secret: str) -> str:
    """A phone as the code before the fix stored it: `v1.` + base64url(nonce ‖ sealed)."""
    nonce = os.urandom(12)
    sealed = _old_key(secret).encrypt(nonce, text.encode(), b"phone")
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def _old_decrypt(token: str, secret: str) -> str:
    body = token.split(".")[-1]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return _old_key(secret).decrypt(raw[:12], raw[12:], b"phone").decode()


def _stored(member_id: int) -> str:
    with unit_of_work() as session:
        return str(session.execute(select(Member.phone_ciphertext).where(Member.id == member_id)).scalar_one())


def _store(member_id: int, ciphertext: str) -> None:
    with unit_of_work() as session:
        session.get_one(Member, member_id).phone_ciphertext = ciphertext


def _admin_on(client: httpx.Client) -> dict[str, str]:
    return login(client, username_of(make_user(Role.admin)))  # type: ignore[arg-type]


def _phones(base: str, member_ids: list[int]) -> list[str]:
    with httpx.Client(base_url=f"{base}/api/v1/", timeout=60) as client:
        admin = _admin_on(client)
        phones = []
        for member_id in member_ids:
            response = client.get(f"members/{member_id}", headers=admin)
            assert response.status_code == 200, response.text
            phones.append(response.json()["phone"])
        listed = client.get("members", params={"page_size": 100}, headers=admin)
        assert listed.status_code == 200, listed.text
        return phones


def test_a_new_signing_key_still_reads_phones_and_the_signing_key_opens_none(database_url: str) -> None:
    community = make_org(OrganizationKind.community)
    member = make_member(community, phone=PHONE)
    with live_server({"GONGJIAN_SECRET_KEY": secrets.token_urlsafe(48)}) as rotated:
        assert _phones(rotated, [member]) == [PHONE]
    # The leaked signing key opens nothing.
    with pytest.raises(InvalidTag):
        _old_decrypt(_stored(member), get_settings().resolved_secret_key)


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0012", MIGRATION)
    assert spec is not None and spec.loader is not None, MIGRATION
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(step: str) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    migration = _migration()
    with get_engine().begin() as conn, Operations.context(MigrationContext.configure(conn)):
        getattr(migration, step)()


def test_phones_from_before_are_moved_off_the_signing_key_by_migration_0012(server: str) -> None:
    community = make_org(OrganizationKind.community)
    legacy = make_member(community, phone=PHONE)
    _store(legacy, _old_ciphertext(PHONE, get_settings().resolved_secret_key))  # an install before the fix

    _run("upgrade")
    assert _stored(legacy).startswith("v2.")
    with live_server({"GONGJIAN_SECRET_KEY": secrets.token_urlsafe(48)}) as rotated:
        assert _phones(rotated, [legacy]) == [PHONE]
    # Downgrading gives the previous code what it reads, and upgrading moves it back.
    _run("downgrade")
    assert _old_decrypt(_stored(legacy), get_settings().resolved_secret_key) == PHONE
    _run("upgrade")
    assert _phones(server, [legacy]) == [PHONE]


def test_a_phone_no_key_opens_is_masked_never_a_500(http: httpx.Client) -> None:
    community = make_org(OrganizationKind.community)
    lost_key = make_member(community, name="旧密钥", phone=PHONE)
    _store(lost_key, _old_ciphertext(PHONE, secrets.token_urlsafe(48)))
    tampered = make_member(community, name="被改动", phone=PHONE)
    _store(tampered, _stored(tampered)[:-4] + "AAAA")
    unknown = make_member(community, name="未知密钥", phone=PHONE)
    _store(unknown, "v2.00000000." + base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("="))
    make_member(community, name="正常", phone=OTHER_PHONE)

    admin = _admin_on(http)
    for member_id in (lost_key, tampered, unknown):
        response = http.get(f"members/{member_id}", headers=admin)
        assert response.status_code == 200, response.text
        assert (response.json()["phone"], response.json()["phone_masked"]) == (UNREADABLE, False)
    listed = http.get("members", params={"community_org_id": community}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert {m["name"]: m["phone"] for m in listed.json()["items"]} == {
        "旧密钥": UNREADABLE,
        "被改动": UNREADABLE,
        "未知密钥": UNREADABLE,
        "正常": OTHER_PHONE,
    }
    exported = http.get("members/export", params={"community_org_id": community, "format": "csv"}, headers=admin)
    assert exported.status_code == 200, exported.text
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert sorted(line[table[0].index("手机号码")] for line in table[1:]) == sorted([UNREADABLE] * 3 + [OTHER_PHONE])


@pytest.mark.parametrize("variable", ["GONGJIAN_SECRET_KEY", "GONGJIAN_DATA_KEY"])
def test_a_short_key_refuses_to_start(database_url: str, variable: str) -> None:
    port = free_port()
    env = {**os.environ, variable: "only-31-bytes-long-key-00000000"[:31]}
    command = [sys.executable, "-m", "uvicorn", "gongjian.app:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                started = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200
            except httpx.TransportError:
                started = False
            assert not started, f"the server started with a 31-byte {variable}"
            time.sleep(0.2)
        assert proc.returncode not in (None, 0)
        assert f"{variable} 太短" in proc.communicate()[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _gongjian(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongjian.cli", *args], env=os.environ, capture_output=True, text=True, timeout=300
    )


def test_rotate_data_key_reencrypts_everything_and_can_run_again(server: str, http: httpx.Client) -> None:
    community = make_org(OrganizationKind.community)
    members = [make_member(community, phone=PHONE) for _ in range(7)]
    legacy = make_member(community, phone=OTHER_PHONE)
    _store(legacy, _old_ciphertext(OTHER_PHONE, get_settings().resolved_secret_key))
    admin = _admin_on(http)
    hook = http.post("webhooks", json={"url": "https://93.184.215.14/h", "events": ["member.archived"]}, headers=admin)
    assert hook.status_code == 201, hook.text
    mobile = make_member(community, category="mobile")
    card = http.get(f"members/{mobile}/cards", headers=admin).json()["items"][0]["id"]
    entry = {"card_type": "registration", "occurred_on": "2017-07-01", "location": "深圳", "contact_phone": PHONE}
    entry_id = http.post(f"cards/{card}/entries", json=entry, headers=admin).json()["id"]
    with unit_of_work() as session:
        sealed_before = session.get_one(CardEntry, entry_id).details["contact_phone_ciphertext"]
    var = get_settings().var_dir
    before_key = (var / "data.key").read_text()
    before = {m: _stored(m) for m in [*members, legacy]}

    rotated = _gongjian("rotate-data-key", "--batch-size", "3")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert "已重新加密 10 项" in rotated.stdout  # 8 phones, a registration card's phone, the webhook secret
    new_key = (var / "data.key").read_text()
    assert new_key != before_key and before_key in (var / "data.keyring").read_text().splitlines()
    assert oct((var / "data.key").stat().st_mode)[-3:] == "600"
    assert oct((var / "data.keyring").stat().st_mode)[-3:] == "600"
    kids = {_stored(m).split(".")[1] for m in before}
    assert len(kids) == 1 and all(_stored(m) != before[m] for m in before)
    with unit_of_work() as session:
        sealed_after = session.get_one(CardEntry, entry_id).details["contact_phone_ciphertext"]
    assert sealed_after != sealed_before and sealed_after.split(".")[1] in kids
    # The running server had the old key in memory: it reads the new values all the same.
    assert _phones(server, [*members, legacy]) == [PHONE] * 7 + [OTHER_PHONE]
    read_entry = http.get(f"cards/{card}/entries/{entry_id}", headers=admin)
    assert read_entry.json()["contact_phone"] == PHONE

    again = _gongjian("rotate-data-key", "--resume")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "已重新加密 0 项，已是当前密钥 10 项，无法解密 0 项" in again.stdout
