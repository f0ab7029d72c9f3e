import pytest
from flask_login import AnonymousUserMixin

from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.sniffing import DOCX, JPEG, PDF
from tests.factories import make_provider, make_user


@pytest.mark.parametrize(
    ("whose", "reader", "allowed"),
    [
        ("own", Role.contracts_officer, True),
        ("own", Role.quality_monitor, True),
        ("own", Role.administrator, True),
        ("none", Role.contracts_officer, True),
        ("own", Role.provider, True),
        ("other", Role.provider, False),
        ("none", Role.provider, False),
    ],
)
def test_who_may_download(app, db, whose, reader, allowed):
    own = make_provider()
    owner = {"own": own.id, "other": make_provider().id, "none": None}[whose]
    user = make_user(reader, provider=own) if reader is Role.provider else make_user(reader)
    document = StoredDocument(provider_id=owner, media_type=PDF)

    assert document.can_download(user) is allowed


def test_nobody_signed_out_may_download(app):
    assert StoredDocument(provider_id=1, media_type=PDF).can_download(AnonymousUserMixin()) is False


@pytest.mark.parametrize(
    ("original", "media_type", "expected"),
    [
        ("Insurance.pdf", PDF, "Insurance.pdf"),
        ("notes.txt", PDF, "notes.pdf"),
        ("Policy.DOCX", DOCX, "Policy.docx"),
        ("photo.jpeg", JPEG, "photo.jpg"),
        ("..\\..\\windows\\win.ini", PDF, "win.pdf"),
        ('a"b<c>d|e?.pdf', PDF, "a b c d e.pdf"),
        ("line\r\nbreak.pdf", PDF, "line break.pdf"),
        ("...pdf", PDF, "document.pdf"),
        ("Évaluation à domicile.pdf", PDF, "Évaluation à domicile.pdf"),
        ("x" * 300 + ".pdf", PDF, "x" * 100 + ".pdf"),
    ],
)
def test_download_filenames_are_safe(original, media_type, expected):
    document = StoredDocument(original_filename=original, media_type=media_type)

    assert document.download_filename == expected


@pytest.mark.parametrize(
    ("size", "label"),
    [(850, "850 bytes"), (12 * 1024, "12 KB"), (int(1.45 * 1024 * 1024), "1.4 MB")],
)
def test_sizes_read_as_people_say_them(size, label):
    assert StoredDocument(size_bytes=size).size_label == label
