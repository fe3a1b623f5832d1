"""The hostile-client suite: each finding of the hardening issue is an attack sent over HTTP to a
real uvicorn process (`factories.live_server`) serving the test database, with the safe answer
asserted.

`server` is one live server shared by the whole suite (per xdist worker; it reads the same database
and signing key as the rest of the test session, so rows made by the factories are visible to it
at once). A test that needs the server started with other settings (a smaller limit, a slower
hash) starts its own with `live_server({...})`. `http` is an httpx client on the server's
`/api/v1/`; it has the same `post(..., data=)` / `get` shape the factories' `login` expects.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from factories.live_server import LiveServer, live_server


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[LiveServer]:
    with live_server() as base:
        yield base


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server}/api/v1/", timeout=60) as client:
        yield client
