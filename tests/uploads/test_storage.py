"""The storage contract, run against both backends: a directory, and an S3-compatible object store
(moto's server standing in for MinIO/OSS/COS/S3, spoken to by our own SigV4 client); then the
whole upload round trip over HTTP against a live server configured for the object store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from factories import headers_for, make_org
from factories.images import jpeg_with_gps, opened
from factories.live_server import free_port, live_server
from gongjian.models.enums import OrganizationKind, Role
from gongjian.uploads.storage import DirectoryStorage, Missing, S3Storage, Storage, StorageError, new_key

BUCKET = "gongjian-test"
CREDENTIALS = {"aws_access_key_id": "test-access", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _s3(endpoint: str) -> S3Storage:
    return S3Storage(
        endpoint, BUCKET, CREDENTIALS["aws_access_key_id"], CREDENTIALS["aws_secret_access_key"], "us-east-1"
    )


@pytest.fixture(params=["directory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "directory":
        return DirectoryStorage(tmp_path / "uploads")
    return _s3(request.getfixturevalue("s3_endpoint"))


def test_the_storage_contract(store: Storage) -> None:
    key = new_key()
    data = bytes(range(256)) * 100
    with pytest.raises(Missing):
        store.get(key)
    store.put(key, data, "image/jpeg")
    store.put(f"{key}.thumb", b"thumb", "image/jpeg")
    assert store.get(key) == data and store.get(f"{key}.thumb") == b"thumb"
    store.put(key, b"replaced", "image/jpeg")
    assert store.get(key) == b"replaced"
    store.delete(key)
    store.delete(key)  # deleting twice is no error
    with pytest.raises(Missing):
        store.get(key)
    assert store.get(f"{key}.thumb") == b"thumb"
    # Keys are the service's random ones: nothing a client could make climb out or name another object.
    for bad in ("../secret", "ab/../../etc/passwd", "photo.jpg", f"{key}/x", ""):
        with pytest.raises(ValueError):
            store.put(bad, b"x", "image/jpeg")


def test_an_unreachable_object_store_is_an_error() -> None:
    # The service answers 503 `storage_unavailable` for it.
    unreachable = S3Storage(f"http://127.0.0.1:{free_port()}", BUCKET, "a", "b", "us-east-1", timeout=2)
    with pytest.raises(StorageError):
        unreachable.put(new_key(), b"x", "image/jpeg")


def test_uploads_round_trip_through_the_object_store(client: object, s3_endpoint: str) -> None:
    env = {
        "GONGJIAN_S3_ENDPOINT": s3_endpoint,
        "GONGJIAN_S3_BUCKET": BUCKET,
        "GONGJIAN_S3_ACCESS_KEY": CREDENTIALS["aws_access_key_id"],
        "GONGJIAN_S3_SECRET_KEY": CREDENTIALS["aws_secret_access_key"],
    }
    community = make_org(OrganizationKind.community)
    headers = headers_for(client, Role.community_admin, community)  # type: ignore[arg-type]
    with live_server(env) as base:
        api = httpx.Client(base_url=f"{base}/api/v1/", headers=headers, timeout=30)
        created = api.post("uploads", files={"file": ("a.jpg", jpeg_with_gps(), "image/jpeg")})
        assert created.status_code == 201, created.text
        served = api.get(f"uploads/{created.json()['id']}/content")
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert not opened(served.content).getexif()
    # The object is in the bucket under a random key, not on the local disk.
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any(key.endswith(".thumb") for key in keys)
    assert all("a.jpg" not in key for key in keys)
    assert served.content in [s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys]
