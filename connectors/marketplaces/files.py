"""What every marketplace export shares: sniff the format, find the header, clean the cells.

A file is recognised by its bytes, never its name: xlsx by the ZIP magic, legacy xls by the OLE2
magic (both read by python-calamine), an HTML table saved as ``.xls`` by its markup (read by the
standard library's HTML parser), anything else as delimited text: UTF-16 when it starts with a
byte-order mark (Google Ads' "CSV for Excel"), else UTF-8 (with or without BOM), else GB18030 (a
superset of GBK that also holds the rare characters of product titles). The delimiter is a tab
when a line near the top is split by tabs and holds no comma, else a comma.

Ad-spend exports (``connectors/adspend``) are read with the same machinery.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from operator import itemgetter
from typing import Any

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
#: How far down a file its header row may sit (below title and description rows).
HEADER_SEARCH_ROWS = 12
#: Buyers' names, accounts, phones and addresses (often masked): dropped as the file is read.
PERSONAL = frozenset(
    {
        "买家会员名",
        "买家支付宝账号",
        "收货人姓名",
        "收货地址",
        "联系电话",
        "联系手机",
        "买家留言",
        "发票抬头",
        "修改后的收货地址",
        "收件人",
        "收件人手机号",
        "详细地址",
        "客户姓名",
        "客户地址",
        "下单帐号",
        "下单账号",
        "收货人",
        "手机",
        "省",
        "市",
        "区",
        "街道",
    }
)
ZERO = Decimal(0)
NULLS = frozenset({"", "-", "--", "null", "NULL", "None"})
#: The first characters of a stripped cell that may still be wrapped or null-like.
_NEEDS_A_LOOK = frozenset("'=-nN")
#: A row whose first cell starts so is a total, not data (Google Ads writes ``Total: Account``).
TOTAL_MARKERS = ("总计", "合计", "Total:")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Currency signs and thousands separators an amount may carry (``¥1,234``, ``US$12.50``).
_CURRENCY_MARKS = re.compile(r"US\$|[¥￥元$€£,\s]")
_SPACES = re.compile(r"[\s\u3000\ufeff]+")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]"})


class UnreadableFile(ValueError):
    """The file is not a table storepulse recognises; the message says why in one sentence."""


@dataclass(slots=True)
class Sheet:
    """A file's table below its header, kept as raw cells and cleaned a column at a time.

    ``numbers`` holds each data row's 1-based row number in the file; a column is cleaned the
    first time it is asked for, so columns no reader uses (and personal ones) are never cleaned.
    """

    file_format: str
    header: list[str]
    numbers: list[int]
    cells: list[Sequence[Any]]
    kept: dict[str, int]
    #: The width of the shortest data row: a column left of it needs no test per cell.
    narrowest: int = 0
    #: The header's 0-based position in the file: the title rows lie above it.
    header_at: int = 0
    _cleaned: dict[str, list[str | None]] = field(default_factory=dict)

    def column(self, name: str) -> list[str | None]:
        """The column's cleaned cells, one per data row (all None if the file lacks it)."""
        cleaned = self._cleaned.get(name)
        if cleaned is None:
            index = self.kept.get(name)
            raw = [None] * len(self.cells) if index is None else self._raw(index)
            cleaned = self._cleaned[name] = clean_cells(raw)
        return cleaned

    def column_at(self, name: str, positions: list[int]) -> list[str | None]:
        """The column's cleaned cells in the given data rows only."""
        if name in self._cleaned or name not in self.kept:
            column = self.column(name)
            return [column[p] for p in positions]
        index, cells = self.kept[name], self.cells
        return clean_cells([cells[p][index] if index < len(cells[p]) else None for p in positions])

    def row(self, position: int) -> dict[str, str | None]:
        """One data row's kept cells by column name (to quote a row that is set aside)."""
        cells = self.cells[position]
        width = len(cells)
        return {name: cell_text(cells[i]) if i < width else None for name, i in self.kept.items()}

    def _raw(self, index: int) -> list[Any]:
        if index < self.narrowest:
            return list(map(itemgetter(index), self.cells))
        return [row[index] if index < len(row) else None for row in self.cells]

    @property
    def rows(self) -> list[tuple[int, dict[str, str | None]]]:
        """Every data row as (row number, cells by name): for the small exports read row-wise."""
        return [(number, self.row(i)) for i, number in enumerate(self.numbers)]


