"""Finding 18: no browser hardening headers, and /docs loaded Swagger UI from a public CDN.

The attack surface: the SPA, /docs and the API answered without `Content-Security-Policy`,
`X-Content-Type-Options`, `Referrer-Policy` or any frame-ancestors rule (clickjacking, MIME
sniffing, referrer leaks), and /docs pulled its JavaScript from a CDN without integrity checks on
the API's own origin (and showed nothing on an intranet without internet). The safe answer: every
response carries the four headers; the policy allows only this origin (no host anywhere in it);
/docs loads Swagger UI's files from the app, and its one inline script is allowed by its hash; the
built SPA's index.html loads every asset under the same policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from factories.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
BUILT_SPA = ROOT / "frontend" / "dist"
BUILT_MOBILE_APP = ROOT / "frontend" / "miniapp" / "dist" / "build" / "h5"

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}

# The shape of what `vite build` writes (module entry, stylesheet, preload), for a checkout whose
# SPA isn't built; the real build is checked instead when frontend/dist exists.
VITE_SHAPED_INDEX = """<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" href="data:," />
    <title>共建</title>
    <script type="module" crossorigin src="/assets/index-abc123.js"></script>
    <link rel="modulepreload" crossorigin href="/assets/vendor-def456.js">
    <link rel="stylesheet" crossorigin href="/assets/index-789abc.css">
  </head>
  <body><div id="app"></div></body>
</html>
"""


# The shape of what `uni build` (h5, router base /m/) writes.
UNI_SHAPED_INDEX = """<!doctype html>
<html lang="zh-CN">
  <head>
    <link rel="stylesheet" href="/m/assets/uni.abc123.css">
    <meta charset="UTF-8" />
    <title>共建</title>
    <link rel="icon" href="data:," />
    <script type="module" crossorigin src="/m/assets/index-abc123.js"></script>
    <link rel="stylesheet" crossorigin href="/m/assets/index-def456.css">
  </head>
  <body><div id="app"><!--app-html--></div></body>
