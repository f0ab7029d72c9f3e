"""The documents a provider keeps from the council, read as the provider reads them: the visit
report's reference and next visit, the rejection notice on one page (or a deliberate break),
the council's signatory block on the Provider Agreement, and the council's contact details
wherever a page or a document says to get in touch."""

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dps_portal.contracts.terms import operations as terms
from dps_portal.core.access import public
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import document_path, read_document
from dps_portal.extensions import db as _db
from dps_portal.framework.models import Framework
from dps_portal.onboarding.review import operations as review
from dps_portal.quality import operations
from dps_portal.quality.models import SectionRating, VisitOutcome, VisitType
from dps_portal.quality.naming import visit_reference
from tests.conftest import sign_in
from tests.contracts.factories import publish_terms
from tests.contracts.terms.factories import make_signing_provider
from tests.documents import samples
from tests.factories import make_provider, make_user
from tests.onboarding.helpers import page_text
from tests.onboarding.review.factories import make_received_application, review_every_section
from tests.quality.visit_helpers import plan_action, rate_all, scheduled_visit

CONTACT = {
    "contracts_team_name": "Care Contracts Team",
    "contact_email": "contracts@council.example",
    "contact_phone": "01632 960 123",
}
IN_WORDS = "the Care Contracts Team at contracts@council.example or 01632 960 123"


def _pages(document: StoredDocument) -> list[str]:
    reader = PdfReader(io.BytesIO(read_document(document)))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _text(document: StoredDocument) -> str:
    return " ".join(_pages(document))


def _framework() -> Framework:
    return _db.session.scalars(select(Framework)).one()


# The visit report.


def _finalise(visit, outcome: VisitOutcome):
    bad = outcome is VisitOutcome.unsatisfactory
    rate_all(visit, SectionRating.inadequate if bad else SectionRating.good)
    if outcome is VisitOutcome.satisfactory_with_actions:
        plan_action(visit)
    operations.finalise_visit(
        visit, visited_on=date(2026, 3, 3), outcome=outcome, summary="Summary.", by=visit.monitor
    )
    return _db.session.get(StoredDocument, visit.report_document_id)


def test_the_visit_report_has_a_readable_reference_and_the_next_visit_due(db, frozen_clock):
    visit = scheduled_visit()

    report = _finalise(visit, VisitOutcome.satisfactory_with_actions)

    reference = visit_reference(visit)
    assert reference == f"QMV-2026-{visit.id:05d}"
    assert report.original_filename == f"Visit report {reference}.pdf"
    text = _text(report)
    assert f"Visit report {reference}" in text  # at the top, and at the foot of each page
    assert f"Reference {reference}" in text
    # Six months after a satisfactory visit with actions: the due list's rule.
    assert "Next visit due By 3 September 2026" in text
    assert "Next visit planned" not in text


def test_after_an_unsatisfactory_visit_the_report_names_the_follow_up(db, frozen_clock):
    visit = scheduled_visit()

    text = _text(_finalise(visit, VisitOutcome.unsatisfactory))

    assert "Next visit due Now: the home needs a satisfactory initial or follow-up visit" in text
    assert "Next visit planned Follow-up visit on 31 March 2026" in text
    assert "(the council will tell you the start time)" in text


def test_the_report_never_names_an_unannounced_visit(db, frozen_clock):
    visit = scheduled_visit()
    operations.schedule_visit(
        visit.care_home,
        visit_type=VisitType.responsive,
        monitor=visit.monitor,
        planned_on=date(2026, 3, 20),
        is_announced=False,
        by=visit.monitor,
    )

    text = _text(_finalise(visit, VisitOutcome.satisfactory))

    assert "Next visit due By 3 March 2027" in text
    assert "Next visit planned" not in text and "20 March 2026" not in text


# The rejection notice.

REASONS = "The specialist training described does not cover the Mental Health Act."
LONG_REASONS = (
    "The specialist training described does not cover the Mental Health Act or the Mental "
    "Capacity Act. The business continuity plan was last reviewed in 2021 and does not name "
    "who acts in the manager's absence.\nThe employer's liability certificate expired before "
    "the application was received."
)