def clean_cells(values: list[Any]) -> list[str | None]:
    """``cell_text`` of every cell; a column that repeats itself (most do: amounts, statuses,
    titles) cleans each distinct value once."""
    if len(set(values[:256])) > 64:  # ids and times: nearly every value is new
        return _clean_each(values)
    distinct = set(values)
    cleaned = dict(zip(distinct, map(cell_text, distinct), strict=True))
    return list(map(cleaned.__getitem__, values))


def _clean_each(values: list[Any]) -> list[str | None]:
    """``cell_text`` of every cell. Text cells (CSV, HTML) are stripped all at once, and only the
    few then left empty, null-like or wrapped (``'…``, ``="…"``) go through ``cell_text``: a
    call per cell costs more than the cleaning itself."""
    if not all(type(value) is str for value in values):
        return list(map(cell_text, values))
    cleaned: list[str | None] = list(map(str.strip, values))
    for i, text in enumerate(cleaned):
        if not text or text[0] in _NEEDS_A_LOOK:
            cleaned[i] = cell_text(text)
    return cleaned


def read_grid(data: bytes) -> tuple[str, list[list[Any]]]:
    """Every row of the file's first table as raw cells, and the format it was read as."""
    if data.startswith(XLSX_MAGIC) or data.startswith(XLS_MAGIC):
        return ("xlsx" if data.startswith(XLSX_MAGIC) else "xls"), _spreadsheet(data)
    text = decode(data)
    if _looks_like_html(text):
        return "html", _html_table(text)
    delimiter = "\t" if _tab_separated(text) else ","
    return "csv", list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _tab_separated(text: str) -> bool:
    """Whether a line near the top (the header) is split by tabs and holds no comma: 抖店's
    tab-prefixed values sit in comma-separated rows under a header without tabs."""
    lines = text[:8192].splitlines()[:HEADER_SEARCH_ROWS]
    return any(line.count("\t") >= 2 and "," not in line for line in lines)


def decode(data: bytes) -> str:
    """The text of a CSV or HTML export: UTF-16 with a BOM, UTF-8 (BOM or not), else GB18030,
    never plain GBK."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("starts as UTF-16 text but does not decode as it") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableFile(
            "is neither UTF-16, UTF-8 nor GB18030 text nor a spreadsheet"
        ) from None


def _spreadsheet(data: bytes) -> list[list[Any]]:
    from python_calamine import CalamineError, load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError) as exc:
        raise UnreadableFile(f"is a damaged spreadsheet ({str(exc)[:80]})") from None


def _looks_like_html(text: str) -> bool:
    start = text[:2048].lstrip().lower()
    return start.startswith(("<html", "<!doctype html", "<table", "<meta")) or "<table" in start


class _TableCells(HTMLParser):
    """The cells of the first ``<table>``: an HTML page some back-ends save as ``.xls``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._tables += 1
        elif self._tables == 1 and tag == "tr":
            self.rows.append([])
        elif self._tables == 1 and tag in ("td", "th") and self.rows:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _html_table(text: str) -> list[list[Any]]:
    parser = _TableCells()
    parser.feed(text)
    parser.close()
    return list(parser.rows)


def normalise_header(name: object) -> str:
    """A column name without stray spaces, tabs, BOM or line breaks, and with ASCII brackets."""
    return _SPACES.sub("", str(name if name is not None else "")).translate(_BRACKETS)


def cell_text(value: Any) -> str | None:
    """A cell as exact text, unwrapped (``="…"``, a leading tab or ``'``), ``-``/``--``/empty as
    None. A spreadsheet's whole number loses its ``.0``; its dates keep ``YYYY-MM-DD HH:MM:SS``."""
    if type(value) is not str:  # the common case (CSV, HTML) skips the spreadsheet types
        if value is None:
            return None
        value = _spreadsheet_text(value)
    text = value.strip()  # a leading tab or space too
    if text[:1] == "'":
        text = text[1:].strip()
    elif text[:2] == '="' and text[-1:] == '"':
        text = text[2:-1].strip()
    return None if text in NULLS else text


