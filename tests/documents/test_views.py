import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core.roles import STAFF_ROLES, Role
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import document_path
from tests.conftest import sign_in
from tests.documents import samples
from tests.factories import make_provider, make_user


def _events(db, action: AuditAction) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def _download(client, document_id: int):
    # Buffered, so the client closes the sent file afterwards as a WSGI server does.
    return client.get(f"/documents/{document_id}/download", buffered=True)


def _files_in_store(app) -> list[Path]:
    store = Path(app.config["DOCUMENT_STORE"])
    return list(store.iterdir()) if store.exists() else []


@pytest.fixture
def provider_user(db):
    user = make_user(Role.provider, provider=make_provider(legal_name="Oak Care Ltd"))
    db.session.commit()
    return user


@pytest.fixture
def own_document(db, provider_user):
    document = samples.store_sample(
        provider_user.provider,
        by=provider_user,
        data=samples.pdf_bytes("Oak Care insurance"),
        original_filename='C:\\Users\\me\\Insurance "2026".pdf',
        description="Public liability insurance",
    )
    db.session.commit()
    return document


# Downloads.


def test_anonymous_download_redirects_to_sign_in(client, own_document):
    response = _download(client, own_document.id)

    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_a_provider_downloads_its_own_document(client, db, provider_user, own_document):
    sign_in(client, provider_user)

    response = _download(client, own_document.id)

    assert response.status_code == 200
    assert response.data == document_path(own_document).read_bytes()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Insurance 2026.pdf"'
    assert own_document.original_filename == 'Insurance "2026".pdf'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    [event] = _events(db, AuditAction.document_downloaded)
    assert event.actor_id == provider_user.id
    assert event.subject_id == str(own_document.id)


def test_another_providers_document_is_not_found(client, db, own_document):
    stranger = make_user(Role.provider, provider=make_provider())
    db.session.commit()
    sign_in(client, stranger)

    other = _download(client, own_document.id)
    missing = client.get(f"/documents/{own_document.id + 1000}/download")

    assert other.status_code == 404
    assert missing.status_code == 404
    assert _events(db, AuditAction.document_downloaded) == []


def test_a_provider_cannot_download_a_document_of_no_organisation(client, db, provider_user):
    council_document = samples.store_sample(None, by=make_user(Role.contracts_officer))
    db.session.commit()
    sign_in(client, provider_user)

    assert _download(client, council_document.id).status_code == 404


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_may_download_any_document(client, db, own_document, role):
    officer = make_user(role)
    db.session.commit()
    sign_in(client, officer)

    response = _download(client, own_document.id)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    [event] = _events(db, AuditAction.document_downloaded)
    assert event.actor_id == officer.id


def test_a_tampered_document_is_not_sent(client, db, provider_user, own_document):
    document_path(own_document).write_bytes(samples.pdf_bytes("Forged certificate"))
    sign_in(client, provider_user)

    response = _download(client, own_document.id)

    assert response.status_code == 500
    assert b"This document cannot be downloaded" in response.data
    assert b"Forged" not in response.data
    assert _events(db, AuditAction.document_downloaded) == []
    assert len(_events(db, AuditAction.document_unavailable)) == 1


# The provider's documents page.


def test_anonymous_documents_page_redirects_to_sign_in(client):
    response = client.get("/documents")

    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_cannot_use_the_provider_documents_page(client, db, role):
    sign_in(client, make_user(role))
    db.session.commit()

    assert client.get("/documents").status_code == 403


def test_the_page_lists_only_the_organisations_own_documents(
    client, db, provider_user, own_document, frozen_clock
):
    samples.store_sample(make_provider(), description="Someone else's policy")
    db.session.commit()
    sign_in(client, provider_user)

    page = client.get("/documents").get_data(as_text=True)

    assert "Public liability insurance" in page
    assert f'href="/documents/{own_document.id}/download"' in page
    assert "PDF" in page
    assert own_document.size_label in page
    assert own_document.created_at.strftime("%-d %B %Y") in page
    assert provider_user.full_name in page
    assert "Someone else&#39;s policy" not in page
    assert "Someone else's policy" not in page


def test_uploading_a_document(client, db, app, provider_user):
    sign_in(client, provider_user)
    data = samples.odf_bytes()

    response = client.post(
        "/documents",
        data={
            "description": "  Statement of purpose  ",
            "document": (io.BytesIO(data), "purpose.odt"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/documents")
    document = db.session.scalars(select(StoredDocument)).one()
    assert document.description == "Statement of purpose"
    assert document.kind == "organisation_document"
    assert document.provider_id == provider_user.provider_id
    assert document.uploaded_by_id == provider_user.id
    assert document_path(document).read_bytes() == data
    [event] = _events(db, AuditAction.document_stored)
    assert event.actor_id == provider_user.id
    assert "Statement of purpose has been uploaded" in client.get("/documents").get_data(
        as_text=True
    )


def test_a_wrong_file_type_shows_the_error_and_keeps_the_description(
    client, db, app, provider_user
):
    sign_in(client, provider_user)

    response = client.post(
        "/documents",
        data={
            "description": "Insurance certificate",
            "document": (io.BytesIO(samples.HTML_PAGE), "certificate.pdf"),
        },
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "<title>Error: " in page
    assert 'href="#document"' in page
    assert "The selected file must be a PDF, Word document, Excel spreadsheet" in page
    assert 'value="Insurance certificate"' in page
    assert db.session.scalar(select(func.count(StoredDocument.id))) == 0
    assert _files_in_store(app) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"description": "", "document": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
            "Enter a description",
        ),
        ({"description": "Policy"}, "Select a file"),
        (
            {"description": "Policy", "document": (io.BytesIO(b""), "empty.pdf")},
            "The selected file is empty",
        ),
    ],
    ids=["no description", "no file", "empty file"],
)
def test_upload_form_says_what_is_missing(client, db, provider_user, data, message):
    sign_in(client, provider_user)

    response = client.post("/documents", data=data, content_type="multipart/form-data")

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(StoredDocument.id))) == 0


def test_an_upload_over_the_limit_gets_the_413_page_and_stores_nothing(
    client, db, app, provider_user
):
    sign_in(client, provider_user)
    data = b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024)
    # Encoded here in memory: the test client would spool so large a body to a file it
    # never closes.
    boundary, body = encode_multipart(
        {"description": "Scan", "document": FileStorage(io.BytesIO(data), "scan.pdf")}
    )

    response = client.post(
        "/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert _files_in_store(app) == []
    assert db.session.scalar(select(func.count(StoredDocument.id))) == 0
    assert _events(db, AuditAction.document_stored) == []


def test_providers_see_documents_in_the_navigation(client, db, provider_user):
    sign_in(client, provider_user)

    page = client.get("/documents").get_data(as_text=True)

    assert 'href="/documents"' in page
