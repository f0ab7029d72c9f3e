"""Reading the CQC's published files into the portal, streamed row by row: the files are
large (several hundred thousand rows), and only one batch of rows is held at a time."""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree as ET

import filetype
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.cqc.operations import LocationRecord, apply_location_batch
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome

BATCH_ROWS = 1000
# The header is near the top; a file without one in its first rows is not a CQC file.
HEADER_SEARCH_ROWS = 50
# A spreadsheet row is cut at this many columns (the CQC's files have fewer than 40), and a
# row repeated more than MAX_ROW_REPEAT times counts that many: what a sheet's repeat counts
# say cannot make the import run for ever.
MAX_COLUMNS = 1024
MAX_ROW_REPEAT = 1000
ODS_MEDIA_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ZIP_SIGNATURE = b"PK\x03\x04"
_SNIFF_BYTES = 8192
# Bytes no text file has (tab, line feed, carriage return and form feed aside).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NOT_A_SPREADSHEET = (
    "{name} is not a CSV file or an OpenDocument spreadsheet (.ods). Import the CQC's file "
    "as published, or saved as CSV (UTF-8) or .ods."
)
_READ_ERRORS = (UnicodeDecodeError, csv.Error, ET.ParseError, zipfile.BadZipFile, EOFError, OSError)


class CqcImportError(Exception):
    """The file cannot be imported; the message says why, for the person running the import."""


@dataclass(frozen=True)
class Layout:
    name: str
    first_header: str
    # Our field: the CQC's column name. Columns not listed are ignored, so added ones do no harm.
    required: dict[str, str]
    optional: dict[str, str]


DIRECTORY = Layout(
    name="directory",
    first_header="Name",
    required={"location_id": "CQC Location ID (for office use only)", "name": "Name"},
    optional={
        "address": "Address",
        "postcode": "Postcode",
        "service_types": "Service types",
        "specialisms": "Specialisms/services",
        "provider_name": "Provider name",
        "local_authority": "Local authority",
        "provider_id": "CQC Provider ID (for office use only)",
    },
)

RATINGS = Layout(
    name="ratings",
    first_header="Location ID",
    required={
        "location_id": "Location ID",
        "name": "Location Name",
        "population_group": "Service / Population Group",
        "domain": "Domain",
        "rating": "Latest Rating",
        "published_on": "Publication Date",
    },
    optional={
        "street": "Location Street Address",
        "line_2": "Location Address Line 2",
        "city": "Location City",
        "postcode": "Location Post Code",
        "local_authority": "Location Local Authority",
        "provider_id": "Provider ID",
        "provider_name": "Provider Name",
    },
)

LAYOUTS = (DIRECTORY, RATINGS)


