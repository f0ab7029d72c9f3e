"""CQC imports and providers' reports of ratings for tests, and OpenDocument spreadsheets
written from CSV rows."""

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from dps_portal.core import clock
from dps_portal.cqc.models import CqcImport, CqcImportState, CqcRatingReport, CqcRatingReportState
from dps_portal.extensions import db
from dps_portal.providers.models import CqcRating

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
EMPTY_SUMMARY = {"layout": "ratings", "rows_read": 0, "homes_not_in_file": []}


def make_cqc_import(by, state: CqcImportState = CqcImportState.finished, **values) -> CqcImport:
    done = state in (CqcImportState.finished, CqcImportState.failed)
    cqc_import = CqcImport(
        state=state,
        original_filename=values.pop("original_filename", "cqc-ratings-sample.csv"),
        file_format="csv",
        stored_name=values.pop("stored_name", f"test-{clock.now().timestamp()}-{id(by)}.csv"),
        size_bytes=values.pop("size_bytes", 100),
        sha256="0" * 64,
        uploaded_by_id=by.id,
        finished_at=clock.now() if done else None,
        summary=values.pop("summary", EMPTY_SUMMARY if state is CqcImportState.finished else None),
        **values,
    )
    db.session.add(cqc_import)
    db.session.flush()
    return cqc_import


def make_rating_report(home, by, **values) -> CqcRatingReport:
    """A provider user's report of a new rating for `home`, waiting for a check."""
    report = CqcRatingReport(
        care_home_id=home.id,
        provider_id=home.provider_id,
        state=values.pop("state", CqcRatingReportState.pending),
        rating=values.pop("rating", CqcRating.good),
        published_on=values.pop("published_on", date(2026, 6, 1)),
        reported_by_id=by.id,
        **values,
    )
    db.session.add(report)
    db.session.flush()
    return report


def _cell(value: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value == "":
        return f"<table:table-cell{repeated}/>"
    # Runs of spaces are written as text:s, as office programs do.
    text = re.sub(r"^ +", lambda m: f'<text:s text:c="{len(m.group())}"/>', escape(value))
    text = re.sub(r"(?<=[^ >]) ( +)", lambda m: f' <text:s text:c="{len(m.group(1))}"/>', text)
    return (
        f'<table:table-cell office:value-type="string"{repeated}>'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def ods_content(sheets: list[tuple[str, list[list[str]]]]) -> bytes:
    """content.xml for sheets of rows: empty cells run together as repeats, a wide run of
    empty cells ends each row and a million empty rows end each sheet, as office programs
    write them."""
    out = io.StringIO()
    out.write(
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<office:document-content"
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' office:version="1.2"><office:body><office:spreadsheet>'
    )
    for name, rows in sheets:
        out.write(f"<table:table table:name={quoteattr(name)}>")
        out.write('<table:table-column table:number-columns-repeated="30"/>')
        for row in rows:
            out.write("<table:table-row>")
            index = 0
            while index < len(row):
                run = 1
                while index + run < len(row) and row[index + run] == row[index] == "":
                    run += 1
                out.write(_cell(row[index], run))
                index += run
            out.write('<table:table-cell table:number-columns-repeated="16354"/>')
            out.write("</table:table-row>")
        out.write(
            '<table:table-row table:number-rows-repeated="1048000">'
            '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        )
        out.write("</table:table>")
    out.write("</office:spreadsheet></office:body></office:document-content>")
    return out.getvalue().encode()


def write_ods(path: Path, sheets: list[tuple[str, list[list[str]]]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE)  # stored, first
        archive.writestr("content.xml", ods_content(sheets), compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<manifest:manifest xmlns:manifest="{MANIFEST_NS}">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        return list(csv.reader(source))


def ods_from_csv(csv_path: Path, ods_path: Path, *, leading_sheet: bool = False) -> Path:
    sheets = [("Ratings", csv_rows(csv_path))]
    if leading_sheet:
        sheets.insert(0, ("Notes", [["About this file"], ["Published by the CQC"]]))
    return write_ods(ods_path, sheets)
