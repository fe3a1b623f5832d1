"""Member spreadsheets: the import template, reading an uploaded `.xlsx` / `.csv`, writing exports.

Columns have Chinese headers (what the communities' spreadsheets already use). Enum cells take the
Chinese label or the code; organisation cells take the organisation's code or full name; dates take
2017-03-01, 2017/3/1, 2017.3.1 or 2017年3月1日 (or a real date cell). The header is line 1, so the
line numbers in an answer are the row numbers a person sees in Excel.

An upload is untrusted: a few megabytes of `.xlsx` can unpack to gigabytes (openpyxl reads the whole
shared-strings table before the first row), and a tiny sheet can read as a million empty rows. So
the zip directory is checked against the limits below before openpyxl sees the file, every line
read counts against the row cap whether it is blank or not, and reading stops at the import's
deadline. The import endpoint's description states these limits.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from gongjian.kit.errors import ProblemError, unprocessable
from gongjian.kit.spreadsheet import Sheet, csv_bytes, write_csv, write_table_xlsx, xlsx
from gongjian.members.schemas import FileFormat
from gongjian.models.enums import Gender, LabelledEnum, MemberCategory, MemberStatus

# What one import may be: the file as sent, its lines after the header (blank lines count: a
# reader must not walk a million empty rows to find the end), and the columns read per line.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 64
# An .xlsx is a zip: limits read from its directory before anything is unpacked. A 50,000-row sheet
# saved by openpyxl unpacks to ~32 MB at ~11:1; Excel's shared-strings form to ~23 MB at ~9:1.
MAX_XLSX_ENTRIES = 1_000
MAX_XLSX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_XLSX_TOTAL_BYTES = 96 * 1024 * 1024
# Unpacked ÷ packed, for parts big enough to matter (a tiny part of repeated XML may pack tighter).
MAX_XLSX_RATIO = 100
_RATIO_FROM_BYTES = 1024 * 1024
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    field: str
    required: bool
    hint: str


COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True, "最多 50 字"),
    Column("性别", "gender", True, "男 / 女"),
    Column("出生日期", "birth_date", False, "如 1975-06-01"),
    Column("手机号码", "phone", False, "11 位大陆手机号"),
    Column("入党日期", "joined_party_on", False, "如 2001-07-01"),
    Column("党员类别", "category", True, "、".join(MemberCategory.__labels__.values())),
    Column("工作单位党组织", "unit_org", False, "简码或全称；在职党员必填（驻区单位）"),
    Column("报到社区", "community_org", True, "社区党组织的简码或全称"),
    Column("报到日期", "reported_on", False, "到社区报到的日期"),
    Column("技能特长", "skills", False, "多个用顿号、逗号或分号分隔"),
    Column("志愿者编号", "volunteer_number", False, "字母、数字或 -，全平台唯一"),
)
# Written by the export, ignored by the import, so an export can be edited and imported elsewhere.
EXPORT_ONLY_HEADERS = ("系统编号", "状态", "手机号是否掩码")
HEADER_TO_FIELD = {c.header: c.field for c in COLUMNS}
FIELD_TO_HEADER = {c.field: c.header for c in COLUMNS}
_SKILL_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_QUOTES = str.maketrans("", "", "“”\"'‘’")


def _by_label(enum: type[LabelledEnum]) -> dict[str, str]:
    table = {code: code for code in enum.__labels__}
    table.update({label.translate(_QUOTES): code for code, label in enum.__labels__.items()})
    return table


_GENDERS = _by_label(Gender)
_CATEGORIES = _by_label(MemberCategory)


# --- reading -----------------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One data row of an import file: its line, and its cells keyed by MemberCreate field, with
    organisation references still as written (`unit_org` / `community_org`: a code or a name)."""

    line: int
    values: dict[str, Any]
    # Problems found while reading the cells (column header, message).
    cell_errors: list[tuple[str, str]] = field(default_factory=list)


