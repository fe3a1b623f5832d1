"""Spreadsheet downloads: one way to write a sheet and one way to send a file, for every export.

- `Sheet` is a worksheet written top to bottom: a report title (bold, larger), plain lines, bold
  header rows, data rows; set column widths by column number. `xlsx(sheets)` writes the workbook
  (openpyxl's write-only mode: exports run to tens of thousands of rows); `csv_bytes` the CSV twin.
  Dates are written as text, 2017-03-01: what people type and what the imports read back.
  Control characters are dropped from text (XML can't hold them).
- Exported text is people's input (names, opinions), so no cell may become a formula (CSV / formula
  injection): a text cell starting with `= + - @`, a tab or a carriage return gets a leading `'`
  (OWASP's advice; spreadsheet programs then show it as text), and every xlsx text cell is written
  as a string cell. Numbers stay numbers, negative ones too: only text is neutralised.
- A sheet may offer drop-downs (`choices`: list validation from a range, as WPS and Excel show
  them) and be hidden (`hidden`: the lists those drop-downs read).
- `download(content, filename, fallback)` is the response: the Chinese file name as RFC 5987
  `filename*`, an ASCII `filename` for clients that don't read it. A large export is written by
  `write_xlsx` / `write_csv` into a `spool()` file (memory up to SPOOL_BYTES, then a temporary
  file on disk), as its rows are read, and sent from there by `file_download` in chunks: memory
  stays flat however many rows, and the database work is over before the first byte is sent (no
  session or transaction held while a slow client reads).
- `file_responses` is the matching entry of a route's `responses=` for the spec.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any
from urllib.parse import quote

from fastapi import Response
from fastapi.responses import StreamingResponse

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
_MEDIA_TYPES = {"xlsx": XLSX_MEDIA_TYPE, "csv": CSV_MEDIA_TYPE}
_TITLE, _PLAIN, _HEADER, _DATA, _WRAPPED = range(5)
# What spreadsheet programs read as the start of a formula (or, tab and CR, what hides one).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Control characters other than tab and line breaks: XML 1.0 can't hold them, so openpyxl refuses
# a cell that has one (a 500 for a name typed with one); they are dropped from every cell.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        value = _CONTROL.sub("", value)
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    return value


@dataclass
class Sheet:
    """One worksheet, its rows in the order they are added."""

    name: str
    # Column number (1 = A) → width in characters; unset columns keep Excel's default.
    widths: Mapping[int, float] = field(default_factory=dict)
    # Kept in the file but not shown (the lists a drop-down reads).
    hidden: bool = False
    _choices: list[tuple[str, str, str]] = field(default_factory=list, init=False, repr=False)
    _blocks: list[tuple[int, Iterable[Sequence[Any]]]] = field(default_factory=list, init=False, repr=False)

    def title(self, text: str) -> None:
        """The report's title line, bold and larger."""
        self._blocks.append((_TITLE, [[text]]))

    def line(self, *values: Any) -> None:
        """A plain row (no values: a blank row between sections)."""
        self._blocks.append((_PLAIN, [values]))

    def header(self, *values: Any) -> None:
        """A bold row: column headers, or a section's heading."""
        self._blocks.append((_HEADER, [values]))

    def choices(self, cells: str, source: str, title: str) -> None:
        """A drop-down on `cells` ("B2:B5000") offering the values in `source` (a range such as
        `'选项'!$A$2:$A$3`); a value not in the list is refused with a message naming `title`."""
        self._choices.append((cells, source, title))

    def rows(self, rows: Iterable[Sequence[Any]], *, wrap: bool = False) -> None:
        """Data rows; `wrap` wraps long text in its cell, aligned to the top (free-text columns)."""
        self._blocks.append((_WRAPPED if wrap else _DATA, rows))


def xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as .xlsx bytes (CPU work: call from the thread pool)."""
    out = io.BytesIO()
    write_xlsx(sheets, out)
    return out.getvalue()


def write_xlsx(sheets: Sequence[Sheet], out: IO[bytes]) -> None:
    """The workbook written to `out`, each sheet's rows taken from its iterables as they are
    written (openpyxl's write-only mode keeps no rows: lazily read rows are never all in memory).
    CPU work: call from the thread pool."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    styles: dict[int, dict[str, Any]] = {
        _TITLE: {"font": Font(bold=True, size=14), "alignment": Alignment(horizontal="left")},
        _HEADER: {"font": Font(bold=True)},
        _WRAPPED: {"alignment": Alignment(wrap_text=True, vertical="top")},
    }
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        if sheet.hidden:
            ws.sheet_state = "hidden"
        for target, source, choice in sheet._choices:
            check = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True)
            check.errorTitle = choice
            check.error = f"请从下拉列表中选择{choice}"
            check.add(target)
            ws.data_validations.append(check)
        for column, width in sheet.widths.items():
            ws.column_dimensions[get_column_letter(column)].width = width
        for kind, rows in sheet._blocks:
            style = styles.get(kind, {})
            for row in rows:
                cells = []
                for value in map(_cell_value, row):
                    cell = WriteOnlyCell(ws, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"  # text is never a formula, whatever it starts with
                    for name, setting in style.items():
                        setattr(cell, name, setting)
                    cells.append(cell)
                ws.append(cells)
    book.save(out)


# --- a plain table, written without openpyxl ------------------------------------------------------
# openpyxl makes an object per cell and writes it through lxml (~20 µs a cell): 6 s of a 20,000-row,
# 14-column export, holding the GIL. A plain table — one sheet, a bold header row, data rows, as the
# members export is — is written here as the XML itself (~1 µs a cell), streamed into the zip, with
# the same cells openpyxl writes: text as inline strings (never formulas, quoted by `_cell_value`),
# numbers as numbers.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TABLE_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml"'
        ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml"'
        ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml"'
        ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN_NS}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Rows of a table's sheet XML encoded and written to the zip at a time.
