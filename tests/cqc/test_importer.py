from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import verify_chain
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.cqc.importer import CqcImportError, import_cqc_file
from dps_portal.cqc.models import CqcLocation, CqcRatingChange
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.providers.models import CqcRating
from tests.factories import make_home, make_user

DATA = Path(__file__).parent / "data"
RATINGS = DATA / "cqc-ratings-sample.csv"
DIRECTORY = DATA / "cqc-directory-sample.csv"
IMPORTED_AT = datetime(2026, 7, 10, 9, 0, tzinfo=UTC)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.sequence)
        )
    )


@pytest.fixture
def homes(db):
    """Four portal homes: three in the sample files, one (Nowhere House) not."""
    made = {
        "ashgate": make_home(cqc_location_id="1-101000001", name="Ashgate Lodge"),
        "brook": make_home(
            cqc_location_id="1-101000002",
            name="Brook House",
            cqc_rating=CqcRating.good,
            cqc_rating_on=date(2023, 5, 1),
        ),
        "dovedale": make_home(
            cqc_location_id="1-101000004",
            name="Dovedale Court",
            cqc_rating=CqcRating.requires_improvement,
            cqc_rating_on=date(2024, 2, 2),
        ),
        "nowhere": make_home(cqc_location_id="1-999999999", name="Nowhere House"),
    }
    db.session.commit()
    return made


@pytest.fixture
def officers(db):
    made = [make_user(Role.contracts_officer), make_user(Role.contracts_officer)]
    make_user(Role.contracts_officer, is_active=False)
    make_user(Role.quality_monitor)
    db.session.commit()
    return made


def run_import(db, path, **kwargs):
    with clock.frozen(IMPORTED_AT):
        summary = import_cqc_file(path, after_batch=db.session.commit, **kwargs)
        db.session.commit()
    return summary


def test_the_ratings_sample_updates_the_matched_homes(db, homes, officers):
    summary = run_import(db, RATINGS)

    assert summary.layout == "ratings"
    assert summary.rows_read == 67
    assert summary.locations_read == 12
    assert summary.homes_matched == 3
    assert summary.ratings_changed == 3
    assert summary.homes_flagged_inadequate == 1
    assert summary.locations_unmatched == 9
    assert summary.homes_not_in_file == [(homes["nowhere"].id, "1-999999999", "Nowhere House")]

    ashgate, brook, dovedale = homes["ashgate"], homes["brook"], homes["dovedale"]
    assert (ashgate.cqc_rating, ashgate.cqc_rating_on) == (CqcRating.good, date(2025, 3, 14))
    assert (brook.cqc_rating, brook.cqc_rating_on) == (
        CqcRating.requires_improvement,
        date(2025, 9, 2),
    )
    assert (dovedale.cqc_rating, dovedale.cqc_rating_on) == (
        CqcRating.inadequate,
        date(2026, 6, 30),
    )
    assert dovedale.cqc_review_required_since == IMPORTED_AT
    assert ashgate.cqc_review_required_since is None
    assert brook.cqc_review_required_since is None


def test_the_ratings_sample_fills_in_every_location(db):
    run_import(db, RATINGS)

    assert count(db, CqcLocation) == 12
    flagg = db.session.get(CqcLocation, "1-101000006")
    assert (flagg.overall_rating, flagg.rating_published_on) == ("Not Rated", None)
    larchwood = db.session.get(CqcLocation, "1-101000012")
    assert larchwood.local_authority == "Staffordshire"
    dovedale = db.session.get(CqcLocation, "1-101000004")
    assert dovedale.address == "40 Station Road, Ashbourne"
    assert dovedale.provider_name == "Highmoor Specialist Services Ltd"
    assert (dovedale.overall_rating, dovedale.rating_published_on) == (
        "Inadequate",
        date(2026, 6, 30),
    )
    assert dovedale.imported_at == IMPORTED_AT


def test_an_inadequate_rating_tells_every_active_officer(db, homes, officers):
    run_import(db, RATINGS)

    notified = db.session.scalars(select(Notification.user_id).order_by(Notification.user_id))
    assert list(notified) == [officer.id for officer in officers]
    emails = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
    assert [email.to_address for email in emails] == [officer.email for officer in officers]
    assert all("Dovedale Court" in email.subject for email in emails)
    assert all("Inadequate" in email.body_text for email in emails)


