"""The front ends' built files over HTTP: hashed assets cached for a year and sent precompressed
(brotli, else gzip, as the build wrote them beside each file), index.html revalidated every time."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from factories.live_server import live_server

SCRIPT = b"console.log('built');\n" * 200
IMMUTABLE = "public, max-age=31536000, immutable"


def build(folder: Path, index: str) -> None:
    """A build as frontend/scripts/precompress.mjs leaves it: `.br` and `.gz` beside the asset. The
    `.br` holds a marker, not real brotli, so the test sees which file the server chose."""
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(index)
    asset = folder / "assets" / "index-abc123.js"
    asset.write_bytes(SCRIPT)
    (folder / "assets" / "index-abc123.js.br").write_bytes(b"brotli variant")
    (folder / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (folder / "assets" / "logo-def456.png").write_bytes(b"\x89PNG fake")  # nothing precompressed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spa, h5 = tmp_path_factory.mktemp("spa"), tmp_path_factory.mktemp("mobile") / "h5"
    build(spa, '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>')
    build(h5, '<!doctype html><script type="module" src="/m/assets/index-abc123.js"></script>')
    with live_server({"GONGJIAN_SPA_DIR": str(spa), "GONGJIAN_MINIAPP_DIR": str(h5)}) as base:
        yield base


def raw(url: str, accept: str | None) -> tuple[httpx.Response, bytes]:
    """The answer and its bytes as sent on the wire (not decoded)."""
    headers = {"Accept-Encoding": accept} if accept is not None else {"Accept-Encoding": "identity"}
    with httpx.stream("GET", url, headers=headers) as response:
        return response, b"".join(response.iter_raw())


@pytest.mark.parametrize("prefix", ["", "/m"])
def test_hashed_assets_are_immutable_and_precompressed(site: str, prefix: str) -> None:
    url = f"{site}{prefix}/assets/index-abc123.js"
    response, body = raw(url, "gzip, deflate, br")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br" and body == b"brotli variant"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"].startswith(("application/javascript", "text/javascript"))

    response, body = raw(url, "gzip")
    assert response.headers["content-encoding"] == "gzip" and gzip.decompress(body) == SCRIPT
    assert response.headers["cache-control"] == IMMUTABLE

    # Refused with q=0, brotli is not sent even though the client names it.
    response, body = raw(url, "br;q=0, gzip;q=0.8")
    assert response.headers["content-encoding"] == "gzip"

    response, body = raw(url, None)
    assert "content-encoding" not in response.headers and body == SCRIPT
    assert response.headers["cache-control"] == IMMUTABLE

    # No variant written (an image): the file itself, still cached for a year.
    response, body = raw(f"{site}{prefix}/assets/logo-def456.png", "br, gzip")
    assert "content-encoding" not in response.headers and body == b"\x89PNG fake"
    assert response.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize("path", ["/", "/members/3", "/m/", "/m/pages/home/index"])
def test_index_is_revalidated_every_time(site: str, path: str) -> None:
    response = httpx.get(f"{site}{path}", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert "/assets/index-abc123.js" in response.text


def test_a_missing_asset_is_404_not_the_page(site: str) -> None:
    for path in ("/assets/gone-000000.js", "/m/assets/gone-000000.js"):
        response = httpx.get(f"{site}{path}")
        assert response.status_code == 404, path