def _unreadable(detail: str) -> ProblemError:
    return unprocessable("import_unreadable", detail, field="body.file")


def _too_large(detail: str) -> ProblemError:
    return unprocessable("import_too_large", detail, field="body.file")


class Deadline:
    """When an import must be done reading and checking its rows; `check` refuses it after that.

    Checked once per row (a clock read costs far less than a row), before anything is written.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._at:
            raise unprocessable(
                "import_timeout",
                f"导入处理超过 {self.seconds:g} 秒，已停止，未导入任何数据；请拆分文件后分批导入",
                field="body.file",
            )


def read_upload(content: bytes, filename: str | None, deadline: Deadline) -> list[SheetRow]:
    name = (filename or "").lower()
    if name.endswith(".xlsx") or (not name.endswith(".csv") and content[:4] == b"PK\x03\x04"):
        table = _xlsx_rows(content)
    elif name.endswith(".csv") or not name:
        table = _csv_rows(content)
    else:
        raise unprocessable("unsupported_file_type", "只支持 .xlsx 或 .csv 文件", field="body.file")
    return _rows_from_table(table, deadline)


def check_xlsx_archive(content: bytes) -> None:
    """Refuse a zip whose directory says it unpacks to more than an import can hold.

    The directory's sizes can be trusted as upper bounds: `zipfile` stops inflating a part at its
    declared size (and then fails its CRC), so a part can't unpack past what is checked here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _unreadable("无法读取该 Excel 文件，请使用导入模板（.xlsx）") from exc
    if len(entries) > MAX_XLSX_ENTRIES:
        raise _too_large(f"Excel 文件内的文件数（{len(entries)}）超过 {MAX_XLSX_ENTRIES} 个，不是有效的导入文件")
    total = 0
    for entry in entries:
        if entry.file_size > MAX_XLSX_ENTRY_BYTES:
            raise _too_large(f"Excel 文件中有部件解压后超过 {MAX_XLSX_ENTRY_BYTES // _MB} MB，请拆分文件")
        if entry.file_size > _RATIO_FROM_BYTES and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1):
            raise _too_large(f"Excel 文件中有部件的压缩比超过 {MAX_XLSX_RATIO} 倍，不是有效的导入文件")
        total += entry.file_size
    if total > MAX_XLSX_TOTAL_BYTES:
        raise _too_large(f"Excel 文件解压后超过 {MAX_XLSX_TOTAL_BYTES // _MB} MB，请拆分文件")


def _xlsx_rows(content: bytes) -> Generator[Sequence[Any]]:
    from openpyxl import load_workbook

    check_xlsx_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # The sheet's own <dimension> is whatever the file says: it could cut the rows short or
        # widen every row to 16,384 columns. Read the rows that are there, at most MAX_COLUMNS wide.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except Exception as exc:  # an untrusted file: whatever the parser trips on, the answer is the same
        raise _unreadable("无法读取该 Excel 文件，请使用导入模板（.xlsx）") from exc

    def generate() -> Generator[Sequence[Any]]:
        try:
            yield from rows
        except Exception as exc:
            raise _unreadable("Excel 文件内容已损坏，无法读取") from exc
        finally:
            book.close()

    return generate()


