import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import (
    MAX_DOCUMENT_BYTES,
    DocumentRefused,
    DocumentUnavailable,
    document_path,
    open_document,
    read_document,
    store_directory,
    store_document,
)
from tests.documents import samples
from tests.factories import make_provider


def _files_in_store(app) -> list[str]:
    store = Path(app.config["DOCUMENT_STORE"])
    return sorted(path.name for path in store.iterdir()) if store.exists() else []


def _rows(db) -> int:
    return db.session.scalar(select(func.count(StoredDocument.id)))


def test_a_stored_document_keeps_its_hash_size_and_sniffed_type(app, db):
    provider = make_provider()
    data = samples.docx_bytes()

    document = samples.store_sample(
        provider, data=data, original_filename="Policy.pdf", description="Safeguarding policy"
    )
    db.session.commit()

    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size_bytes == len(data)
    # The name said PDF; the content is a Word document, and the content wins.
    assert document.media_type == samples.DOCX_MAIN.removesuffix(".main+xml")
    assert document.download_filename == "Policy.docx"
    assert document_path(document).read_bytes() == data
    assert document.provider_id == provider.id
    assert document.description == "Safeguarding policy"


def test_files_are_kept_under_random_names_outside_static(app, db):
    data = samples.pdf_bytes()

    first = samples.store_sample(make_provider(), data=data)
    second = samples.store_sample(make_provider(), data=data)

    assert first.storage_key != second.storage_key
    for document in (first, second):
        assert len(document.storage_key) == 40
        assert "Insurance" not in document.storage_key
    assert not store_directory().is_relative_to(Path(app.static_folder).resolve())
    assert _files_in_store(app) == sorted([first.storage_key, second.storage_key])


def test_a_store_inside_static_is_refused(app):
    app.config["DOCUMENT_STORE"] = str(Path(app.static_folder) / "uploads")

    with pytest.raises(RuntimeError, match="static"):
        store_directory()


def test_storing_is_audited(app, db):
    document = samples.store_sample(make_provider())

    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == AuditAction.document_stored
    assert event.subject_id == str(document.id)
    assert event.after["sha256"] == document.sha256


def test_a_file_like_object_is_stored_whole(app, db):
    data = samples.image_bytes("PNG")
    stream = io.BytesIO(data)
    stream.seek(0, io.SEEK_END)

    document = store_document(stream, original_filename="photo.png", kind="evidence")

    assert read_document(document) == data


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            samples.HTML_PAGE,
            "certificate.pdf",
            "The selected file must be a PDF, Word document, Excel spreadsheet, "
            "OpenDocument text, PNG or JPEG",
        ),
        (samples.plain_zip_bytes(), "archive.docx", "The selected file must be a PDF"),
        (samples.exe_bytes(), "setup.pdf", "The selected file must be a PDF"),
        (b"", "empty.pdf", "The selected file is empty"),
        (
            b"%PDF-1.7\n" + b"0" * MAX_DOCUMENT_BYTES,
            "huge.pdf",
            "The selected file must be smaller than 20MB",
        ),
    ],
    ids=["html named pdf", "plain zip", "program", "empty", "too large"],
)
def test_refused_files_leave_nothing_behind(app, db, data, filename, message):
    with pytest.raises(DocumentRefused, match=message):
        store_document(data, original_filename=filename, kind="evidence")

    assert _files_in_store(app) == []
    assert _rows(db) == 0


def test_too_large_a_stream_is_refused_before_it_is_all_read(app, db):
    stream = io.BytesIO(b"%PDF-1.7\n" + b"0" * (MAX_DOCUMENT_BYTES + 10 * 1024 * 1024))

    with pytest.raises(DocumentRefused, match="smaller than 20MB"):
        store_document(stream, original_filename="huge.pdf", kind="evidence")

    assert stream.tell() <= MAX_DOCUMENT_BYTES + 64 * 1024
    assert _files_in_store(app) == []


def test_a_row_that_cannot_be_written_leaves_no_file(app, db):
    with pytest.raises(IntegrityError):
        store_document(
            samples.pdf_bytes(), original_filename="a.pdf", kind="evidence", provider_id=999_999
        )
    db.session.rollback()

    assert _files_in_store(app) == []
    assert _rows(db) == 0


def test_a_rolled_back_transaction_takes_its_files_with_it(app, db):
    kept = samples.store_sample(make_provider())
    db.session.commit()
    samples.store_sample(make_provider())
    assert len(_files_in_store(app)) == 2

    db.session.rollback()

    assert _files_in_store(app) == [kept.storage_key]


def test_a_savepoint_rolled_back_removes_only_its_own_files(app, db):
    before = samples.store_sample(make_provider())
    savepoint = db.session.begin_nested()
    inside = samples.store_sample(make_provider())
    assert _files_in_store(app) == sorted([before.storage_key, inside.storage_key])
    savepoint.rollback()
    db.session.commit()

    assert _files_in_store(app) == [before.storage_key]
    assert _rows(db) == 1


def test_a_released_savepoint_hands_its_files_to_the_transaction(app, db):
    with db.session.begin_nested():
        inner = samples.store_sample(make_provider())
    assert _files_in_store(app) == [inner.storage_key]

    db.session.rollback()

    assert _files_in_store(app) == []


def test_committed_files_survive_a_later_rollback(app, db):
    kept = samples.store_sample(make_provider())
    db.session.commit()

    db.session.rollback()

    assert _files_in_store(app) == [kept.storage_key]
    assert read_document(kept) == document_path(kept).read_bytes()


def test_open_document_checks_the_file_is_the_one_stored(app, db):
    data = samples.pdf_bytes()
    document = samples.store_sample(make_provider(), data=data)

    with open_document(document) as stream:
        assert stream.read() == data


def test_a_tampered_file_is_refused(app, db):
    document = samples.store_sample(make_provider(), data=samples.pdf_bytes("Original"))
    db.session.commit()
    document_path(document).write_bytes(samples.pdf_bytes("Forged"))

    with pytest.raises(DocumentUnavailable, match="does not match"):
        read_document(document)


def test_a_missing_file_is_refused(app, db):
    document = samples.store_sample(make_provider())
    db.session.commit()
    document_path(document).unlink()

    with pytest.raises(DocumentUnavailable, match="missing"):
        read_document(document)


def test_a_storage_key_that_is_not_ours_is_refused(app, db):
    document = samples.store_sample(make_provider())
    document.storage_key = "../../etc/passwd"

    with pytest.raises(DocumentUnavailable):
        read_document(document)
