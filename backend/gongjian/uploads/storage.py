"""Where uploaded images are kept: a directory (the default) or an S3-compatible object store.

Both keep opaque bytes under keys the service makes up (random hex, never the client's file
name), so a key can't climb out of the directory or name another object. The object store is
spoken to with a small AWS Signature V4 client on httpx (path-style addressing, which MinIO, OSS,
COS and S3 all accept): three verbs need no SDK.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import httpx

from gongjian.settings import get_settings

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(\.thumb)?$")


class StorageError(Exception):
    """The store could not be reached or refused the request."""


class Missing(StorageError):
    """No object under that key."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def new_key() -> str:
    """A fresh random key, fanned out over 256 prefixes."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class DirectoryStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: a reader never sees half a file.
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise Missing(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class S3Storage:
    def __init__(
        self, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str, timeout: float = 10.0
    ) -> None:
        self.base = endpoint.rstrip("/")
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.client = httpx.Client(timeout=timeout)

    def _request(self, method: str, key: str, data: bytes = b"", content_type: str | None = None) -> httpx.Response:
        url = httpx.URL(f"{self.base}/{self.bucket}/{_checked(key)}")
        headers = self._signed(method, url, data, content_type)
        try:
            return self.client.request(method, url, content=data or None, headers=headers)
        except httpx.HTTPError as exc:
            raise StorageError(f"{method} {key}: {exc}") from exc

    def _signed(self, method: str, url: httpx.URL, data: bytes, content_type: str | None) -> dict[str, str]:
        now = datetime.now(UTC)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload_hash = hashlib.sha256(data).hexdigest()
        headers = {"host": url.netloc.decode("ascii"), "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
        if content_type is not None:
            headers["content-type"] = content_type
        names = sorted(headers)
        canonical = "\n".join(
            [method, url.raw_path.decode("ascii"), "", *(f"{n}:{headers[n]}" for n in names), "", ";".join(names)]
        )
        canonical += "\n" + payload_hash
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signing_key = _hmac(
            _hmac(_hmac(_hmac(f"AWS4{self.secret_key}".encode(), day), self.region), "s3"), "aws4_request"
        )
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, SignedHeaders={';'.join(names)}, "
            f"Signature={signature}"
        )
        del headers["host"]  # httpx sends the same value itself
        return headers

    def put(self, key: str, data: bytes, content_type: str) -> None:
        response = self._request("PUT", key, data, content_type)
        if response.status_code != 200:
            raise StorageError(f"PUT {key}: {response.status_code}")

    def get(self, key: str) -> bytes:
        response = self._request("GET", key)
        if response.status_code == 404:
            raise Missing(key)
        if response.status_code != 200:
            raise StorageError(f"GET {key}: {response.status_code}")
        return response.content

    def delete(self, key: str) -> None:
        response = self._request("DELETE", key)
        if response.status_code not in (200, 204, 404):
            raise StorageError(f"DELETE {key}: {response.status_code}")


@lru_cache(maxsize=1)
def storage() -> Storage:
    """The configured store: the object store when its endpoint and bucket are set, else a directory."""
    settings = get_settings()
    if settings.s3_endpoint and settings.s3_bucket:
        return S3Storage(
            settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_region,
            settings.s3_timeout_seconds,
        )
    return DirectoryStorage(settings.upload_dir or settings.var_dir / "uploads")
