"""Officers upload a CQC file; it imports in the background with its progress shown."""

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.cqc import runner
from dps_portal.cqc.models import CqcImport, CqcImportState, CqcRatingChange
from dps_portal.cqc.operations import import_file_path
from dps_portal.cqc.runner import run_import
from dps_portal.cqc.tasks import run_queued_cqc_imports
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.cqc.factories import make_cqc_import, ods_from_csv
from tests.cqc.test_importer import RATINGS, homes  # noqa: F401
from tests.factories import make_user

pytestmark = pytest.mark.app_config(CQC_IMPORT_IN_BACKGROUND=False)


@pytest.fixture
def officer(db):
    user = make_user(Role.contracts_officer)
    db.session.commit()
    return user


def upload(client, data: bytes, filename: str):
    return client.post(
        "/cqc/imports/new",
        data={"cqc_file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def the_import(db) -> CqcImport:
    return db.session.scalars(select(CqcImport)).one()


def test_an_uploaded_csv_is_queued_then_imported(client, db, officer, homes):  # noqa: F811
    sign_in(client, officer)

    response = upload(client, RATINGS.read_bytes(), "cqc-ratings-sample.csv")

    cqc_import = the_import(db)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cqc/imports/{cqc_import.id}"
    assert cqc_import.state is CqcImportState.queued
    assert (cqc_import.file_format, cqc_import.size_bytes) == ("csv", RATINGS.stat().st_size)
    assert cqc_import.uploaded_by_id == officer.id
    assert import_file_path(cqc_import).read_bytes() == RATINGS.read_bytes()
    page = client.get(f"/cqc/imports/{cqc_import.id}").get_data(as_text=True)
    assert "The import is waiting to start." in page
    assert '<meta http-equiv="refresh" content="2">' in page

    assert run_import(cqc_import.id) is CqcImportState.finished

    db.session.expire_all()
    cqc_import = the_import(db)
    assert cqc_import.state is CqcImportState.finished
    assert (cqc_import.rows_read, cqc_import.homes_matched) == (67, 3)
    assert (cqc_import.ratings_changed, cqc_import.homes_flagged) == (3, 1)
    assert cqc_import.summary["homes_not_in_file"][0]["name"] == "Nowhere House"
    assert cqc_import.started_at is not None and cqc_import.finished_at is not None
    assert not import_file_path(cqc_import).exists()
    assert homes["dovedale"].cqc_rating is CqcRating.inadequate
    page = client.get(f"/cqc/imports/{cqc_import.id}").get_data(as_text=True)
    assert "http-equiv" not in page
    assert "Ratings changed" in page
    assert "Nowhere House" in page
    assert "Review the homes rated Inadequate" in page
    listing = client.get("/cqc/imports").get_data(as_text=True)
    assert "cqc-ratings-sample.csv" in listing
    assert "Review Dovedale Court" in listing
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "cqc_import")
    )
    assert list(actions) == ["cqc.import_uploaded", "cqc.imported"]


def test_an_uploaded_ods_is_imported_whatever_its_name(client, db, officer, homes, tmp_path):  # noqa: F811
    sign_in(client, officer)
    ods = ods_from_csv(RATINGS, tmp_path / "ratings.ods").read_bytes()

    upload(client, ods, "ratings.bin")
    cqc_import = the_import(db)
    run_import(cqc_import.id)

    db.session.expire_all()
    cqc_import = the_import(db)
    assert cqc_import.file_format == "ods"
    assert (cqc_import.state, cqc_import.rows_read) == (CqcImportState.finished, 67)
    assert cqc_import.ratings_changed == 3


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "ratings.csv", "is not a CSV file or an OpenDocument"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ratings.ods", "is not a CSV file or an"),
        (b"Something,Else\n1,2\n", "ratings.csv", "is not a CQC directory or ratings file"),
        (b"", "ratings.csv", "ratings.csv is empty"),
        (b"", "", "Select the CQC file to import"),
    ],
)
def test_an_upload_that_is_not_a_cqc_file_is_refused(
    client, db, officer, content, filename, message
):
    sign_in(client, officer)

    response = upload(client, content, filename)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "There is a problem" in page
    assert db.session.scalars(select(CqcImport)).all() == []


def test_the_upload_page_renders(client, officer):
    sign_in(client, officer)

    page = client.get("/cqc/imports/new").get_data(as_text=True)

    assert "Import a CQC file" in page
    assert 'enctype="multipart/form-data"' in page


def test_progress_is_committed_every_batch(app, db, officer, homes, monkeypatch):  # noqa: F811
    """What the page sees mid-import: read in another session after each batch."""
    from dps_portal.cqc import importer
    from dps_portal.extensions import db as _db

    monkeypatch.setattr(importer, "BATCH_ROWS", 10)
    cqc_import = _queued(db, officer, RATINGS.read_bytes())
    seen = []
    commit = _db.session.commit

    def commit_and_look():
        commit()
        with app.app_context():
            # A new app context has its own session, as the progress page has.
            row = _db.session.get(CqcImport, cqc_import.id)
            seen.append((row.state, row.rows_read))
            _db.session.remove()

    monkeypatch.setattr(_db.session, "commit", commit_and_look)
    run_import(cqc_import.id)

    running = [rows for state, rows in seen if state is CqcImportState.running]
    assert running[0] == 0
    assert len(set(running)) > 3
    assert running == sorted(running)
    assert seen[-1] == (CqcImportState.finished, 67)


def _queued(db, officer, content: bytes, name: str = "cqc-ratings-sample.csv") -> CqcImport:
    from dps_portal.cqc.operations import queue_import

    cqc_import = queue_import(
        io.BytesIO(content), original_filename=name, file_format="csv", by=officer
    )
    db.session.commit()
    return cqc_import


def test_a_failing_batch_leaves_the_homes_as_they_were_and_says_why(
    db,
    officer,
    homes,  # noqa: F811
    monkeypatch,
):
    from dps_portal.cqc import importer

    calls = []
    apply = importer.apply_location_batch

    def fail_on_the_second_batch(batch, **kwargs):
        calls.append(batch)
        outcome = apply(batch, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return outcome

    monkeypatch.setattr(importer, "BATCH_ROWS", 10)
    monkeypatch.setattr(importer, "apply_location_batch", fail_on_the_second_batch)
    cqc_import = _queued(db, officer, RATINGS.read_bytes())

    assert run_import(cqc_import.id) is CqcImportState.failed

    db.session.expire_all()
    cqc_import = db.session.get(CqcImport, cqc_import.id)
    assert cqc_import.state is CqcImportState.failed
    assert "unexpected error (RuntimeError)" in cqc_import.error
    # The first batch (Ashgate Lodge and Brook House) is in; the second (Dovedale) is not.
    assert homes["ashgate"].cqc_rating is CqcRating.good
    assert homes["dovedale"].cqc_rating is CqcRating.requires_improvement
    assert homes["dovedale"].cqc_review_required_since is None
    changed = db.session.scalars(select(CqcRatingChange.care_home_id)).all()
    assert sorted(changed) == sorted([homes["ashgate"].id, homes["brook"].id])
    # Progress saved with the first batch: its 12 rows and the first row of the next location.
    assert cqc_import.rows_read == 13
    failed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cqc.import_failed")
    ).one()
    assert failed.subject_id == str(cqc_import.id)


def test_a_file_that_turns_out_wrong_fails_with_the_importers_message(db, officer):
    cqc_import = _queued(db, officer, b"Something,Else\n1,2\n")

    run_import(cqc_import.id)

    db.session.expire_all()
    cqc_import = db.session.get(CqcImport, cqc_import.id)
    assert cqc_import.state is CqcImportState.failed
    assert "is not a CQC directory or ratings file" in cqc_import.error


def test_the_failure_is_shown(client, db, officer):
    cqc_import = make_cqc_import(officer, CqcImportState.failed, error="It broke: try again.")
    db.session.commit()
    sign_in(client, officer)

    page = client.get(f"/cqc/imports/{cqc_import.id}").get_data(as_text=True)

    assert "The import failed" in page
    assert "It broke: try again." in page