def _rejected(reasons: str, *, admit_second: bool = False) -> StoredDocument:
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    review_every_section(application, officer)
    first, second = application.categories
    choices = {
        first.id: review.CategoryChoice(admit=False, reasons=reasons),
        second.id: review.CategoryChoice(
            admit=admit_second, reasons="" if admit_second else reasons
        ),
    }
    return review.decide_application(application, choices, by=officer)


def test_a_rejection_notice_fits_on_one_page(db, framework, frozen_clock):
    for field, value in CONTACT.items():
        setattr(framework, field, value)

    pages = _pages(_rejected(REASONS))

    assert len(pages) == 1
    assert "Mental Health: Rejected Reasons for the rejection: " + REASONS in pages[0]
    assert "What happens next Your organisation has not been admitted to any category" in pages[0]
    assert "you may apply again at any time" in pages[0]
    assert f"Questions about this decision: contact {IN_WORDS}." in pages[0]
    assert "Page 1 of 1" in pages[0]


def test_a_longer_notice_breaks_before_its_closing_section_whole(db, framework, frozen_clock):
    pages = _pages(_rejected(LONG_REASONS))

    assert len(pages) == 2
    # The second page starts with the closing section, not with its last line.
    assert pages[1].startswith("What happens next Your organisation has not been admitted")
    assert "No fee is charged" in pages[1] and framework.legal_basis in pages[1]


def test_a_notice_admitting_one_category_still_says_how_to_apply_again(db, framework, frozen_clock):
    text = _text(_rejected(REASONS, admit_second=True))

    assert "What happens next Admission is not yet eligibility" in text
    assert "Applying again The dynamic purchasing system stays open" in text


# The Provider Agreement.


def _agreement(**council) -> str:
    provider, _home, signatory = make_signing_provider(legal_name="Rosewood Care Ltd")
    version = publish_terms()
    framework = _db.session.get(Framework, version.framework_id)
    for field, value in council.items():
        setattr(framework, field, value)
    acceptance = terms.accept_terms(
        provider,
        version,
        by=signatory,
        signatory_name="Samantha Signer",
        signatory_role="Managing Director",
        ip_address="127.0.0.1",
    )
    return _text(acceptance.agreement_document)


def test_the_agreement_names_the_councils_signatory_beside_the_providers(db, frozen_clock):
    text = _agreement(
        council_signatory_name="Rachel Price",
        council_signatory_role="Assistant Director of Commissioning",
    )

    # The two blocks, side by side on the page, are read one after the other.
    assert "For the provider For the council Organisation Rosewood Care Ltd" in text
    assert "Signatory Samantha Signer Role Managing Director Signed 3 March 2026" in text
    assert (
        "Organisation Testshire County Council Signatory Rachel Price "
        "Role Assistant Director of Commissioning"
    ) in text
    assert "Signed for and on behalf of Testshire County Council by its authorised officer" in text


def test_without_a_named_signatory_the_council_signs_on_blank_lines(db, frozen_clock):
    text = _agreement(council_signatory_name="", council_signatory_role="")

    assert "Organisation Testshire County Council Name Role Signature Date" in text
    assert "To be signed below for and on behalf of Testshire County Council" in text


# Pages that say whom to contact.


def test_a_document_that_cannot_be_sent_says_whom_to_contact(client, db, framework):
    for field, value in CONTACT.items():
        setattr(framework, field, value)
    provider_user = make_user(Role.provider, provider=make_provider())
    document = samples.store_sample(provider_user.provider, by=provider_user)
    db.session.commit()
    document_path(document).write_bytes(samples.pdf_bytes("Forged"))
    sign_in(client, provider_user)

    response = client.get(f"/documents/{document.id}/download")

    assert response.status_code == 500
    assert f"Contact {IN_WORDS}, and quote document number {document.id}." in page_text(response)


@pytest.mark.app_config(PROPAGATE_TEST_ERRORS=False)
def test_the_error_page_says_whom_to_contact(app, client, db, framework):
    framework.contracts_team_name = "Care Contracts Team"
    framework.contact_phone = "01632 960 123"
    db.session.commit()

    @public
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", view_func=explode)
    response = client.get("/explode")

    assert response.status_code == 500
    text = page_text(response)
    assert "If the problem continues, contact the Care Contracts Team at 01632 960 123." in text
    assert "secret internals" not in text