def test_importing_again_changes_nothing(db, homes, officers):
    run_import(db, RATINGS)
    changes, notifications, emails = (
        count(db, CqcRatingChange),
        count(db, Notification),
        count(db, OutboxEmail),
    )

    again = run_import(db, RATINGS)

    assert again.ratings_changed == 0
    assert again.homes_flagged_inadequate == 0
    assert again.homes_matched == 3
    assert count(db, CqcRatingChange) == changes == 3
    assert count(db, Notification) == notifications == 2
    assert count(db, OutboxEmail) == emails == 2
    assert count(db, CqcLocation) == 12


def test_the_history_keeps_every_change(db, homes):
    run_import(db, RATINGS)
    dovedale = homes["dovedale"]
    newer = RATINGS.read_text().replace("Inadequate,30/06/2026", "Good,01/12/2026")
    path = DATA.parent / "newer.csv"
    try:
        path.write_text(newer)
        summary = run_import(db, path)
    finally:
        path.unlink()

    assert summary.ratings_changed == 1
    history = db.session.execute(
        select(
            CqcRatingChange.previous_rating,
            CqcRatingChange.new_rating,
            CqcRatingChange.published_on,
            CqcRatingChange.source_file,
        )
        .where(CqcRatingChange.care_home_id == dovedale.id)
        .order_by(CqcRatingChange.id)
    ).all()
    assert [tuple(change) for change in history] == [
        (
            CqcRating.requires_improvement,
            CqcRating.inadequate,
            date(2026, 6, 30),
            "cqc-ratings-sample.csv",
        ),
        (CqcRating.inadequate, CqcRating.good, date(2026, 12, 1), "newer.csv"),
    ]
    assert dovedale.cqc_rating is CqcRating.good
    # Only an officer's review clears the flag, not a better rating.
    assert dovedale.cqc_review_required_since == IMPORTED_AT


def test_each_import_and_each_change_is_audited(db, homes):
    run_import(db, RATINGS)

    imports = events(db, "cqc.imported")
    assert len(imports) == 1
    assert imports[0].subject_type == "cqc_import"
    assert imports[0].after["rows_read"] == 67
    assert imports[0].after["ratings_changed"] == 3
    assert imports[0].after["homes_not_in_file"] == [
        {"home_id": homes["nowhere"].id, "cqc_location_id": "1-999999999", "name": "Nowhere House"}
    ]
    changes = events(db, "home.cqc_rating_changed")
    assert sorted(int(event.subject_id) for event in changes) == sorted(
        homes[key].id for key in ("ashgate", "brook", "dovedale")
    )
    dovedale = next(event for event in changes if event.subject_id == str(homes["dovedale"].id))
    assert dovedale.before == {"cqc_rating": "requires_improvement", "cqc_rating_on": "2024-02-02"}
    assert dovedale.after["cqc_rating"] == "inadequate"
    assert dovedale.after["cqc_rating_on"] == "2026-06-30"

    run_import(db, RATINGS)
    assert len(events(db, "cqc.imported")) == 2
    assert len(events(db, "home.cqc_rating_changed")) == 3
    assert verify_chain().is_intact


def test_the_directory_sample_imports_locations_without_touching_ratings(db, homes):
    summary = run_import(db, DIRECTORY)

    assert summary.layout == "directory"
    assert (summary.rows_read, summary.locations_read) == (12, 12)
    assert summary.homes_matched == 3
    assert summary.ratings_changed == 0
    assert count(db, CqcRatingChange) == 0
    assert homes["brook"].cqc_rating is CqcRating.good
    larchwood = db.session.get(CqcLocation, "1-101000012")
    assert larchwood.name == "Larchwood, Burton"
    assert larchwood.address == "22 Derby Road, Burton upon Trent"
    assert larchwood.provider_id == "1-200000007"
    assert larchwood.service_types == "Care home service with nursing"
    assert larchwood.specialisms == (
        "Caring for adults under 65 yrs|Learning disabilities|Mental health conditions"
    )
    assert larchwood.overall_rating == ""


def test_the_directory_then_the_ratings_file_keeps_both(db):
    run_import(db, DIRECTORY)
    run_import(db, RATINGS)

    ashgate = db.session.get(CqcLocation, "1-101000001")
    assert ashgate.service_types == "Care home service without nursing"
    assert ashgate.overall_rating == "Good"


def test_a_messy_file_imports_the_same(db, homes, tmp_path):
    """A byte-order mark, CRLF, stray spaces, quoted commas and a column added later."""
    lines = RATINGS.read_text().splitlines()
    header = lines[2].split(",")
    messy = [lines[0], ""]
    messy.append(" , ".join(["Extra Column", *[f" {name} " for name in header]]))
    for line in lines[3:]:
        cells = line.split(",")
        cells[2] = f'"  {cells[2]}, the annexe "'
        messy.append(",".join(["surprise", *[f" {cell}" for cell in cells]]))
    path = tmp_path / "messy.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(messy) + "\r\n").encode())

    with pytest.raises(CqcImportError, match="no row starting"):
        run_import(db, path)

    # The header row must start with "Location ID": move the new column to the end.
    rows = []
    for line in lines[2:]:
        cells = line.split(",")
        cells[2] = f'"  {cells[2]}, the annexe "' if cells[0] != "Location ID" else cells[2]
        extra = " Extra Column " if cells[0] == "Location ID" else "surprise"
        rows.append(",".join([*[f" {cell} " for cell in cells], extra]))
    path.write_bytes(("\ufeff" + "\r\n".join([lines[0], "", *rows]) + "\r\n").encode())

    summary = run_import(db, path)

    assert (summary.rows_read, summary.locations_read, summary.homes_matched) == (67, 12, 3)
    assert homes["dovedale"].cqc_rating is CqcRating.inadequate
    assert homes["dovedale"].cqc_rating_on == date(2026, 6, 30)
    dovedale = db.session.get(CqcLocation, "1-101000004")
    assert dovedale.name == "Dovedale Court, the annexe"
    assert dovedale.postcode == "DE6 1AA"


def test_a_missing_column_is_named(db, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("Location ID,Location Name,Domain\n1-1,A home,Overall\n")

    with pytest.raises(CqcImportError, match="'Service / Population Group'"):
        run_import(db, path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ratings.ods", b"PK\x03\x04", "is not a CSV file or an OpenDocument spreadsheet"),
        ("ratings.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "is not a CSV file or an"),
        ("ratings.csv", b"", "is empty"),
    ],
)
def test_what_is_not_a_spreadsheet_is_refused_by_its_content(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CqcImportError, match=message):
        run_import(db, path)


def test_a_zip_that_is_not_an_ods_is_refused(db, tmp_path):
    import zipfile

    path = tmp_path / "ratings.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")

    with pytest.raises(CqcImportError, match="is not a CSV file or an OpenDocument spreadsheet"):
        run_import(db, path)


def test_progress_is_told_the_bytes_read(db):
    seen = []
    run_import(db, RATINGS, progress=seen.append)

    assert seen
    assert seen == sorted(seen)
    assert seen[-1] == RATINGS.stat().st_size


def test_the_command_imports_and_prints_the_summary(app, db, homes, officers):
    result = app.test_cli_runner().invoke(args=["import-cqc", str(RATINGS)])

    assert result.exit_code == 0, result.output
    assert "Ratings changed: 3" in result.output
    assert "1-999999999 Nowhere House" in result.output
    db.session.expire_all()
    assert db.session.get(type(homes["dovedale"]), homes["dovedale"].id).cqc_rating is (
        CqcRating.inadequate
    )


def test_the_command_explains_a_wrong_file(app, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Something,Else\n1,2\n")

    result = app.test_cli_runner().invoke(args=["import-cqc", str(path)])

    assert result.exit_code == 1
    assert "is not a CQC directory or ratings file" in result.output


def test_small_batches_give_the_same_result(db, homes, monkeypatch):
    from dps_portal.cqc import importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 5)
    commits = []

    with clock.frozen(IMPORTED_AT):
        summary = import_cqc_file(RATINGS, after_batch=lambda: commits.append(db.session.commit()))

    # Cut only between locations: Flagg Moor House (one row) shares a batch with the next.
    assert len(commits) == 11
    assert (summary.rows_read, summary.locations_read, summary.ratings_changed) == (67, 12, 3)
    assert count(db, CqcLocation) == 12
    assert homes["dovedale"].cqc_rating is CqcRating.inadequate


def test_a_file_that_is_not_utf8_is_refused(db, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(RATINGS.read_text().replace("Ashgate", "Âshgate").encode("latin-1"))

    with pytest.raises(CqcImportError, match="could not be read as UTF-8 CSV"):
        run_import(db, path)
