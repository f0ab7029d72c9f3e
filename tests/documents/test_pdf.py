import base64
import hashlib
import io
from datetime import UTC, datetime

import pytest
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import STAFF_ROLES, Role
from dps_portal.documents import pdf
from dps_portal.documents.storage import document_path
from dps_portal.framework.models import Category
from dps_portal.framework.summary import framework_summary
from dps_portal.framework.tasks import produce_framework_summary
from dps_portal.onboarding.models import (
    Admission,
    AdmittedHome,
    Application,
    ApplicationState,
    QuestionSet,
)
from dps_portal.onboarding.questions import load_default_definition
from tests.conftest import sign_in
from tests.factories import make_home, make_provider, make_user

TRAINING = "Oliver McGowan training on learning disability and autism"


@pytest.fixture
def busy_framework(db, framework):
    """A framework with enough homes that its summary runs over several pages."""
    category = db.session.scalars(select(Category).where(Category.code == "LDA")).one()
    category.name = "Learning Disabilities, Autism Spectrum Condition"
    category.specialist_training = TRAINING
    officer = make_user(Role.contracts_officer)
    question_set = QuestionSet(
        framework_id=framework.id,
        version=1,
        title="Questions",
        definition=load_default_definition(),
    )
    db.session.add(question_set)
    for number in range(12):
        provider = make_provider(legal_name=f"Provider {number:02d} Ltd")
        homes = [
            make_home(provider, name=f"Home {number:02d}-{home}", registered_beds=home + 4)
            for home in range(6)
        ]
        # The summary lists the admitted homes (admitted here without an audited step, so
        # the tests below see only the events they make).
        application = Application(
            reference=f"SUMMARY-{number}",
            provider_id=provider.id,
            framework_id=framework.id,
            question_set=question_set,
            state=ApplicationState.decided,
            submitted_at=clock.now(),
            decided_at=clock.now(),
        )
        db.session.add(application)
        db.session.flush()
        admission = Admission(
            provider_id=provider.id,
            category=category,
            application_id=application.id,
            admitted_by_id=officer.id,
        )
        db.session.add(admission)
        db.session.add_all(AdmittedHome(admission=admission, care_home_id=h.id) for h in homes)
    db.session.commit()
    return framework


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _summary_pdf(framework) -> bytes:
    return pdf.render_pdf(
        "documents/framework_summary.html",
        summary=framework_summary(framework),
        produced_at=datetime(2026, 7, 1, 13, 30, tzinfo=UTC),
    )


def test_the_framework_summary_runs_over_numbered_pages(app, busy_framework):
    pages = _pages(_summary_pdf(busy_framework))
    text = "\n".join(pages)

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Testshire County Council" in page
    assert "Page 1 of" in pages[0]
    assert busy_framework.name in text
    assert busy_framework.reference in text
    assert busy_framework.legal_basis in text
    for name in ("Mental Health", "Learning Disabilities, Autism Spectrum Condition", "Enhanced"):
        assert name in text
    assert TRAINING in text
    assert "1 April 2024" in text
    assert "Open to new applications" in text
    assert "Produced on 1 July 2026 at 2:30pm (BST)" in text
    assert "Providers registered 12" in text
    assert "Care homes registered 72" in text
    assert "Home 11-5" in text
    assert "Chesterfield" in text
    assert "Nursing" in text


def test_a_closed_framework_says_so(app, db, framework):
    framework.is_open_for_applications = False
    db.session.commit()

    pages = _pages(_summary_pdf(framework))

    assert "Closed to new applications" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_the_stylesheet_and_fonts_are_prepared_once(app, framework):
    setup = pdf.print_setup()
    before = pdf.print_setup.cache_info()

    _summary_pdf(framework)
    _summary_pdf(framework)

    after = pdf.print_setup.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 2
    assert pdf.print_setup() is setup
    assert pdf.print_setup().font_config is setup.font_config
    assert pdf.print_setup().stylesheet is setup.stylesheet


def test_the_renderer_reads_no_files_or_network(app, tmp_path):
    leak = tmp_path / "leak.css"
    leak.write_text('body::after { content: "LEAKED FROM DISK"; }')
    inline = base64.b64encode(b'body::after { content: "INLINE STYLE"; }').decode()
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "documents/probe.html": (
                        f'<link rel="stylesheet" href="{leak.as_uri()}">'
                        f'<link rel="stylesheet" href="data:text/css;base64,{inline}">'
                        "<p>Probe</p>"
                    )
                }
            ),
            app.jinja_env.loader,
        ]
    )

    text = "\n".join(_pages(pdf.render_pdf("documents/probe.html")))

    assert "INLINE STYLE" in text
    assert "LEAKED FROM DISK" not in text


def test_store_pdf_keeps_the_rendered_file_and_audits_it(app, db, busy_framework):
    officer = make_user(Role.contracts_officer)
    provider = make_provider()

    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)):
        document = pdf.store_pdf(
            "documents/framework_summary.html",
            filename="Framework summary.pdf",
            kind="framework_summary",
            provider_id=provider.id,
            by=officer,
            summary=framework_summary(busy_framework),
            produced_at=clock.now(),
        )
    db.session.commit()

    data = document_path(document).read_bytes()
    assert document.media_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.uploaded_by_id == officer.id
    assert busy_framework.name in "\n".join(_pages(data))
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert event.action == AuditAction.document_rendered
    assert event.after["template"] == "documents/framework_summary.html"
    assert event.actor_id == officer.id


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_download_the_framework_summary(client, db, busy_framework, role):
    sign_in(client, make_user(role))
    # The download serves the copy its job keeps (tests/framework: the page before it exists).
    produce_framework_summary()
    db.session.commit()

    response = client.get("/documents/framework-summary.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="Framework summary {busy_framework.reference}.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert busy_framework.name in "\n".join(_pages(response.data))


def test_providers_cannot_have_the_framework_summary(client, db, framework):
    sign_in(client, make_user(Role.provider))
    db.session.commit()

    assert client.get("/documents/framework-summary.pdf").status_code == 403


def test_anonymous_framework_summary_redirects_to_sign_in(client, framework):
    response = client.get("/documents/framework-summary.pdf")

    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_no_framework_no_summary(client, db):
    sign_in(client, make_user(Role.contracts_officer))
    db.session.commit()

    assert client.get("/documents/framework-summary.pdf").status_code == 404