</html>
"""


def policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def allowed_sources(csp: dict[str, list[str]], directive: str) -> list[str]:
    return csp.get(directive, csp["default-src"])


def assert_hardened(response: httpx.Response) -> dict[str, list[str]]:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    sources = [source for values in csp.values() for source in values]
    # Nothing from another origin: no host, no scheme-wide wildcard, no eval.
    assert not [s for s in sources if "." in s or s in {"*", "https:", "http:", "'unsafe-eval'"}], sources
    assert "'unsafe-inline'" not in allowed_sources(csp, "script-src")
    return csp


def inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)


def referenced(html: str) -> list[str]:
    return re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", html)


def assert_loads_under(csp: dict[str, list[str]], html: str, base: str) -> None:
    """Each inline script is allowed by its hash, each referenced file is same-origin and served."""
    scripts = allowed_sources(csp, "script-src")
    for script in inline_scripts(html):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts, script[:200]
    assert "<style" not in html
    for url in referenced(html):
        if url.startswith("data:"):
            assert "data:" in allowed_sources(csp, "img-src"), url
            continue
        assert url.startswith("/") and not url.startswith("//"), url
        asset = httpx.get(f"{base}{url}")
        assert asset.status_code == 200, url
        assert_hardened(asset)


def test_api_answers_carry_the_headers(http: httpx.Client) -> None:
    for response in (http.get("health"), http.get("members"), http.get("no-such-thing"), http.post("members")):
        assert_hardened(response)


def test_docs_load_swagger_ui_from_the_app_only(server: str) -> None:
    response = httpx.get(f"{server}/docs")
    assert response.status_code == 200
    csp = assert_hardened(response)
    html = response.text
    assert "cdn" not in html and "https://" not in html and "http://" not in html
    assert {url.rsplit("/", 1)[-1] for url in referenced(html)} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    assert inline_scripts(html), "Swagger UI's start-up script"
    assert_loads_under(csp, html, server)
    # Swagger UI fetches the spec from this origin, which connect-src must allow.
    assert "'self'" in allowed_sources(csp, "connect-src")


@pytest.fixture(scope="module")
def spa_server(tmp_path_factory: pytest.TempPathFactory, server: str) -> Iterator[str]:
    spa_dir = BUILT_SPA
    if not (spa_dir / "index.html").exists():
        spa_dir = tmp_path_factory.mktemp("spa")
        (spa_dir / "assets").mkdir()
        (spa_dir / "index.html").write_text(VITE_SHAPED_INDEX)
        for name in ("index-abc123.js", "vendor-def456.js", "index-789abc.css"):
            (spa_dir / "assets" / name).write_text("/* built */")
    with live_server({"GONGJIAN_SPA_DIR": str(spa_dir)}) as base:
        yield base


def test_spa_index_and_assets_load_under_the_policy(spa_server: str) -> None:
    for path in ("/", "/members/3"):
        response = httpx.get(f"{spa_server}{path}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        csp = assert_hardened(response)
        assert_loads_under(csp, response.text, spa_server)
        # Element Plus and ECharts set inline styles at run time; styles may not load from elsewhere.
        assert allowed_sources(csp, "style-src") == ["'self'", "'unsafe-inline'"]


@pytest.fixture(scope="module")
def mobile_server(tmp_path_factory: pytest.TempPathFactory, server: str) -> Iterator[str]:
    """The SPA (a stand-in) at / and the members' mobile web app at /m/ (its build, else a stand-in)."""
    spa_dir = tmp_path_factory.mktemp("spa-beside-m")
    (spa_dir / "index.html").write_text(VITE_SHAPED_INDEX.replace("共建", "SPA"))
    # A copy, so that a file can sit beside the app's folder (where a `..` would lead).
    h5_dir = tmp_path_factory.mktemp("mobile") / "h5"
    if (BUILT_MOBILE_APP / "index.html").exists():
        shutil.copytree(BUILT_MOBILE_APP, h5_dir)
    else:
        (h5_dir / "assets").mkdir(parents=True)
        (h5_dir / "index.html").write_text(UNI_SHAPED_INDEX)
        for name in ("uni.abc123.css", "index-abc123.js", "index-def456.css"):
            (h5_dir / "assets" / name).write_text("/* built */")
    (h5_dir.parent / "secret.txt").write_text("outside the mobile app")
    with live_server({"GONGJIAN_SPA_DIR": str(spa_dir), "GONGJIAN_MINIAPP_DIR": str(h5_dir)}) as base:
        yield base


def test_mobile_app_is_served_at_m_with_history_fallback_under_the_policy(mobile_server: str) -> None:
    mobile_index = None
    for path in ("/m/", "/m/pages/activities/detail", "/m/pages/home/index?from=menu"):
        response = httpx.get(f"{mobile_server}{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert "/m/assets/" in response.text and "SPA" not in response.text, path
        mobile_index = mobile_index or response.text
        assert response.text == mobile_index
        csp = assert_hardened(response)
        assert_loads_under(csp, response.text, mobile_server)
        # Photos need the bearer token: the app downloads them and shows blob: copies.
        assert allowed_sources(csp, "img-src") == ["'self'", "data:", "blob:"]
        assert allowed_sources(csp, "script-src") == ["'self'"]
    # /m without the slash goes to the app; the SPA keeps everything else.
    redirect = httpx.get(f"{mobile_server}/m")
    assert redirect.status_code == 308 and redirect.headers["location"] == "/m/"
    spa = httpx.get(f"{mobile_server}/members/3")
    assert "SPA" in spa.text and "/m/assets/" not in spa.text
    assert "blob:" not in policy(spa)["img-src"]
    # Nothing outside the app's folder is reachable through /m/ (the fallback answers instead).
    for path in ("/m/%2e%2e/secret.txt", "/m/..%2Fsecret.txt", "/m/assets/%2e%2e/%2e%2e/secret.txt"):
        response = httpx.get(f"{mobile_server}{path}")
        assert response.text == mobile_index, path
