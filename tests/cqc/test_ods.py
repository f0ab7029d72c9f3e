"""The CQC's files as OpenDocument spreadsheets import as their CSV does, streamed."""

import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.cqc.importer import CqcImportError, rows_of
from dps_portal.cqc.models import CqcLocation, CqcRatingChange
from dps_portal.providers.models import CareHome, CqcRating
from tests.conftest import _empty_all_tables
from tests.cqc.factories import ODS_MIMETYPE, csv_rows, ods_content, ods_from_csv, write_ods
from tests.cqc.test_importer import DIRECTORY, RATINGS, homes, run_import  # noqa: F401
from tests.factories import make_home


def _state(db):
    locations = db.session.execute(
        select(
            CqcLocation.location_id,
            CqcLocation.name,
            CqcLocation.address,
            CqcLocation.postcode,
            CqcLocation.overall_rating,
            CqcLocation.rating_published_on,
            CqcLocation.service_types,
            CqcLocation.specialisms,
        ).order_by(CqcLocation.location_id)
    ).all()
    changes = db.session.execute(
        select(
            CareHome.cqc_location_id,
            CqcRatingChange.previous_rating,
            CqcRatingChange.new_rating,
            CqcRatingChange.published_on,
        )
        .join(CareHome, CareHome.id == CqcRatingChange.care_home_id)
        .order_by(CareHome.cqc_location_id)
    ).all()
    return [tuple(row) for row in locations], [tuple(row) for row in changes]


def _summary(summary) -> dict:
    """What the file said, without the file's name and the homes' ids (made afresh)."""
    values = summary.as_dict()
    values.pop("source_file")
    for missing in values["homes_not_in_file"]:
        missing.pop("home_id")
    return values


def _sample_homes(db) -> dict:
    made = {
        "ashgate": make_home(cqc_location_id="1-101000001", name="Ashgate Lodge"),
        "brook": make_home(
            cqc_location_id="1-101000002", cqc_rating=CqcRating.good, cqc_rating_on=date(2023, 5, 1)
        ),
        "dovedale": make_home(cqc_location_id="1-101000004"),
        "nowhere": make_home(cqc_location_id="1-999999999", name="Nowhere House"),
    }
    db.session.commit()
    return made


@pytest.mark.parametrize("source", [RATINGS, DIRECTORY], ids=["ratings", "directory"])
def test_an_ods_imports_the_same_as_its_csv(db, tmp_path, source):
    _sample_homes(db)
    from_csv = run_import(db, source)
    csv_state = _state(db)
    _empty_all_tables()
    made = _sample_homes(db)
    # Named .xlsx: the content decides, not the name.
    ods = ods_from_csv(source, tmp_path / "ratings.xlsx", leading_sheet=True)

    from_ods = run_import(db, ods)

    assert _summary(from_ods) == _summary(from_csv)
    assert from_ods.source_file == "ratings.xlsx"
    assert _state(db) == csv_state
    if source is RATINGS:
        assert from_ods.ratings_changed == 3
        assert made["dovedale"].cqc_rating is CqcRating.inadequate
        assert made["dovedale"].cqc_rating_on == date(2026, 6, 30)


def test_importing_the_ods_after_the_csv_changes_nothing(db, homes, tmp_path):  # noqa: F811
    run_import(db, RATINGS)
    again = run_import(db, ods_from_csv(RATINGS, tmp_path / "ratings.ods"))

    assert (again.rows_read, again.homes_matched, again.ratings_changed) == (67, 3, 0)


def _rows(path):
    with path.open("rb") as raw, rows_of(raw, path.name) as sheets:
        return [list(sheet) for sheet in sheets]


def test_spreadsheet_cells_are_read_as_shown(tmp_path):
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        b"<office:body><office:spreadsheet><table:table>"
        b"<table:table-row>"
        b"<table:table-cell><office:annotation><text:p>A comment</text:p></office:annotation>"
        b'<text:p>a<text:s text:c="3"/>b</text:p></table:table-cell>'
        b'<table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell>'
        b'<table:table-cell table:number-columns-repeated="2"/>'
        b"<table:table-cell><text:p>one</text:p><text:p>two<text:tab/>"
        b"<text:span>three</text:span><text:line-break/>four</text:p></table:table-cell>"
        b'<table:covered-table-cell table:number-columns-repeated="3"/>'
        b'<table:table-cell office:value-type="date" office:date-value="2025-03-14"/>'
        b'<table:table-cell table:number-columns-repeated="100000000"/>'
        b"</table:table-row>"
        b'<table:table-row table:number-rows-repeated="1000000">'
        b'<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        b"<table:table-row><table:table-cell><text:p>last</text:p></table:table-cell>"
        b"</table:table-row>"
        b"</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "cells.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)

    assert _rows(path) == [
        [
            ["a   b", "x", "x", "", "", "one\ntwo\tthree\nfour", "", "", "", "2025-03-14"],
            [],
            ["last"],
        ]
    ]


def test_each_sheet_is_read_and_a_sheet_without_the_header_is_passed_over(db, tmp_path):
    path = write_ods(
        tmp_path / "two.ods",
        [("Notes", [["About this file"]] * 60), ("Ratings", csv_rows(RATINGS))],
    )

    sheets = _rows(path)
    assert [len(sheet) for sheet in sheets] == [61, 71]
    assert run_import(db, path).rows_read == 67


def test_a_spreadsheet_without_a_cqc_sheet_is_refused(db, tmp_path):
    path = write_ods(tmp_path / "other.ods", [("Sheet1", [["Something", "Else"], ["1", "2"]])])

    with pytest.raises(CqcImportError, match="is not a CQC directory or ratings file"):
        run_import(db, path)


def test_a_broken_spreadsheet_is_refused_with_what_to_do(db, tmp_path):
    path = tmp_path / "broken.ods"
    good = ods_content([("Ratings", csv_rows(RATINGS))])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE)
        archive.writestr("content.xml", good[: len(good) // 2])

    with pytest.raises(CqcImportError, match="could not be read as an OpenDocument spreadsheet"):
        run_import(db, path)


def test_a_document_type_declaration_is_refused(db, tmp_path):
    path = tmp_path / "entities.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE)
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;</x>',
        )

    with pytest.raises(CqcImportError, match="declares a document type"):
        run_import(db, path)


def test_progress_runs_through_the_spreadsheet_to_its_size(db, tmp_path, monkeypatch):
    from dps_portal.cqc import importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 5)
    path = ods_from_csv(RATINGS, tmp_path / "ratings.ods")
    seen = []

    run_import(db, path, progress=seen.append)

    assert len(seen) > 2
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size