def _spreadsheet_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def find_sheet(
    file_format: str, grid: Sequence[Sequence[Any]], signatures: Collection[Collection[str]]
) -> tuple[Sheet, int]:
    """The table below the first row (among the first few) holding every column of a signature,
    and which signature it matched; total rows (总计/合计) and empty rows are left out.

    Raises:
        UnreadableFile: no row near the top holds the columns of any known export.
    """
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        header = [normalise_header(cell) for cell in row]
        present = set(header)
        for number, signature in enumerate(signatures):
            if set(signature) <= present:
                return _sheet(file_format, header, grid, index), number
    raise UnreadableFile("has no header row of a known export in its first rows")


def _sheet(file_format: str, header: list[str], grid: Sequence[Sequence[Any]], at: int) -> Sheet:
    # Personal columns are never even cleaned: only the kept ones are read.
    columns = [i for i, name in enumerate(header) if name and name not in PERSONAL]
    kept = {header[i]: i for i in columns}  # a repeated name reads its last column
    below = grid[at + 1 :]
    first = _first_column(below, columns)
    counted = [
        i
        for i, text in enumerate(first)
        if (not text.startswith(TOTAL_MARKERS) if text else _counts(below[i], columns))
    ]
    cells = [below[i] for i in counted]
    narrowest = min(map(len, cells), default=0)
    numbers = [at + 2 + i for i in counted]
    sheet = Sheet(file_format, header, numbers, cells, kept, narrowest, header_at=at)
    if columns and kept[header[columns[0]]] == columns[0]:  # cleaned already: keep it
        sheet._cleaned[header[columns[0]]] = [first[i] for i in counted]
    return sheet


def _first_column(rows: Sequence[Sequence[Any]], kept: list[int]) -> list[str | None]:
    """The first kept column's cleaned cells: it tells nearly every row's fate on its own (the
    order id, or a total's 总计), and it is the column a reader groups rows by."""
    if not kept:
        return [None] * len(rows)
    index = kept[0]
    return clean_cells([row[index] if index < len(row) else None for row in rows])


def _counts(row: Sequence[Any], kept: list[int]) -> bool:
    """Whether a row holds data: its first kept non-empty cell is not a total (总计/合计)."""
    width = len(row)
    for i in kept:
        if i < width and (text := cell_text(row[i])):
            return not text.startswith(TOTAL_MARKERS)
    return False


def money(text: str | None, column: str) -> Decimal:
    """An amount such as ``¥1,234.50`` or ``$1,234.50``; a null amount is zero.

    Raises:
        ValueError: naming the column and the value.
    """
    if text is None:
        return ZERO
    try:
        amount = Decimal(text)  # most amounts are plain decimals
    except InvalidOperation:
        cleaned = _CURRENCY_MARKS.sub("", text)
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(f"column {column}: {text!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"column {column}: {text!r} is not an amount")
    return amount


def whole(text: str | None, column: str) -> int:
    """A count such as ``1,234``; a null count is zero.

    Raises:
        ValueError: naming the column and the value.
    """
    amount = money(text, column)
    if amount != amount.to_integral_value():
        raise ValueError(f"column {column}: {text!r} is not a whole number")
    return int(amount)


_MOMENT_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def moment(text: str | None, column: str) -> datetime | None:
    """A local wall-clock time as the exports write it (naive; the store's zone applies).

    Raises:
        ValueError: naming the column and the value.
    """
    if text is None:
        return None
    if len(text) >= 16 and text[4] == "-":  # 2026-11-11 00:05[:00], the usual form
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    for pattern in _MOMENT_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(f"column {column}: {text!r} is not a time such as 2026-11-11 00:05:00")


def day(text: str | None, column: str) -> date:
    """A calendar day such as ``2026-11-11`` (or ``2026/11/11``, or ``20261111``).

    Raises:
        ValueError: naming the column and the value.
    """
    cleaned = (text or "").strip()[:10].replace("/", "-")
    if re.fullmatch(r"\d{8}", cleaned):
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"column {column}: {text!r} is not a day such as 2026-11-11") from None