@dataclass
class ImportSummary:
    source_file: str
    layout: str = ""
    rows_read: int = 0
    locations_read: int = 0
    homes_matched: int = 0
    ratings_changed: int = 0
    homes_flagged_inadequate: int = 0
    # Locations in the file that are no portal home (most of the country's).
    locations_unmatched: int = 0
    # The portal's homes the file did not mention, as (home id, CQC location ID, name).
    homes_not_in_file: list[tuple[int, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source_file": self.source_file,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "locations_read": self.locations_read,
            "homes_matched": self.homes_matched,
            "ratings_changed": self.ratings_changed,
            "homes_flagged_inadequate": self.homes_flagged_inadequate,
            "locations_unmatched": self.locations_unmatched,
            "homes_not_in_file": [
                {"home_id": home_id, "cqc_location_id": location_id, "name": name}
                for home_id, location_id, name in self.homes_not_in_file
            ],
        }

    def lines(self) -> list[str]:
        """The summary as the import command prints it."""
        lines = [
            f"Imported {self.source_file} ({self.layout} layout).",
            f"Rows read: {self.rows_read}",
            f"Locations read: {self.locations_read}",
            f"Portal homes matched: {self.homes_matched}",
            f"Ratings changed: {self.ratings_changed}",
            f"Homes rated Inadequate, flagged for review: {self.homes_flagged_inadequate}",
            f"Locations matching no portal home: {self.locations_unmatched}",
            f"Portal homes not in the file: {len(self.homes_not_in_file)}",
        ]
        lines += [
            f"  {location_id} {name} (home {home_id})"
            for home_id, location_id, name in self.homes_not_in_file
        ]
        return lines


def import_cqc_file(
    path: str | Path,
    *,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    after_batch: Callable[[], None] | None = None,
    summary: ImportSummary | None = None,
    actor=None,
    subject=None,
    source_name: str | None = None,
) -> ImportSummary:
    """Import a CQC directory or ratings file, CSV or OpenDocument spreadsheet (told apart by
    content, not name). `progress` is told the bytes of the file read so far, then
    `after_batch` runs, after each batch of about BATCH_ROWS rows is flushed (the command
    commits there). Pass `summary` to watch it fill in. Importing the same file again
    changes nothing."""
    path = Path(path)
    name = source_name or path.name
    now = now or clock.now()
    summary = summary or ImportSummary(source_file=name)
    summary.source_file = name
    matched_home_ids: set[int] = set()
    with path.open("rb") as raw, rows_of(raw, name) as sheets:
        layout, columns, rows = _first_sheet_with_header(sheets, name)
        summary.layout = layout.name
        try:
            for batch in _batches(rows, layout, columns, summary):
                outcome = apply_location_batch(batch, now=now, source_file=name)
                matched_home_ids.update(outcome.matched_home_ids)
                summary.ratings_changed += outcome.ratings_changed
                summary.homes_flagged_inadequate += outcome.homes_flagged
                if progress is not None:
                    progress(raw.tell())
                if after_batch is not None:
                    after_batch()
        except CqcImportError:
            raise
        except _READ_ERRORS as error:
            raise _unreadable(name, sheets.file_format, summary.rows_read, error) from error
    if progress is not None:
        progress(path.stat().st_size)
    summary.homes_matched = len(matched_home_ids)
    summary.locations_unmatched = summary.locations_read - summary.homes_matched
    summary.homes_not_in_file = _homes_not_in(matched_home_ids)
    record_event(
        AuditAction.cqc_imported,
        actor=actor,
        subject=subject if subject is not None else ("cqc_import", None),
        after=summary.as_dict(),
    )
    db.session.flush()
    return summary


def check_cqc_file(stream: BinaryIO, name: str) -> tuple[str, str]:
    """The format ("csv" or "ods") and layout of an upload, read from its first rows only;
    CqcImportError says what is wrong. Leaves the stream at its start."""
    stream.seek(0)
    try:
        with rows_of(stream, name) as sheets:
            layout, _, _ = _first_sheet_with_header(sheets, name)
            return sheets.file_format, layout.name
    finally:
        stream.seek(0)


def sniff_format(stream: BinaryIO, name: str) -> str:
    """ "ods" or "csv", from the content; CqcImportError for anything else."""
    stream.seek(0)
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    if not head:
        raise CqcImportError(f"{name} is empty.")
    if head.startswith(_ZIP_SIGNATURE):
        try:
            with zipfile.ZipFile(stream) as archive:
                mimetype = archive.read("mimetype").strip() if _has(archive, "mimetype") else b""
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise CqcImportError(_NOT_A_SPREADSHEET.format(name=name)) from error
        finally:
            stream.seek(0)
        if mimetype == ODS_MEDIA_TYPE.encode():
            return "ods"
        raise CqcImportError(_NOT_A_SPREADSHEET.format(name=name))
    if _CONTROL_BYTES.search(head) or filetype.guess(head) is not None:
        raise CqcImportError(_NOT_A_SPREADSHEET.format(name=name))
    if not _looks_like_utf8(head):
        raise CqcImportError(
            f"{name} could not be read as UTF-8 CSV: it is text in another encoding. "
            "Save it as CSV (UTF-8) and import it again."
        )
    return "csv"


class _Sheets:
    """The sheets of a file, each an iterator of rows (lists of cell text)."""

    def __init__(self, file_format: str, sheets: Iterator[Iterator[list[str]]]) -> None:
        self.file_format = file_format
        self._sheets = sheets

    def __iter__(self) -> Iterator[Iterator[list[str]]]:
        return self._sheets


@contextmanager
def rows_of(raw: BinaryIO, name: str) -> Iterator[_Sheets]:
    """The rows of a CSV (one sheet) or of each sheet of an OpenDocument spreadsheet,
    streamed from `raw`."""
    file_format = sniff_format(raw, name)
    if file_format == "csv":
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            # skipinitialspace: a quoted value after a stray space is still one value.
            yield _Sheets("csv", iter([csv.reader(text, skipinitialspace=True)]))
        finally:
            text.detach()
        return
    try:
        archive = zipfile.ZipFile(raw)
        member = archive.open("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise _unreadable(name, "ods", 0, error) from error
    try:
        yield _Sheets("ods", _ods_sheets(member))
    finally:
        member.close()
        archive.close()


def _first_sheet_with_header(
    sheets: _Sheets, name: str
) -> tuple[Layout, dict[str, int], Iterator[list[str]]]:
    try:
        for sheet in sheets:
            found = _find_header(sheet, name)
            if found is not None:
                return (*found, sheet)
    except CqcImportError:
        raise
    except _READ_ERRORS as error:
        raise _unreadable(name, sheets.file_format, 0, error) from error
    raise CqcImportError(
        f"{name} is not a CQC directory or ratings file: no row starting "
        "'Name,' or 'Location ID,' in its first lines."
    )


def rows_in_words(rows: int) -> str:
    """ "1 row", "2 rows"."""
    return f"{rows} row" if rows == 1 else f"{rows} rows"


def _unreadable(name: str, file_format: str, rows: int, error: Exception) -> CqcImportError:
    if file_format == "ods":
        return CqcImportError(
            f"{name} could not be read as an OpenDocument spreadsheet after "
            f"{rows_in_words(rows)}: {error}. Save it again as .ods or as CSV (UTF-8) and "
            "import it again."
        )
    return CqcImportError(
        f"{name} could not be read as UTF-8 CSV after {rows_in_words(rows)}: "
        f"{error}. Save it as CSV (UTF-8) and import it again."
    )


def _has(archive: zipfile.ZipFile, member: str) -> bool:
    try:
        archive.getinfo(member)
    except KeyError:
        return False
    return True


def _looks_like_utf8(head: bytes) -> bool:
    """Text, allowing a character cut in two at the end of the sample."""
    for cut in range(4):
        try:
            (head[: len(head) - cut] if cut else head).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


# OpenDocument: the spreadsheet's content.xml, read as a stream of XML events.
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SHEET = f"{_TABLE}table"
_XML_CHUNK = 64 * 1024
# The first element's start: past the prolog, where a document type would have to be.
_ROOT_STARTED = re.compile(rb"<[A-Za-z_]")
_ROW = f"{_TABLE}table-row"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_ROWS_REPEATED = f"{_TABLE}number-rows-repeated"
_COLUMNS_REPEATED = f"{_TABLE}number-columns-repeated"
_PARAGRAPH = f"{_TEXT}p"
_SPACE = f"{_TEXT}s"
_SPACE_COUNT = f"{_TEXT}c"
_TAB = f"{_TEXT}tab"
_LINE_BREAK = f"{_TEXT}line-break"
_ANNOTATION = f"{_OFFICE}annotation"
# Where a cell has no paragraph, what it holds.
_VALUE_ATTRIBUTES = tuple(
    f"{_OFFICE}{name}"
    for name in ("value", "date-value", "string-value", "boolean-value", "time-value")
)


def _ods_sheets(member: BinaryIO) -> Iterator[Iterator[list[str]]]:
    """Each sheet's rows; moving on to the next sheet skips what was left of the last."""
    rows = _ods_rows(member)
    pending = next(rows, None)

    def sheet_rows(number: int) -> Iterator[list[str]]:
        nonlocal pending
        while pending is not None and pending[0] == number:
            row = pending[1]
            pending = next(rows, None)
            yield row

    while pending is not None:
        sheet = sheet_rows(pending[0])
        yield sheet
        for _ in sheet:
            pass


def _ods_rows(member: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(sheet number, row) for every row. The parser builds no tree: a target collects each
    row's cells as the XML streams past, so memory stays flat however long the sheet."""
    target = _OdsRowCollector()
    parser = ET.XMLParser(target=target)  # noqa: S314  # nosec B314  # no DOCTYPE: see _xml_chunks
    for chunk in _xml_chunks(member):
        parser.feed(chunk)
        if target.rows:
            yield from target.rows
            target.rows.clear()
    parser.close()
    yield from target.rows


def _xml_chunks(member: BinaryIO) -> Iterator[bytes]:
    """The XML in chunks. A document type declaration is refused: content.xml never has one,
    and without it no entity can be declared (so no entity expansion attack); ElementTree
    fetches nothing external."""
    prolog = b""
    while chunk := member.read(_XML_CHUNK):
        if prolog is not None:
            prolog += chunk
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise ET.ParseError("content.xml declares a document type")
            if _ROOT_STARTED.search(prolog):
                prolog = None
            elif len(prolog) > 16 * _XML_CHUNK:
                raise ET.ParseError("content.xml has no content near its start")
        yield chunk


class _OdsRowCollector:
    """An XMLParser target that turns table rows into lists of cell text, as the cells show
    it: paragraphs joined by line breaks, text:s spaces, tabs and line breaks kept, a cell's
    value where it has no text, repeated cells and rows repeated (empty rows once, empty
    cells at a row's end dropped, both capped), comments (office:annotation) left out."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, list[str]]] = []
        self.sheet = -1
        self.cells: list[str] = []
        self.empty = 0
        self.row_repeat = 1
        self.cell_repeat = 1
        self.cell_value = ""
        self.paragraphs: list[str] = []
        self.text: list[str] | None = None
        self.in_annotation = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.in_annotation:
            self.in_annotation += 1
        elif tag == _ANNOTATION:
            self.in_annotation = 1
        elif self.text is not None:
            if tag == _SPACE:
                self.text.append(" " * _count(attrib.get(_SPACE_COUNT)))
            elif tag == _TAB:
                self.text.append("\t")
            elif tag == _LINE_BREAK:
                self.text.append("\n")
        elif tag == _PARAGRAPH:
            self.text = []
        elif tag in _CELLS:
            self.cell_repeat = _count(attrib.get(_COLUMNS_REPEATED))
            self.paragraphs = []
            self.cell_value = next(
                (attrib[name] for name in _VALUE_ATTRIBUTES if name in attrib), ""
            )
        elif tag == _ROW:
            self.cells, self.empty = [], 0
            self.row_repeat = _count(attrib.get(_ROWS_REPEATED))
        elif tag == _SHEET:
            self.sheet += 1

    def data(self, text: str) -> None:
        if self.text is not None and not self.in_annotation:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if self.in_annotation:
            self.in_annotation -= 1
        elif tag == _PARAGRAPH and self.text is not None:
            self.paragraphs.append("".join(self.text))
            self.text = None
        elif tag in _CELLS:
            self._add_cell("\n".join(self.paragraphs) if self.paragraphs else self.cell_value)
        elif tag == _ROW:
            row = self.cells
            for _ in range(min(self.row_repeat, MAX_ROW_REPEAT) if row else 1):
                self.rows.append((self.sheet, row))

    def _add_cell(self, value: str) -> None:
        if not value:
            self.empty += self.cell_repeat
            return
        cells = self.cells
        cells.extend([""] * min(self.empty, MAX_COLUMNS - len(cells)))
        self.empty = 0
        cells.extend([value] * min(self.cell_repeat, max(MAX_COLUMNS - len(cells), 0)))

    def close(self) -> None:
        return None


def _count(text: str | None) -> int:
    try:
        return max(int(text or "1"), 1)
    except ValueError:
        return 1


def _clean(value: str) -> str:
    return " ".join(value.replace("\ufeff", "").split())


def _find_header(reader, file_name: str) -> tuple[Layout, dict[str, int]] | None:
    """Skip any banner to the header row; which header it is tells the layout. None when the
    first rows hold no header."""
    for row in _limited(reader, HEADER_SEARCH_ROWS):
        names = [_clean(cell) for cell in row]
        layout = next((lay for lay in LAYOUTS if names and names[0] == lay.first_header), None)
        if layout is None:
            continue
        positions = {name: index for index, name in reversed(list(enumerate(names)))}
        missing = [name for name in layout.required.values() if name not in positions]
        if missing:
            raise CqcImportError(
                f"{file_name} looks like the CQC {layout.name} file but has no "
                f"{', '.join(repr(name) for name in missing)} column."
            )
        wanted = {**layout.required, **layout.optional}
        columns = {
            ours: positions[theirs] for ours, theirs in wanted.items() if theirs in positions
        }
        return layout, columns
    return None


def _limited(reader, count: int) -> Iterator[list[str]]:
    for _ in range(count):
        row = next(reader, None)
        if row is None:
            return
        yield row


def _batches(
    reader, layout: Layout, columns: dict[str, int], summary: ImportSummary
) -> Iterator[dict[str, LocationRecord]]:
    """Locations in batches of about BATCH_ROWS rows, cut between locations so that one
    location's rows (which the CQC publishes together) fall in one batch."""
    batch: dict[str, LocationRecord] = {}
    rows_in_batch = 0
    previous_id = None
    for row in reader:
        values = {
            ours: _clean(row[index]) if index < len(row) else "" for ours, index in columns.items()
        }
        location_id = values["location_id"]
        if not location_id:
            continue
        summary.rows_read += 1
        if location_id != previous_id:
            summary.locations_read += 1
            if rows_in_batch >= BATCH_ROWS:
                yield batch
                batch, rows_in_batch = {}, 0
            previous_id = location_id
        record = batch.setdefault(location_id, LocationRecord(location_id))
        _read_into(record, layout, values)
        rows_in_batch += 1
    if batch:
        yield batch


def _read_into(record: LocationRecord, layout: Layout, values: dict[str, str]) -> None:
    if layout is DIRECTORY:
        specialisms = [part.strip() for part in values.get("specialisms", "").split("|")]
        values["specialisms"] = "|".join(part for part in specialisms if part)
        for name in ("name", *DIRECTORY.optional):
            if name in values:
                record.details[name] = values[name]
        return
    record.details["name"] = values["name"]
    if any(name in values for name in ("street", "line_2", "city")):
        parts = (values.get("street", ""), values.get("line_2", ""), values.get("city", ""))
        record.details["address"] = ", ".join(part for part in parts if part)
    for name in ("postcode", "local_authority", "provider_id", "provider_name"):
        if name in values:
            record.details[name] = values[name]
    if values["population_group"] == "Overall" and values["domain"] == "Overall":
        record.has_rating = True
        record.rating_label = values["rating"]
        record.published_on = _date_from(values["published_on"])


def _date_from(text: str) -> date | None:
    """The CQC writes dates as 14/03/2025; a file re-saved by a spreadsheet may say 2025-03-14."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None


def _homes_not_in(matched_home_ids: set[int]) -> list[tuple[int, str, str]]:
    homes = db.session.execute(
        select(CareHome.id, CareHome.cqc_location_id, CareHome.name).order_by(CareHome.name)
    )
    return [tuple(home) for home in homes if home.id not in matched_home_ids]
