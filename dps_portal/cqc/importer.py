"""Reading the CQC's published files into the portal, streamed row by row: the files are
large (several hundred thousand rows), and only one batch of rows is held at a time."""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

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
) -> ImportSummary:
    """Import a CQC directory or ratings file. `progress` is told the bytes read so far;
    `after_batch` runs after each batch of about BATCH_ROWS rows is flushed (the command
    commits there). Importing the same file again changes nothing."""
    path = Path(path)
    if path.suffix.lower() == ".ods":
        raise CqcImportError(
            f"{path.name} is an OpenDocument spreadsheet: the portal imports CSV only. "
            "Open it in a spreadsheet program and save the sheet as CSV (UTF-8), then import that."
        )
    now = now or clock.now()
    summary = ImportSummary(source_file=path.name)
    matched_home_ids: set[int] = set()
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        # skipinitialspace: a quoted value after a stray space is still one value.
        reader = csv.reader(text, skipinitialspace=True)
        try:
            layout, columns = _find_header(reader, path.name)
            summary.layout = layout.name
            for batch in _batches(reader, layout, columns, summary):
                outcome = apply_location_batch(batch, now=now, source_file=path.name)
                matched_home_ids.update(outcome.matched_home_ids)
                summary.ratings_changed += outcome.ratings_changed
                summary.homes_flagged_inadequate += outcome.homes_flagged
                if after_batch is not None:
                    after_batch()
                if progress is not None:
                    progress(raw.tell())
        except (UnicodeDecodeError, csv.Error) as error:
            raise CqcImportError(
                f"{path.name} could not be read as UTF-8 CSV after {summary.rows_read} rows: "
                f"{error}. Save it as CSV (UTF-8) and import it again."
            ) from error
    summary.homes_matched = len(matched_home_ids)
    summary.locations_unmatched = summary.locations_read - summary.homes_matched
    summary.homes_not_in_file = _homes_not_in(matched_home_ids)
    record_event(AuditAction.cqc_imported, subject=("cqc_import", None), after=summary.as_dict())
    db.session.flush()
    return summary


def _clean(value: str) -> str:
    return " ".join(value.replace("\ufeff", "").split())


def _find_header(reader, file_name: str) -> tuple[Layout, dict[str, int]]:
    """Skip any banner to the header row; which header it is tells the layout."""
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
    raise CqcImportError(
        f"{file_name} is not a CQC directory or ratings file: no row starting "
        "'Name,' or 'Location ID,' in its first lines."
    )


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
