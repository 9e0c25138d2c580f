"""Reading a table people bring as a file (CSV or XLSX): a supplier's delivery list, a list of schools, the
equipment to assign, the participants to invite.

Each line is numbered as a spreadsheet shows it (the header is line 1). A file's size is no measure of its
rows (a workbook of 0.3 MB can hold two million), so reading stops as soon as the file is known to be too long,
and a workbook is refused before it is opened when it would unpack to more than a bound. Reading takes
seconds on a big file: a service calls it through `shared.aside`.
"""
from __future__ import annotations

import csv
import io
import zipfile

from .errors import InvalidCommand

MAX_LINES = 50_000
MAX_ROWS_READ = 2 * MAX_LINES  # blank rows included: a file mostly empty is not read for ever either
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024  # what a workbook may unpack to (a tiny file can hold gigabytes)
MAX_COLUMNS = 256  # a workbook's rows are widened to its widest cell: one cell in column XFD would make 16,384


def file_error(message: str) -> InvalidCommand:
    return InvalidCommand({"file": [message]})


def read_table(raw: bytes, fmt: str) -> tuple[list, list[tuple[int, list]]]:
    """The header row and the other non-empty rows, each with its line number; InvalidCommand on `file`
    for a file that cannot be read, is empty, or is too long."""
    kept, read = [], 0
    for n, cells in (csv_rows(raw) if fmt == "csv" else xlsx_rows(raw)):
        read += 1
        cells = [_cell(c) for c in cells]
        if any(c not in (None, "") for c in cells):
            kept.append((n, cells))
        if len(kept) > MAX_LINES + 1 or read > MAX_ROWS_READ:
            raise file_error(f"The file has more than {MAX_LINES} lines (or {MAX_ROWS_READ} rows with the blank "
                             f"ones); import at most {MAX_LINES} at a time.")
    if not kept:
        raise file_error("The file is empty: it has no header line.")
    (_, header), body = kept[0], kept[1:]
    return header, body


def csv_rows(raw: bytes):
    """(line number, cells) of a CSV file in UTF-8; its delimiter (`;`, `,` or tab) is what its first line uses most."""
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_error(f"The file is not UTF-8 text (byte {exc.start}); save it as “CSV UTF-8”.")
    first = content.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise file_error(f"Line {line}: {exc}.")


def xlsx_rows(raw: bytes):
    """(line number, cells) of a workbook's first sheet, once its unpacked size is known to be reasonable."""
    from openpyxl import load_workbook

    try:
        # zipfile stops at each member's declared size, so the declared sizes bound what is unpacked.
        unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(raw)).infolist())
        if unpacked > MAX_XLSX_UNCOMPRESSED:
            raise file_error(f"The workbook unpacks to {unpacked // (1024 * 1024)} MB; at most "
                             f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB. Save the list alone, or as CSV.")
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error(f"Not a readable XLSX workbook ({type(exc).__name__}).")
    try:
        sheet = book.worksheets[0]
        width = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
        for number, cells in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
            yield number, list(cells)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:  # a damaged sheet, met late
        raise file_error(f"Not a readable XLSX workbook ({type(exc).__name__}).")
    finally:
        book.close()


def _cell(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
