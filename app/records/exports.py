"""Streamed exports to CSV and Excel, in constant memory, for every module's lists.

A module declares its columns (Chinese headers, a value per record for the caller); the
rows come from the database in batches through a server-side cursor and leave as they
come: CSV chunk by chunk (with a UTF-8 BOM so Excel reads Chinese right), Excel through
openpyxl's write-only workbook, which spools rows to disk rather than memory.

What a client once typed is never a formula when the file is opened (OWASP, "CSV
Injection"): in Excel every text is a string cell, in CSV a text starting with
``= + - @``, a tab or a carriage return gets a leading single quote. Characters XML cannot
carry (stored before input refused them) are replaced, so one row never breaks a file.
"""

import asyncio
import csv
import io
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, TYPE_STRING
from sqlalchemy import Select

from app.actor import Actor
from app.control_characters import without_control_characters
from app.db import SessionMaker

ExportFormat = Literal["csv", "xlsx"]
BATCH = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number (a negative amount) is left as it is: no spreadsheet evaluates it.
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any, Actor], Any]


def cell(value: Any, zone: ZoneInfo) -> Any:
    """Dates in the agency's zone, money exact, enums and ids as text."""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def csv_cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, quoted so it is read as text."""
    if not isinstance(value, str):
        return value
    value = without_control_characters(value)
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """Text as a string cell: openpyxl would write "=…" as a formula and "#N/A" as an error."""
    if not isinstance(value, str):
        return value
    value = without_control_characters(value)
    if value.startswith("=") or value in ERROR_CODES:
        text = WriteOnlyCell(sheet, value)
        text.data_type = TYPE_STRING
        return text
    return value


async def record_rows(
    sessionmaker: SessionMaker,
    query: Select[Any],
    columns: Sequence[Column],
    actor: Actor,
    zone: ZoneInfo,
) -> AsyncIterator[list[list[Any]]]:
    """Batches of rows, read with a server-side cursor in a session of the export's own."""
    async with sessionmaker() as session:
        stream = await session.stream_scalars(query.execution_options(yield_per=BATCH))
        async for partition in stream.partitions(BATCH):
            yield [[cell(c.value(record, actor), zone) for c in columns] for record in partition]
            # Done with these rows: let them go, so memory stays flat however many there are.
            # (expunge_all would also drop the identity map the stream is still filling.)
            for record in partition:
                session.expunge(record)


async def _csv(headers: list[str], batches: AsyncIterator[list[list[Any]]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Headers too: some are typed by people (an assessment scheme's item names).
    writer.writerow([csv_cell(header) for header in headers])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    async for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        yield buffer.getvalue().encode()


async def _xlsx(
    title: str, headers: list[str], batches: AsyncIterator[list[list[Any]]]
) -> AsyncIterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([xlsx_cell(sheet, header) for header in headers])
    async for rows in batches:
        await asyncio.to_thread(_append_all, sheet, rows)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        await asyncio.to_thread(workbook.save, path)
        with open(path, "rb") as saved:  # noqa: ASYNC230  read in chunks through a thread
            while chunk := await asyncio.to_thread(saved.read, 256 * 1024):
                yield chunk
    finally:
        os.unlink(path)


def _append_all(sheet: Any, rows: Iterable[list[Any]]) -> None:
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])


async def _once(rows: list[list[Any]]) -> AsyncIterator[list[list[Any]]]:
    yield rows


def table_response(
    export_format: ExportFormat,
    file_stem: str,
    headers: list[str],
    batches: AsyncIterator[list[list[Any]]] | list[list[Any]],
) -> StreamingResponse:
    rows = _once(batches) if isinstance(batches, list) else batches
    if export_format == "csv":
        body, media_type = _csv(headers, rows), "text/csv; charset=utf-8"
    else:
        body, media_type = _xlsx(file_stem, headers, rows), XLSX_TYPE
    name = f"{file_stem}.{export_format}"
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="export.{export_format}"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )
