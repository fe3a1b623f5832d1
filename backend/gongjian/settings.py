"""Runtime settings, read once from the environment (and `.env` if present).

Every process of a deployment reads the same variables, so several API processes behind a load
balancer agree on the database and the signing key; nothing here is mutable state.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The embedded default: a SQLite file under var/ so a new user needs no server.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    var_dir: Path = Field(default=PROJECT_ROOT / "var", validation_alias="GONGJIAN_VAR_DIR")
    secret_key: str = Field(default="", validation_alias="GONGJIAN_SECRET_KEY")
    # Encrypts personal data at rest (phone numbers); derived from the secret key when empty.
    data_key: str = Field(default="", validation_alias="GONGJIAN_DATA_KEY")
    access_token_minutes: int = Field(default=30, validation_alias="GONGJIAN_ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = Field(default=14, validation_alias="GONGJIAN_REFRESH_TOKEN_DAYS")
    # Failed-login throttle: this many failures inside the window locks the user name for lock_minutes.
    login_max_failures: int = Field(default=5, validation_alias="GONGJIAN_LOGIN_MAX_FAILURES")
    login_window_minutes: int = Field(default=15, validation_alias="GONGJIAN_LOGIN_WINDOW_MINUTES")
    login_lock_minutes: int = Field(default=5, validation_alias="GONGJIAN_LOGIN_LOCK_MINUTES")
    # argon2id cost; 0 means argon2-cffi's default (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=0, validation_alias="GONGJIAN_ARGON2_TIME_COST")
    argon2_memory_kib: int = Field(default=0, validation_alias="GONGJIAN_ARGON2_MEMORY_KIB")
    # Where the built SPA lives; served at / when the folder exists.
    spa_dir: Path = Field(default=PROJECT_ROOT / "frontend" / "dist", validation_alias="GONGJIAN_SPA_DIR")
    # Database connection pool, sized above the number of threads that can hold a connection at once.
    db_pool_size: int = Field(default=10, validation_alias="GONGJIAN_DB_POOL_SIZE")
    db_max_overflow: int = Field(default=30, validation_alias="GONGJIAN_DB_MAX_OVERFLOW")
    # WeChat mini-program login (jscode2session). The secret never leaves the server.
    wechat_appid: str = Field(default="", validation_alias="GONGJIAN_WECHAT_APPID")
    wechat_secret: str = Field(default="", validation_alias="GONGJIAN_WECHAT_SECRET")
    wechat_api_base: str = Field(default="https://api.weixin.qq.com", validation_alias="GONGJIAN_WECHAT_API_BASE")
    wechat_timeout_seconds: float = Field(default=5.0, validation_alias="GONGJIAN_WECHAT_TIMEOUT_SECONDS")
    # Idempotency-Key: a request still running renews its in-progress marker every quarter of this;
    # a marker not renewed for this long belongs to a process that died, and its key may run again.
    idempotency_lease_seconds: float = Field(default=120.0, validation_alias="GONGJIAN_IDEMPOTENCY_LEASE_SECONDS")
    # Webhook deliveries: how long one POST to a receiver may take.
    webhook_timeout_seconds: float = Field(default=10.0, validation_alias="GONGJIAN_WEBHOOK_TIMEOUT_SECONDS")

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
        if self.secret_key:
            return self.secret_key
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.var_dir / "secret.key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
