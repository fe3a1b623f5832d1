"""Schemathesis fuzzes every operation in the committed openapi.yaml against a live server,
authenticated as a platform admin, and fails on any 5xx or any answer that breaks the spec.

All four phases run, stateful included, with 50 examples per operation (FUZZ_EXAMPLES): an
independent run with more examples and the stateful phase found a 500 that 25 examples did not
(an annual statistics xlsx of a community whose name held a control character).

The operations are fuzzed in FUZZ_SHARDS (3) runs, each over whole path families (`/wishes…`,
`/members…`: a create and the operations its links lead to stay in one run), so pytest-xdist
spreads them over its workers: as one run it took 5–11 minutes on one worker while the other
finished the rest of the suite, the longest path of `make test`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from factories import PASSWORD, make_user, username_of
from factories.live_server import live_server
from factories.wechat import fake_wechat, wechat_env
from gongjian.models.enums import Role

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


# Stateful last: it follows the spec's links from each create to the operations on the new row
# (kit.openapi_docs.document_links), and those it infers from earlier answers.
PHASES = "examples,coverage,fuzzing,stateful"
SHARDS = int(os.environ.get("FUZZ_SHARDS", "3"))
PREFIX = "/api/v1/"


def _family(path: str) -> str:
    return path.removeprefix(PREFIX).split("/")[0]


def path_families_in_shards(spec: dict[str, object], shards: int) -> list[list[str]]:
    """Path families (the first segment after /api/v1/) dealt into `shards` groups of about the
    same number of operations: largest family first, each to the group with fewest so far."""
    sizes: dict[str, int] = {}
    for path, item in spec["paths"].items():  # type: ignore[attr-defined]
        methods = [m for m in item if m in {"get", "put", "post", "patch", "delete"}]
        sizes[_family(path)] = sizes.get(_family(path), 0) + len(methods)
    groups: list[list[str]] = [[] for _ in range(shards)]
    loads = [0] * shards
    for family in sorted(sizes, key=lambda f: (-sizes[f], f)):
        least = loads.index(min(loads))
        groups[least].append(family)
        loads[least] += sizes[family]
    return [sorted(group) for group in groups if group]


# libyaml's safe loader when PyYAML has it: the same document, ~4x faster than the pure-Python one
# (the spec is ~900 KB and every xdist worker reads it at collection).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SPEC = yaml.load((ROOT / "openapi.yaml").read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
FAMILY_SHARDS = path_families_in_shards(SPEC, SHARDS)


def test_every_operation_is_in_exactly_one_shard() -> None:
    families = [family for shard in FAMILY_SHARDS for family in shard]
    assert len(families) == len(set(families))
    assert {_family(path) for path in SPEC["paths"]} == set(families)
    assert all(path.startswith(PREFIX) for path in SPEC["paths"]), "a path outside /api/v1/ is in no shard's regex"


@pytest.mark.parametrize("families", FAMILY_SHARDS, ids=lambda families: "+".join(families[:2]))
def test_schemathesis_finds_no_server_errors_or_spec_violations(tmp_path: Path, families: list[str]) -> None:
    admin = username_of(make_user(Role.admin))
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    # WeChat login talks to a local fake WeChat (it refuses every fuzzed code), never the internet.
    with fake_wechat() as wx, live_server(wechat_env(wx)) as base:
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": admin, "password": PASSWORD}).json()
        result = subprocess.run(
            [
                st,
                "run",
                str(ROOT / "openapi.yaml"),
                "--url",
                base,
                "--header",
                f"Authorization: Bearer {token['access_token']}",
                "--checks",
                CHECKS,
                "--phases",
                PHASES,
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "50"),
                "--seed",
                os.environ.get("FUZZ_SEED", "20171"),
                "--generation-database",
                "none",
                "--no-color",
                "--exclude-operation-id",
                "change_my_password",
                "--include-path-regex",
                f"^{PREFIX}({'|'.join(families)})(/|$)",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=1200,  # a hang guard: a loaded 2-core machine has taken over 600 s
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-15000:]