def _csv_rows(content: bytes) -> Generator[Sequence[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _unreadable("无法识别 CSV 文件的编码（应为 UTF-8 或 GBK）")
    if "\x00" in text:
        raise _unreadable("CSV 文件含有不可识别的字符")

    def generate() -> Generator[Sequence[Any]]:
        # Lazily, so the row cap stops reading (a list of every line would be built first).
        try:
            for line in csv.reader(io.StringIO(text, newline="")):
                yield line[:MAX_COLUMNS]
        except csv.Error as exc:
            raise _unreadable(f"CSV 格式有误：{exc}") from exc

    return generate()


def _rows_from_table(table: Generator[Sequence[Any]], deadline: Deadline) -> list[SheetRow]:
    try:
        return _read_rows(table, deadline)
    finally:
        table.close()  # stopped early (a cap, a bad header): let the workbook go now


def _read_rows(table: Iterator[Sequence[Any]], deadline: Deadline) -> list[SheetRow]:
    header = next(table, None)
    if header is None:
        raise _unreadable("文件是空的：第 1 行应为表头")
    headers = [str(h).strip() if h is not None else "" for h in header]
    unknown = [h for h in headers if h and h not in HEADER_TO_FIELD and h not in EXPORT_ONLY_HEADERS]
    missing = [c.header for c in COLUMNS if c.required and c.header not in headers]
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    problems = []
    if missing:
        problems.append(f"缺少必填列：{'、'.join(missing)}")
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(unknown)}（请使用导入模板的表头）")
    if duplicated:
        problems.append(f"列重复：{'、'.join(duplicated)}")
    if problems:
        raise unprocessable("import_bad_header", "第 1 行表头有误：" + "；".join(problems), field="body.file")
    positions = [(i, HEADER_TO_FIELD[h]) for i, h in enumerate(headers) if h in HEADER_TO_FIELD]

    rows: list[SheetRow] = []
    for line, cells in enumerate(table, start=2):
        if line > MAX_ROWS + 1:
            detail = f"一次最多导入 {MAX_ROWS} 行（空行也计入），请删除多余的空行或拆分文件"
            raise unprocessable("too_many_rows", detail, field="body.file")
        deadline.check()
        if all(_blank(c) for c in cells):
            continue
        row = SheetRow(line=line, values={})
        for index, name in positions:
            cell = cells[index] if index < len(cells) else None
            if not _blank(cell):
                _put(row, name, cell)
        if str(row.values.get("name", "")).startswith(EXAMPLE_MARK):
            continue  # the template's example row
        rows.append(row)
    return rows


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _put(row: SheetRow, name: str, cell: Any) -> None:
    header = FIELD_TO_HEADER[name]
    if name in ("birth_date", "joined_party_on", "reported_on"):
        parsed = _date(cell)
        if parsed is None:
            row.cell_errors.append((header, f"日期格式不正确：“{_text(cell)}”，应为 2017-03-01"))
        else:
            row.values[name] = parsed
    elif name == "gender":
        code = _GENDERS.get(_text(cell).translate(_QUOTES))
        if code is None:
            row.cell_errors.append((header, f"性别应为“男”或“女”，不是“{_text(cell)}”"))
        row.values[name] = code
    elif name == "category":
        code = _CATEGORIES.get(_text(cell).translate(_QUOTES))
        if code is None:
            allowed = "、".join(MemberCategory.__labels__.values())
            row.cell_errors.append((header, f"党员类别“{_text(cell)}”无效，应为：{allowed}"))
        row.values[name] = code
    elif name == "skills":
        row.values[name] = [s.strip() for s in _SKILL_SEPARATORS.split(_text(cell)) if s.strip()]
    else:
        row.values[name] = _text(cell)


def _date(cell: Any) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    match = _DATE.match(_text(cell))
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- writing -----------------------------------------------------------------------------------


def _export_line(m: Mapping[str, Any]) -> list[Any]:
    """One member's line: `m` is a list row (members/service.py `_listed`)."""
    unit = m["unit_org"]
    values: dict[str, Any] = {
        "name": m["name"],
        "gender": Gender.label_of(m["gender"]),
        "birth_date": m["birth_date"],
        "phone": m["phone"] or "",
        "joined_party_on": m["joined_party_on"],
        "category": MemberCategory.label_of(m["category"]),
        "unit_org": unit["name"] if unit else "",
        "community_org": m["community_org"]["name"],
        "reported_on": m["reported_on"],
        "skills": "、".join(m["skills"] or ()),
        "volunteer_number": m["volunteer_number"] or "",
    }
    return [
        m["id"],
        *(values[c.field] for c in COLUMNS),
        MemberStatus.label_of(m["status"]),
        "是" if m["phone_masked"] else "否",
    ]


def write_export(members: Iterable[Mapping[str, Any]], fmt: FileFormat, out: IO[bytes]) -> None:
    """The members export written to `out`, line by line as the members are read (never all of
    them in memory)."""
    header = ["系统编号", *(c.header for c in COLUMNS), "状态", "手机号是否掩码"]
    lines = (_export_line(m) for m in members)
    if fmt is FileFormat.csv:
        write_csv(header, lines, out)
        return
    write_table_xlsx("党员", header, lines, out)


# A row whose name starts with this is the template's example: shown to be copied, never imported.
EXAMPLE_MARK = "【示例】"
# Rows of the members sheet that carry the drop-downs (the import reads at most MAX_ROWS).
_CHOICE_ROWS = 5000


@dataclass(frozen=True, slots=True)
class TemplateChoices:
    """The organisations the caller may name in an import, by full name (what the cells take)."""

    units: Sequence[str]
    communities: Sequence[str]


def _example(choices: TemplateChoices) -> list[Any]:
    values = {
        "name": f"{EXAMPLE_MARK}张红",
        "gender": Gender.label_of(Gender.female.value),
        "birth_date": "1975-06-01",
        "phone": "",
        "joined_party_on": "2001-07-01",
        "category": MemberCategory.label_of(MemberCategory.in_service.value),
        "unit_org": choices.units[0] if choices.units else "（驻区单位党组织全称）",
        "community_org": choices.communities[0] if choices.communities else "（社区党组织全称）",
        "reported_on": "2017-03-01",
        "skills": "法律咨询、普法宣传",
        "volunteer_number": "",
    }
    return [values[c.field] for c in COLUMNS]


def template(fmt: FileFormat, choices: TemplateChoices) -> bytes:
    """The import template: the header, an example row (skipped by the import) and, in the xlsx,
    drop-downs for 性别, 党员类别 and the organisations the caller may name."""
    header = [c.header for c in COLUMNS]
    example = _example(choices)
    if fmt is FileFormat.csv:
        return csv_bytes(header, [example])
    members = Sheet("党员", widths={i + 1: max(12, len(c.header) * 2 + 4) for i, c in enumerate(COLUMNS)})
    members.header(*header)
    members.line(*example)
    lists: list[tuple[str, Sequence[str]]] = [
        ("gender", list(Gender.__labels__.values())),
        ("category", list(MemberCategory.__labels__.values())),
        ("unit_org", choices.units),
        ("community_org", choices.communities),
    ]
    options = Sheet("选项", hidden=True)
    options.header(*(FIELD_TO_HEADER[name] for name, _ in lists))
    longest = max(len(values) for _, values in lists)
    options.rows([values[i] if i < len(values) else None for _, values in lists] for i in range(longest))
    for position, (name, values) in enumerate(lists):
        if not values:
            continue
        column = "ABCD"[position]
        target = "ABCDEFGHIJK"[[c.field for c in COLUMNS].index(name)]
        members.choices(
            f"{target}2:{target}{_CHOICE_ROWS + 1}",
            f"'选项'!${column}$2:${column}${len(values) + 1}",
            FIELD_TO_HEADER[name],
        )
    notes = Sheet("说明")
    notes.header("列名", "是否必填", "填写说明")
    notes.rows([c.header, "必填" if c.required else "选填", c.hint] for c in COLUMNS)
    notes.line("", "", "第一个工作表逐行填写，一行一名党员；任何一行出错则全部不导入，并一次列出所有出错的行和列。")
    notes.line("", "", f"第 2 行是示例（姓名以“{EXAMPLE_MARK}”开头的行不会导入），可照着填写，也可删除。")
    notes.line("", "", "性别、党员类别、工作单位党组织、报到社区可从下拉列表选择。")
    return xlsx([members, notes, options])