def test_the_running_page_shows_the_rows_read_and_refreshes(client, db, officer):
    cqc_import = make_cqc_import(
        officer, CqcImportState.running, rows_read=1234, bytes_read=25, size_bytes=100
    )
    db.session.commit()
    sign_in(client, officer)

    page = client.get(f"/cqc/imports/{cqc_import.id}").get_data(as_text=True)
    progress = client.get(f"/cqc/imports/{cqc_import.id}/progress").get_json()

    assert "Rows read so far: 1234 (25% of the file)" in page
    assert 'value="25"' in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert progress == {
        "state": "running",
        "rows_read": 1234,
        "percent_read": 25,
        "is_done": False,
    }


def test_an_unknown_import_is_not_found(client, officer):
    sign_in(client, officer)

    assert client.get("/cqc/imports/999999").status_code == 404
    assert client.get("/cqc/imports/999999/progress").status_code == 404


def test_an_import_runs_once_however_often_it_is_asked(db, officer, homes):  # noqa: F811
    cqc_import = _queued(db, officer, RATINGS.read_bytes())

    assert run_import(cqc_import.id) is CqcImportState.finished
    assert run_import(cqc_import.id) is None


def test_the_job_runs_imports_left_queued_and_requeues_cut_off_ones(db, officer, homes):  # noqa: F811
    left_queued = _queued(db, officer, RATINGS.read_bytes())
    cut_off = _queued(db, officer, RATINGS.read_bytes(), "second.csv")
    cut_off.state = CqcImportState.running
    cut_off.progress_at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    still_running = make_cqc_import(
        officer, CqcImportState.running, progress_at=datetime(2026, 7, 1, 9, 10, tzinfo=UTC)
    )
    db.session.commit()
    now = datetime(2026, 7, 1, 9, 16, tzinfo=UTC)

    with clock.frozen(now):
        counts = run_queued_cqc_imports(now=now)

    assert counts == {"requeued": 1, "finished": 2, "failed": 0}
    db.session.expire_all()
    assert db.session.get(CqcImport, left_queued.id).state is CqcImportState.finished
    assert db.session.get(CqcImport, cut_off.id).state is CqcImportState.finished
    assert db.session.get(CqcImport, still_running.id).state is CqcImportState.running
    assert homes["dovedale"].cqc_rating is CqcRating.inadequate
    assert db.session.scalars(select(CqcRatingChange)).all().__len__() == 3

    with clock.frozen(now + timedelta(minutes=1)):
        again = run_queued_cqc_imports(now=now + timedelta(minutes=1))
    assert again == {"requeued": 0, "finished": 0, "failed": 0}


def test_a_missing_file_fails_with_what_to_do(db, officer):
    cqc_import = _queued(db, officer, RATINGS.read_bytes())
    import_file_path(cqc_import).unlink()

    run_import(cqc_import.id)

    db.session.expire_all()
    cqc_import = db.session.get(CqcImport, cqc_import.id)
    assert cqc_import.state is CqcImportState.failed
    assert "is no longer on the server. Upload it again." in cqc_import.error


@pytest.mark.app_config(CQC_IMPORT_IN_BACKGROUND=True)
def test_the_upload_starts_the_import_in_a_thread(client, db, officer, homes):  # noqa: F811
    sign_in(client, officer)
    started = []
    start = runner.start_in_background

    def remember(app, cqc_import_id):
        thread = start(app, cqc_import_id)
        started.append(thread)
        return thread

    import dps_portal.cqc.views as views

    original = views.start_in_background
    views.start_in_background = remember
    try:
        upload(client, RATINGS.read_bytes(), "cqc-ratings-sample.csv")
    finally:
        views.start_in_background = original

    (thread,) = started
    assert isinstance(thread, threading.Thread) and thread.daemon
    thread.join(timeout=30)
    assert not thread.is_alive()
    db.session.expire_all()
    cqc_import = the_import(db)
    assert (cqc_import.state, cqc_import.rows_read) == (CqcImportState.finished, 67)
    assert homes["dovedale"].cqc_rating is CqcRating.inadequate
