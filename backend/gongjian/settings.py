"""Runtime settings, read once from the environment (and `.env` if present).

Every process of a deployment reads the same variables, so several API processes behind a load
balancer agree on the database and the signing key; nothing here is mutable state.
"""

from __future__ import annotations

import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A key shorter than this is refused: HS256 and AES-256 want 256 bits, and a short key is a guessable one.
MIN_KEY_BYTES = 32
_TEMPLATE_KEY = re.compile(r"[a-z_]{1,32}[0-9]{1,3}")
_KEY_HINT = "至少 32 字节；可用 python3 -c 'import secrets; print(secrets.token_urlsafe(48))' 生成"


def _long_enough(name: str, value: str) -> str:
    if len(value.encode()) < MIN_KEY_BYTES:
        raise ValueError(f"{name} 太短（{len(value.encode())} 字节），{_KEY_HINT}")
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The embedded default: a SQLite file under var/ so a new user needs no server.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    var_dir: Path = Field(default=PROJECT_ROOT / "var", validation_alias="GONGJIAN_VAR_DIR")
    secret_key: str = Field(default="", validation_alias="GONGJIAN_SECRET_KEY")
    # Encrypts personal data at rest (phone numbers, webhook secrets); var/data.key when empty — never
    # the signing key (kit/data_keys.py).
    data_key: str = Field(default="", validation_alias="GONGJIAN_DATA_KEY")
    access_token_minutes: int = Field(default=30, validation_alias="GONGJIAN_ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = Field(default=14, validation_alias="GONGJIAN_REFRESH_TOKEN_DAYS")
    # Failed-login throttle (auth/throttle.py), per client address and per account: after this many
    # failures each further one doubles a delay (1 s, 2 s, 4 s, ...) up to the cap. The account's cap is
    # short so an attacker can't keep the owner out; the address's grows. Forgotten after the window.
    login_account_free_failures: int = Field(default=5, validation_alias="GONGJIAN_LOGIN_ACCOUNT_FREE_FAILURES")
    login_account_max_delay_seconds: int = Field(
        default=30, validation_alias="GONGJIAN_LOGIN_ACCOUNT_MAX_DELAY_SECONDS"
    )
    login_address_free_failures: int = Field(default=10, validation_alias="GONGJIAN_LOGIN_ADDRESS_FREE_FAILURES")
    login_address_max_delay_seconds: int = Field(
        default=900, validation_alias="GONGJIAN_LOGIN_ADDRESS_MAX_DELAY_SECONDS"
    )
    login_window_minutes: int = Field(default=15, validation_alias="GONGJIAN_LOGIN_WINDOW_MINUTES")
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or networks);
    # empty: the client address is the TCP peer's, and X-Forwarded-For is ignored.
    trusted_proxies: str = Field(default="", validation_alias="GONGJIAN_TRUSTED_PROXIES")
    # Password hashing (argon2, ~64 MiB each) at once per process, and how long a login waits for a
    # free slot before it is answered 429 `server_busy`.
    hash_concurrency: int = Field(default=2, ge=1, validation_alias="GONGJIAN_HASH_CONCURRENCY")
    hash_wait_seconds: float = Field(default=1.0, ge=0, validation_alias="GONGJIAN_HASH_WAIT_SECONDS")
    # New passwords need this zxcvbn score (0–4; 3: "safely unguessable") besides 10 characters.
    password_min_score: int = Field(default=3, ge=0, le=4, validation_alias="GONGJIAN_PASSWORD_MIN_SCORE")
    # argon2id cost; 0 means argon2-cffi's default (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=0, validation_alias="GONGJIAN_ARGON2_TIME_COST")
    argon2_memory_kib: int = Field(default=0, validation_alias="GONGJIAN_ARGON2_MEMORY_KIB")
    # The address people reach the platform at (https://gongjian.example.cn), printed on proofs of
    # service as their public verification page; empty: the address each request came to.
    public_url: str = Field(default="", max_length=200, validation_alias="GONGJIAN_PUBLIC_URL")
    # Where the built SPA lives; served at / when the folder exists.
    spa_dir: Path = Field(default=PROJECT_ROOT / "frontend" / "dist", validation_alias="GONGJIAN_SPA_DIR")
    # Where the members' app's mobile web build (uni-app h5) lives; served at /m/ when the folder exists.
    miniapp_dir: Path = Field(
        default=PROJECT_ROOT / "frontend" / "miniapp" / "dist" / "build" / "h5", validation_alias="GONGJIAN_MINIAPP_DIR"
    )
    # Database connection pool, sized above the number of threads that can hold a connection at once.
    db_pool_size: int = Field(default=10, validation_alias="GONGJIAN_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=30, validation_alias="GONGJIAN_DB_MAX_OVERFLOW")
    # How long a write waits for a busy database (SQLite's write lock, a PostgreSQL row lock) before
    # the request is answered 503 with Retry-After.
    db_busy_timeout_seconds: float = Field(default=5.0, gt=0, validation_alias="GONGJIAN_DB_BUSY_TIMEOUT_SECONDS")
    # How long the member import may spend reading and checking a file before it stops (nothing written).
    import_timeout_seconds: float = Field(default=120.0, gt=0, validation_alias="GONGJIAN_IMPORT_TIMEOUT_SECONDS")
    # WeChat mini-program login (jscode2session). The secret never leaves the server.
    wechat_appid: str = Field(default="", validation_alias="GONGJIAN_WECHAT_APPID")
    wechat_secret: str = Field(default="", validation_alias="GONGJIAN_WECHAT_SECRET")
    wechat_api_base: str = Field(default="https://api.weixin.qq.com", validation_alias="GONGJIAN_WECHAT_API_BASE")
    wechat_timeout_seconds: float = Field(default=5.0, validation_alias="GONGJIAN_WECHAT_TIMEOUT_SECONDS")
    # The mini-program page a community's 报到 QR code opens (its `scene` is the signed code).
    wechat_report_page: str = Field(
        default="pages/report/index", max_length=128, validation_alias="GONGJIAN_WECHAT_REPORT_PAGE"
    )
    # WeChat subscription messages (notifications/): the template id of each kind, from the mini-program's
    # 订阅消息 console; a kind whose template is unset is not offered and nothing of it is queued.
    wechat_template_report_decided: str = Field(
        default="", max_length=128, validation_alias="GONGJIAN_WECHAT_TEMPLATE_REPORT_DECIDED"
    )
    wechat_template_activity_reminder: str = Field(
        default="", max_length=128, validation_alias="GONGJIAN_WECHAT_TEMPLATE_ACTIVITY_REMINDER"
    )
    wechat_template_volunteer_record_approved: str = Field(
        default="", max_length=128, validation_alias="GONGJIAN_WECHAT_TEMPLATE_VOLUNTEER_RECORD_APPROVED"
    )
    wechat_template_wish_progress: str = Field(
        default="", max_length=128, validation_alias="GONGJIAN_WECHAT_TEMPLATE_WISH_PROGRESS"
    )
    wechat_template_concern_answered: str = Field(
        default="", max_length=128, validation_alias="GONGJIAN_WECHAT_TEMPLATE_CONCERN_ANSWERED"
    )
    # Where a chosen template's keys differ from the documented defaults (notifications/templates.py):
    # JSON {"<kind>": {"<our field>": "<template key>"}}, e.g. {"report_decided": {"note": "thing5"}}.
    wechat_template_keys: dict[str, dict[str, str]] = Field(
        default_factory=dict, validation_alias="GONGJIAN_WECHAT_TEMPLATE_KEYS"
    )
    # Which version of the mini-program a tapped message opens: formal (released), trial or developer.
    wechat_miniprogram_state: Literal["formal", "trial", "developer"] = Field(
        default="formal", validation_alias="GONGJIAN_WECHAT_MINIPROGRAM_STATE"
    )
    # Idempotency-Key: a request still running renews its in-progress marker every quarter of this;
    # a marker not renewed for this long belongs to a process that died, and its key may run again.
    idempotency_lease_seconds: float = Field(default=120.0, validation_alias="GONGJIAN_IDEMPOTENCY_LEASE_SECONDS")
    # Webhook deliveries: how long one POST to a receiver may take.
    webhook_timeout_seconds: float = Field(default=10.0, validation_alias="GONGJIAN_WEBHOOK_TIMEOUT_SECONDS")
    # Lets webhooks reach loopback and private addresses: for development and tests only (a receiver
    # on 127.0.0.1). Off, a subscription must resolve to public addresses only (webhooks/addresses.py).
    webhook_allow_private: bool = Field(default=False, validation_alias="GONGJIAN_WEBHOOK_ALLOW_PRIVATE")

    # Uploaded photos (uploads/storage.py): a directory (var/uploads when empty), or an S3-compatible
    # object store (MinIO, OSS, COS, S3) when the endpoint and bucket are set.
    upload_dir: Path | None = Field(default=None, validation_alias="GONGJIAN_UPLOAD_DIR")
    s3_endpoint: str = Field(default="", validation_alias="GONGJIAN_S3_ENDPOINT")
    s3_bucket: str = Field(default="", validation_alias="GONGJIAN_S3_BUCKET")
    s3_access_key: str = Field(default="", validation_alias="GONGJIAN_S3_ACCESS_KEY")
    s3_secret_key: str = Field(default="", validation_alias="GONGJIAN_S3_SECRET_KEY")
    s3_region: str = Field(default="us-east-1", validation_alias="GONGJIAN_S3_REGION")
    s3_timeout_seconds: float = Field(default=10.0, gt=0, validation_alias="GONGJIAN_S3_TIMEOUT_SECONDS")

    @field_validator("wechat_template_keys")
    @classmethod
    def _template_keys_well_formed(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """Template keys are WeChat's `<type><number>` (thing1, time2, phrase3); which kinds and fields
        exist is checked by notifications/templates.py."""
        for kind, keys in value.items():
            for field, key in keys.items():
                if not _TEMPLATE_KEY.fullmatch(key):
                    raise ValueError(
                        f"GONGJIAN_WECHAT_TEMPLATE_KEYS：{kind}.{field} 的模板字段名 {key!r} 应形如 thing1、time2"
                    )
        return value

    @field_validator("secret_key", "data_key")
    @classmethod
    def _keys_long_enough(cls, value: str, info: ValidationInfo) -> str:
        """Refuse to start with a short key (an unset one is generated, long, under var/)."""
        name = {"secret_key": "GONGJIAN_SECRET_KEY", "data_key": "GONGJIAN_DATA_KEY"}[str(info.field_name)]
        return _long_enough(name, value) if value else value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.var_dir / 'gongjian.db'}"

    @property
    def resolved_secret_key(self) -> str:
        """The JWT signing key: the environment's, else one generated once and kept under var/.

        Keeping it on disk (not in memory) lets restarts and several local workers accept each
        other's tokens. Production sets GONGJIAN_SECRET_KEY.
        """
        return self.secret_key or self.kept_key("secret.key")

    @property
    def resolved_data_key(self) -> str:
        """The key personal data is encrypted under: the environment's, else one generated once and
        kept in var/data.key — separate from the signing key, so that a leaked signing key exposes no
        data and rotating it loses none. Production sets GONGJIAN_DATA_KEY (see kit/data_keys.py)."""
        return self.data_key or self.kept_key("data.key")

    def kept_key(self, name: str) -> str:
        """A key kept in var/`name`, created once with a random 64-character key: written to a
        private temporary file (0600 from the start) and linked into place, so two workers starting
        at once agree on one complete key."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.var_dir / name
        if not key_file.exists():
            write_private(key_file, secrets.token_urlsafe(48), replace=False)
        return _long_enough(str(key_file), key_file.read_text().strip())


def write_private(path: Path, text: str, *, replace: bool) -> None:
    """Write `text` to `path`, readable by the owner only; atomically, replacing an existing file only
    if `replace` (else the file that got there first stays)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    try:
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