_XML_BATCH = 500


def _column_letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(n) for n in range(1, count + 1)]


def _table_row(number: int, values: Sequence[Any], letters: Sequence[str], style: str) -> str:
    cells = []
    for letter, raw in zip(letters, values, strict=False):
        value = _cell_value(raw)
        if value is None or value == "":
            continue
        ref = f"{letter}{number}"
        if isinstance(value, bool):
            cells.append(f'<c r="{ref}" t="b"{style}><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
        else:
            text = str(value)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            cells.append(f'<c r="{ref}" t="inlineStr"{style}><is><t{space}>{text.translate(_XML_ESCAPES)}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def write_table_xlsx(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[bytes]) -> None:
    """A one-sheet workbook, sheet `name`: `header` bold, then `rows`, written to `out` as they
    come (the sheet's XML goes into the zip a batch of rows at a time). CPU work: thread pool."""
    import zipfile

    letters = _column_letters(max(len(header), 1))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for part, xml in _TABLE_PARTS.items():
            book.writestr(part, _XML_HEAD + xml)
        sheet_name = name.translate(_XML_ESCAPES).replace('"', "&quot;")
        workbook = (
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        book.writestr("xl/workbook.xml", _XML_HEAD + workbook)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}"><sheetData>'.encode())
            batch = [_table_row(1, header, letters, ' s="1"')]
            for number, row in enumerate(rows, 2):
                if len(row) > len(letters):
                    letters = _column_letters(len(row))
                batch.append(_table_row(number, row, letters, ""))
                if len(batch) >= _XML_BATCH:
                    sheet.write("".join(batch).encode())
                    batch.clear()
            batch.append("</sheetData></worksheet>")
            sheet.write("".join(batch).encode())


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.BytesIO()
    write_csv(header, rows, out)
    return out.getvalue()


# Rows of a CSV encoded and written to its file at a time.
_CSV_BATCH = 1000


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[bytes]) -> None:
    """The CSV twin of `write_xlsx`: written to `out` a batch of rows at a time."""
    text = io.StringIO()
    writer = csv.writer(text)
    # The BOM makes Excel read the file as UTF-8 (else it shows Chinese as mojibake).
    out.write("\ufeff".encode())
    writer.writerow(header)
    for number, row in enumerate(rows, 1):
        writer.writerow([_cell_value(v) for v in row])
        if number % _CSV_BATCH == 0:
            out.write(text.getvalue().encode())
            text.seek(0)
            text.truncate()
    out.write(text.getvalue().encode())


# A spooled export stays in memory up to this size, then moves to a temporary file on disk.
SPOOL_BYTES = 1024 * 1024
# Bytes read from a spooled export and sent at a time.
SEND_CHUNK = 64 * 1024


def spool() -> IO[bytes]:
    """A file for an export to be written into: in memory while small, on disk (anonymous, gone
    when closed) once it passes SPOOL_BYTES. Hand it to `file_download`, which closes it."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # closed by file_download


def download(content: bytes, filename: str, fallback: str) -> Response:
    """An attachment named `filename` (Chinese welcome), or `fallback` (ASCII) for older clients;
    the media type follows the file's suffix (.xlsx or .csv)."""
    media_type = _MEDIA_TYPES[filename.rsplit(".", 1)[-1]]
    return Response(content, media_type=media_type, headers={"Content-Disposition": _disposition(filename, fallback)})


def file_download(file: IO[bytes], filename: str, fallback: str) -> Response:
    """`download` for a file already written (a `spool()`): sent from the start in SEND_CHUNK
    pieces, with its length; the file is closed when the response ends or is abandoned."""
    size = file.seek(0, io.SEEK_END)
    file.seek(0)

    def chunks() -> Iterator[bytes]:
        # A plain generator: Starlette reads it in the thread pool (a disk read stays off the loop).
        try:
            while chunk := file.read(SEND_CHUNK):
                yield chunk
        finally:
            file.close()

    return StreamingResponse(
        chunks(),
        media_type=_MEDIA_TYPES[filename.rsplit(".", 1)[-1]],
        headers={"Content-Disposition": _disposition(filename, fallback), "Content-Length": str(size)},
    )


def _disposition(filename: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_responses(description: str, *, with_csv: bool = False) -> dict[int | str, dict[str, Any]]:
    """The spec's 200 answer of a download route: xlsx (and CSV, when the route offers it)."""
    content: dict[str, Any] = {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}
    if with_csv:
        content[CSV_MEDIA_TYPE] = {"schema": {"type": "string"}}
    return {200: {"description": description, "content": content}}
