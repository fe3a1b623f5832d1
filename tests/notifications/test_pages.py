"""A subscription message's tap opens a page of the mini-program: every page the triggers name is one
the mini-program's source declares (frontend/miniapp/src/pages.json, whose pages the mp build's
app.json is checked to equal)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gongjian.models.enums import NotificationKind
from gongjian.notifications.triggers import PAGES

PAGES_JSON = Path(__file__).resolve().parents[2] / "frontend" / "miniapp" / "src" / "pages.json"


def declared_pages() -> set[str]:
    # uni-app's pages.json may carry comments; strings are kept whole.
    text = re.sub(
        r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", PAGES_JSON.read_text(), flags=re.S
    )
    source = json.loads(text)
    pages = {p["path"] for p in source["pages"]}
    for sub in source.get("subPackages", []):
        pages |= {f"{sub['root'].rstrip('/')}/{p['path']}" for p in sub["pages"]}
    return pages


def test_every_kind_opens_a_page_of_the_mini_program() -> None:
    assert set(PAGES) == set(NotificationKind)
    declared = declared_pages()
    assert "pages/home/index" in declared  # the file was read, not an empty set
    for kind, page in PAGES.items():
        path, _, query = page.partition("?")
        assert path in declared, f"{kind}: {path} is not a page of the mini-program"
        assert re.fullmatch(r"[a-z_]+=\{id\}", query), f"{kind}: the page gets the subject's id ({query})"
