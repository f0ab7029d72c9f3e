"""Deciding an application: admissions, rates, evidence, the notice, and the rules that
refuse an admission."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import inspect, select, update

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.documents.storage import read_document
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding.models import (
    Admission,
    AdmittedHome,
    Application,
    ApplicationState,
    CategoryDecision,
)
from dps_portal.onboarding.review import operations
from dps_portal.providers.models import CareHome, CqcRating, EvidenceItem
from dps_portal.rates.models import RateCardEntry
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.review.factories import (
    decide_through_pages,
    make_received_application,
    provider_user_of,
    review_every_section,
    set_answer,
)

REJECTION = "The specialist training described does not cover the Mental Health Act."


def _decide(client, application, **choices):
    """Decide through the decide page and the check page: choices are category code ->
    "admit" or ("reject", reasons)."""
    return decide_through_pages(client, application, **choices)


def _officer_signed_in(client, db, *, reviewed=None):
    """An officer signed in, who has passed every section of `reviewed` (if given)."""
    officer = make_user(Role.contracts_officer)
    if reviewed is not None:
        review_every_section(reviewed, officer)
    db.session.commit()
    sign_in(client, officer)
    return officer


def _pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(read_document(document)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


def test_admitting_makes_admissions_home_rates_and_evidence(client, db, framework, frozen_clock):
    application = make_received_application()
    provider = application.provider
    provider_user = provider_user_of(application)
    older = EvidenceItem(
        provider_id=provider.id,
        kind="public_liability",
        label="Public liability insurance",
        amount=Decimal("5000000.00"),
        expires_on=date(2026, 4, 1),
    )
    db.session.add(older)
    db.session.commit()
    officer = _officer_signed_in(client, db, reviewed=application)
    homes = {entry.care_home_id for entry in application.categories[0].homes}

    response = _decide(client, application, MH="admit", LDA="admit")

    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state is ApplicationState.decided
    assert application.decided_at is not None
    for chosen in application.categories:
        assert chosen.decision is CategoryDecision.admitted
        assert chosen.decided_by_id == officer.id
        assert chosen.decided_at == application.decided_at
    admissions = db.session.scalars(select(Admission).order_by(Admission.id)).all()
    assert [a.category.code for a in admissions] == ["MH", "LDA"]
    for admission in admissions:
        assert admission.provider_id == provider.id
        assert admission.application_id == application.id
        assert admission.admitted_by_id == officer.id
        assert {home.care_home_id for home in admission.homes} == homes
    entries = db.session.scalars(select(RateCardEntry)).all()
    assert len(entries) == 4
    for entry in entries:
        assert entry.weekly_rate == Decimal("1250.00")
        assert entry.effective_from == date(2026, 3, 3)
        assert entry.source == "admission"
        assert entry.reason == f"Agreed at admission: {application.reference}"
        assert entry.setting_id == db.session.get(CareHome, entry.care_home_id).setting_id
        assert entry.created_by_id == officer.id
    current = db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.replaced_at.is_(None)).order_by(EvidenceItem.kind)
    ).all()
    assert [item.kind for item in current] == [
        "employers_liability",
        "professional_indemnity",
        "public_liability",
    ]
    public = next(item for item in current if item.kind == "public_liability")
    answer = next(a for a in application.answers if a.question_key == "public_liability")
    assert public.label == "Public liability insurance"
    assert public.amount == Decimal("10000000.00")
    assert public.expires_on == date.fromisoformat(answer.value["expires_on"])
    assert public.document_id == answer.document_id is not None
    assert public.source_application_id == application.id
    db.session.refresh(older)
    assert older.replaced_at is not None

    actions = _actions(db)
    assert actions.count("application.category_decided") == 2
    assert actions.count("provider.admitted") == 2
    assert actions.count("application.decided") == 1
    assert actions.index("application.decided") > actions.index("provider.admitted")

    notice = application.decision_notice
    assert notice.kind == "decision_notice"
    assert notice.provider_id == provider.id
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.attachment_id == notice.id)
    ).one()
    assert email.to_address == provider_user.email
    assert application.reference in email.subject
    assert "Mental Health: Admitted" in email.body_text
    assert "quality-monitoring visit" in email.body_text
    notification = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == provider_user.id)
        .order_by(Notification.id)
    ).all()[-1]
    assert notification.title == f"Decision on your application {application.reference}"
    assert notification.link == f"/applications/{application.id}"


def test_a_rejection_keeps_its_reasons_and_the_notice_names_everything(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    provider = application.provider
    _officer_signed_in(client, db, reviewed=application)

    response = _decide(client, application, MH=("reject", REJECTION), LDA="admit")

    assert response.status_code == 302
    db.session.refresh(application)
    mental_health, learning = application.categories
    assert mental_health.decision is CategoryDecision.rejected
    assert mental_health.reasons == REJECTION
    assert learning.decision is CategoryDecision.admitted
    assert [a.category.code for a in db.session.scalars(select(Admission))] == ["LDA"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "application.category_decided")
    ).first()
    assert event.after["decision"] == "rejected"
    assert event.after["reasons"] == REJECTION

    text = _pdf_text(application.decision_notice)
    assert provider.legal_name in text
    assert application.reference in text
    assert "Received 3 March 2026" in text
    assert "Decided 3 March 2026" in text
    assert "Mental Health: Rejected" in text
    assert REJECTION in text
    assert "Learning Disabilities: Admitted" in text
    for entry in learning.homes:
        assert entry.care_home.name in text
    assert "£1,250.00" in text
    assert "Admission is not yet eligibility" in text
    assert "satisfactory quality-monitoring visit" in text
    assert "accept the current terms and conditions" in text
    assert "You may apply again at any time" in text
    assert "Page 1 of" in text

    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert REJECTION in page
    assert "needs a satisfactory quality-monitoring visit" in page
    assert f"/documents/{application.decision_notice_id}/download" in page


def test_a_rejection_needs_reasons_and_every_category_a_decision(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    _officer_signed_in(client, db)

    response = client.post(
        f"/review/applications/{application.id}/decision",
        data={f"decision_{application.categories[0].id}": "reject"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the reasons for rejecting Mental Health" in page
    assert "Select whether to admit or reject for Learning Disabilities" in page
    db.session.refresh(application)
    assert application.state is ApplicationState.submitted
    assert db.session.scalars(select(Admission)).all() == []


def test_a_mandatory_exclusion_blocks_admission_until_self_cleaning_is_recorded(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    set_answer(application, "mandatory_exclusion", "yes")
    db.session.commit()
    _officer_signed_in(client, db, reviewed=application)
    assert "no category can be admitted" in client.get(
        f"/review/applications/{application.id}/decision"
    ).get_data(as_text=True)

    refused = _decide(client, application, MH="admit", LDA=("reject", "No training"))

    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert (
        "Mental Health cannot be admitted: the provider declared a mandatory exclusion ground "
        "and no self-cleaning evidence has been recorded" in page
    )
    db.session.refresh(application)
    assert application.state is ApplicationState.submitted
    assert db.session.scalars(select(Admission)).all() == []
    assert "application.category_decided" not in _actions(db)

    client.post(
        f"/review/applications/{application.id}/self-cleaning",
        data={"note": "Directors replaced; compliance audit seen"},
    )
    admitted = _decide(client, application, MH="admit", LDA=("reject", "No training"))

    assert admitted.status_code == 302
    assert [a.category.code for a in db.session.scalars(select(Admission))] == ["MH"]


def test_a_mandatory_exclusion_refuses_admit_for_every_category(db, framework, frozen_clock):
    application = make_received_application()
    set_answer(application, "mandatory_exclusion", "yes")
    officer = make_user(Role.contracts_officer)
    review_every_section(application, officer)

    for chosen in application.categories:
        assert "mandatory exclusion ground" in operations.admission_problem(application, chosen)
    with pytest.raises(operations.DecisionRefused) as refusal:
        operations.decide_application(
            application,
            {
                application.categories[0].id: operations.CategoryChoice(False, "No"),
                application.categories[1].id: operations.CategoryChoice(True),
            },
            by=officer,
        )
    assert refusal.value.application_category_id == application.categories[1].id


def test_a_home_rated_inadequate_is_not_admitted(client, db, framework, frozen_clock):
    application = make_received_application()
    inadequate, good = (entry.care_home for entry in application.categories[0].homes)
    inadequate.cqc_rating = CqcRating.inadequate
    db.session.commit()
    _officer_signed_in(client, db, reviewed=application)
    decide_page = client.get(f"/review/applications/{application.id}/decision")
    assert "Cannot be admitted" in decide_page.get_data(as_text=True)

    _decide(client, application, MH="admit", LDA="admit")

    homes = db.session.scalars(select(AdmittedHome.care_home_id)).all()
    assert homes == [good.id, good.id]
    rated = db.session.scalars(select(RateCardEntry.care_home_id)).all()
    assert set(rated) == {good.id}
    db.session.refresh(application)
    text = _pdf_text(application.decision_notice)
    assert f"Inadequate: {inadequate.name}" in text


def test_a_category_whose_homes_are_all_inadequate_cannot_be_admitted(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    for entry in application.categories[0].homes:
        entry.care_home.cqc_rating = CqcRating.inadequate
    db.session.commit()
    _officer_signed_in(client, db, reviewed=application)

    response = _decide(client, application, MH="admit", LDA="admit")

    assert "none of the homes put forward for it can be" in response.get_data(as_text=True)
    assert db.session.scalars(select(Admission)).all() == []


def test_an_application_is_decided_once(client, db, framework, frozen_clock):
    application = make_received_application()
    officer = _officer_signed_in(client, db, reviewed=application)
    officer.full_name = "Ann Officer"
    _decide(client, application, MH="admit", LDA="admit")
    events = len(_actions(db))

    again = _decide(client, application, MH=("reject", "Changed my mind"), LDA="admit")

    assert again.status_code == 302
    follow = client.get(again.headers["Location"]).get_data(as_text=True)
    assert (
        f"Application {application.reference} was already decided by Ann Officer on "
        "3 March 2026 at 10:00am (GMT)." in follow
    )
    assert len(_actions(db)) == events
    db.session.refresh(application)
    assert application.categories[0].decision is CategoryDecision.admitted
    with pytest.raises(OperationRefused, match="already decided by Ann Officer"):
        operations.decide_application(
            application,
            {chosen.id: operations.CategoryChoice(True) for chosen in application.categories},
            by=officer,
        )


def test_admission_does_not_make_a_home_eligible(client, db, framework, frozen_clock):
    application = make_received_application()
    _officer_signed_in(client, db, reviewed=application)

    _decide(client, application, MH="admit", LDA="admit")

    # Nothing that would let a placement through is set by admission: there is no
    # eligibility flag to set, and the homes are exactly as they were.
    for model in (Admission, AdmittedHome, CareHome):
        names = [column.key for column in inspect(model).columns]
        assert not [n for n in names if "eligib" in n or "placement" in n], model
    for entry in application.categories[0].homes:
        assert entry.care_home.is_cqc_registered is True
    db.session.refresh(application)
    text = _pdf_text(application.decision_notice)
    assert "Admission is not yet eligibility to receive placements" in text
    assert "needs a satisfactory quality-monitoring visit" in text
    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert "Admission is not yet eligibility" in page


def test_a_decision_reads_the_application_afresh_under_its_lock(db, framework, frozen_clock):
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    review_every_section(application, officer)
    choices = {chosen.id: operations.CategoryChoice(True) for chosen in application.categories}
    application_id = application.id
    db.session.commit()
    # Another officer's decision commits after this one loaded the application (the test's
    # session holds no transaction, so on SQLite the other connection takes the write lock).
    with db.engine.begin() as other:
        other.execute(
            update(Application)
            .where(Application.id == application_id)
            .values(state=ApplicationState.decided)
        )

    with pytest.raises(OperationRefused, match="was already decided"):
        operations.decide_application(application, choices, by=officer)
    assert db.session.scalars(select(Admission)).all() == []


def test_the_providers_page_says_admission_waits_for_the_quality_visit(app, db, client):
    from dps_portal.onboarding.review.operations import CategoryChoice, decide_application
    from tests.onboarding.factories import make_complete_application

    application = make_complete_application(submit=True)
    officer = make_user(Role.contracts_officer)
    review_every_section(application, officer)
    decide_application(
        application, {c.id: CategoryChoice(admit=True) for c in application.categories}, by=officer
    )
    provider_user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, provider_user)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Admitted" in page
    assert "needs a satisfactory quality-monitoring visit" in page
