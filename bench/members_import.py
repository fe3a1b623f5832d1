"""Member import benchmark: 10,000 rows (`.csv` and `.xlsx`) into a fresh SQLite database.

The target (issue 3) is under 10 s per file. Everything runs the real way: a fresh database built
by the migrations, organisations and an admin seeded, the app served by uvicorn, the file POSTed to
`/api/v1/members/import` over HTTP. Prints the wall time of a dry run and of the real import for
each format (each real import into its own fresh database). Run: `.venv/bin/python bench/members_import.py`.
"""

from __future__ import annotations

import csv
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
from openpyxl import Workbook

ROWS = int(os.environ.get("BENCH_MEMBER_ROWS", "10000"))
PASSWORD = "bench-password-1"
HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "手机号码",
    "入党日期",
    "党员类别",
    "工作单位党组织",
    "报到社区",
    "报到日期",
    "技能特长",
    "志愿者编号",
]
CATEGORIES = ["在职党员", "离退休党员", "失业党员", "流动党员", "“两新”组织党员"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rows() -> list[list[object]]:
    rng = random.Random(2017)
    out: list[list[object]] = []
    for i in range(ROWS):
        category = CATEGORIES[i % len(CATEGORIES)]
        out.append(
            [
                f"党员{i:05d}",
                "男" if i % 2 else "女",
                f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                f"2{rng.randint(0, 16):03d}-07-01",
                category,
                f"U{i % 40:03d}" if category == "在职党员" else "",
                f"C{i % 10:03d}",
                "2017-03-01",
                "法律咨询、书法",
                f"V{i:06d}",
            ]
        )
    return out


def as_csv(data: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(data)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx_shared_strings(data: list[list[object]]) -> bytes:
    """The workbook as Excel and WPS save it: cell text in the shared-strings table.

    (openpyxl can only write inline strings, which its reader parses several times slower; files
    that people fill in and save in Excel or WPS arrive in this form.)
    """
    strings: dict[str, int] = {}

    def ref(text: str) -> int:
        return strings.setdefault(text, len(strings))

    def column(i: int) -> str:
        return chr(ord("A") + i)

    lines = []
    for r, values in enumerate([HEADER, *data], start=1):
        cells = "".join(
            f'<c r="{column(i)}{r}" t="s"><v>{ref(str(v))}</v></c>' for i, v in enumerate(values) if v != ""
        )
        lines.append(f'<row r="{r}">{cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sst = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="党员" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{"".join(lines)}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return out.getvalue()


def as_xlsx(data: list[list[object]]) -> bytes:
    """The workbook as openpyxl writes it (inline strings), e.g. our own export re-imported as is."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员")
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SEED = """
from sqlalchemy import insert
from gongjian.db import unit_of_work
from gongjian.models import Organization
rows = [dict(name=f"社区{i:03d}", kind="community", code=f"C{i:03d}", version=1) for i in range(10)]
rows += [dict(name=f"单位{i:03d}", kind="unit", code=f"U{i:03d}", version=1) for i in range(40)]
with unit_of_work() as session:
    session.execute(insert(Organization), rows)
"""


def run(label: str, content: bytes, filename: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "GONGJIAN_VAR_DIR": tmp}
        bin_dir = Path(sys.executable).parent
        subprocess.run([bin_dir / "gongjian", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
        subprocess.run(
            [bin_dir / "gongjian", "create-user", "bench", "--role", "admin"],
            env={**env, "GONGJIAN_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
        )
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "gongjian.app:app", "--port", str(port), "--log-level", "warning"],
            env=env,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise SystemExit("server did not start") from None
                    time.sleep(0.1)
            token = httpx.post(f"{base}/auth/token", data={"username": "bench", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                for dry_run in ("true", "false"):
                    started = time.perf_counter()
                    response = http.post(f"/members/import?dry_run={dry_run}", files={"file": (filename, content)})
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        raise SystemExit(f"{label}: {response.status_code} {response.text[:2000]}")
                    kind = "dry run" if dry_run == "true" else "import "
                    print(f"{label} {kind}: {ROWS} rows in {elapsed:.2f} s  ({response.json()})", flush=True)
                total = http.get("/members?page_size=1").json()["total"]
                assert total == ROWS, total
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    data = rows()
    run("csv ", as_csv(data), "members.csv")
    run("xlsx (shared strings, as Excel/WPS save)", as_xlsx_shared_strings(data), "members.xlsx")
    run("xlsx (inline strings, as openpyxl writes)", as_xlsx(data), "members.xlsx")


if __name__ == "__main__":
    main()
