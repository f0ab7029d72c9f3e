"""The whole provider journey through the pages: start, categories, each section, rates,
check answers and submit, with the decision due date across bank holidays."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding.models import Application, ApplicationState
from dps_portal.onboarding.question_sets import definition_of
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import (
    make_complete_application,
    make_complete_home,
    make_complete_provider,
    ready_framework,
)
from tests.onboarding.helpers import error_summary, page_text, valid_section_data


def _actions(db, application) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "application")
            .where(AuditEvent.subject_id == str(application.id))
            .order_by(AuditEvent.sequence)
        )
    )


@pytest.fixture
def applicant(db):
    """A provider user whose organisation is complete and has two complete homes."""
    framework = ready_framework()
    provider = make_complete_provider(legal_name="Oak Care Ltd")
    homes = [
        make_complete_home(provider, framework, name="Ash House"),
        make_complete_home(provider, framework, name="Beech House"),
    ]
    user = make_user(Role.provider, provider=provider, email="owner@oakcare.example")
    officers = [make_user(Role.contracts_officer), make_user(Role.contracts_officer)]
    make_user(Role.contracts_officer, is_active=False)
    db.session.commit()
    return user, framework, homes, officers


def _journey(client, db, applicant):
    user, framework, homes, _officers = applicant
    sign_in(client, user)
    mental_health, learning_disabilities, _enhanced = framework.categories

    listing = client.get("/applications")
    assert listing.status_code == 200
    assert "Start an application" in page_text(listing)

    started = client.post("/applications/start")
    application = db.session.scalars(select(Application)).one()
    assert started.headers["Location"] == f"/applications/{application.id}"
    assert application.state is ApplicationState.draft
    assert application.reference == f"APP-{clock.today_uk().year}-0001"

    task_list = page_text(client.get(f"/applications/{application.id}"))
    assert "Categories and homes Not yet started" in task_list
    assert (
        "CQC registration and Statement of Purpose "
        "Choose the homes you are putting forward first Cannot start yet"
    ) in task_list
    assert "Check your answers and submit Cannot start yet" in task_list

    # Homes ticked under a category apply for it, even without ticking the category itself.
    chosen = client.post(
        f"/applications/{application.id}/categories",
        data={
            "categories": [str(mental_health.id)],
            f"homes_{mental_health.id}": [str(homes[0].id), str(homes[1].id)],
            f"homes_{learning_disabilities.id}": [str(homes[1].id)],
        },
    )
    assert chosen.status_code == 302
    db.session.refresh(application)
    assert {
        c.category.code: [e.care_home.name for e in c.homes] for c in application.categories
    } == {"MH": ["Ash House", "Beech House"], "LDA": ["Beech House"]}

    task_list = page_text(client.get(f"/applications/{application.id}"))
    assert "Workforce and specialist training: Mental Health Not yet started" in task_list
    assert "CQC registration and Statement of Purpose: Beech House Not yet started" in task_list

    definition = definition_of(application.question_set)
    for section in definition.sections:
        scopes = {
            "organisation": ["org"],
            "home": [f"home:{home.id}" for home in homes],
            "category": [f"category:{mental_health.id}", f"category:{learning_disabilities.id}"],
        }[section.scope]
        for scope in scopes:
            url = f"/applications/{application.id}/sections/{section.key}/{scope}"
            assert client.get(url).status_code == 200
            saved = client.post(url, data=valid_section_data(section))
            assert saved.status_code == 302, (section.key, error_summary(saved))
            assert saved.headers["Location"] == f"/applications/{application.id}"

    rates = client.post(
        f"/applications/{application.id}/rates",
        data={
            f"rate_{mental_health.id}_{homes[0].id}": "1,250",
            f"rate_{mental_health.id}_{homes[1].id}": "1300.50",
            f"rate_{learning_disabilities.id}_{homes[1].id}": "£1400",
            "save": "Save and continue",
        },
    )
    assert rates.status_code == 302

    task_list = page_text(client.get(f"/applications/{application.id}"))
    assert "In progress" not in task_list and "Not yet started Check" not in task_list
    assert "Check your answers and submit Not yet started" in task_list

    check = client.get(f"/applications/{application.id}/check")
    assert check.status_code == 200
    assert error_summary(check) == []
    check_text = page_text(check)
    assert "£1,300.50 a week" in check_text
    assert "Change" in check_text

    unconfirmed = client.post(f"/applications/{application.id}/submit", data={})
    assert error_summary(unconfirmed) == ["Confirm the information is true and complete to submit"]
    db.session.refresh(application)
    assert application.state is ApplicationState.draft

    submitted = client.post(f"/applications/{application.id}/submit", data={"confirm": "y"})
    assert submitted.headers["Location"] == f"/applications/{application.id}/submitted"
    db.session.refresh(application)
    return application, submitted


def test_a_provider_completes_and_submits_an_application(client, db, applicant):
    user, _framework, _homes, officers = applicant
    with clock.frozen(datetime(2026, 3, 30, 9, 0, tzinfo=UTC)):
        application, submitted = _journey(client, db, applicant)
        confirmation = page_text(client.get(submitted.headers["Location"]))

    assert application.state is ApplicationState.submitted
    assert application.submitted_by_id == user.id
    assert application.received_on == date(2026, 3, 30)
    # Good Friday (3 April) and Easter Monday (6 April) are not working days.
    assert application.due_on == date(2026, 4, 15)
    assert f"Application submitted Your reference number {application.reference}" in confirmation
    assert "The decision is due by 15 April 2026" in confirmation
    assert all(answer.question_text for answer in application.answers)

    assert _actions(db, application) == [
        AuditAction.application_started,
        AuditAction.application_categories_saved,
        *[AuditAction.application_section_saved] * 12,
        AuditAction.application_rates_saved,
        AuditAction.application_submitted,
    ]
    told = db.session.scalars(select(Notification.user_id).order_by(Notification.user_id)).all()
    assert told == [officer.id for officer in officers]
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert sorted(email.to_address for email in emails) == sorted(
        [officer.email for officer in officers] + [user.email]
    )
    receipt = next(email for email in emails if email.to_address == user.email)
    assert application.reference in receipt.subject
    assert "Decision due by: 15 April 2026" in receipt.body_text

    # Half an hour on: a session idle for longer than an hour has ended.
    with clock.frozen(datetime(2026, 3, 30, 9, 30, tzinfo=UTC)):
        shown = page_text(client.get(f"/applications/{application.id}"))
    assert "Decision due by 15 April 2026" in shown
    assert "Submitted" in shown
    assert "Change" not in shown


@pytest.mark.parametrize(
    ("submitted_at", "received_on", "due_on"),
    [
        # Christmas Day, Boxing Day (moved to Monday 28th) and New Year's Day fall inside.
        (datetime(2026, 12, 18, 15, 0, tzinfo=UTC), date(2026, 12, 18), date(2027, 1, 6)),
        (datetime(2026, 12, 24, 11, 0, tzinfo=UTC), date(2026, 12, 24), date(2027, 1, 12)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (datetime(2026, 3, 30, 9, 0, tzinfo=UTC), date(2026, 3, 30), date(2026, 4, 15)),
        (datetime(2026, 4, 2, 16, 0, tzinfo=UTC), date(2026, 4, 2), date(2026, 4, 20)),
        # Half past midnight in summer time is still the previous day in UTC.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 1), date(2026, 7, 15)),
    ],
)
def test_the_decision_is_due_ten_working_days_after_receipt(db, submitted_at, received_on, due_on):
    with clock.frozen(submitted_at):
        application = make_complete_application(submit=True)

    assert application.received_on == received_on
    assert application.due_on == due_on
    assert application.submitted_at == submitted_at


def test_the_list_shows_each_application(client, db):
    with clock.frozen(datetime(2026, 12, 18, 15, 0, tzinfo=UTC)):
        application = make_complete_application(submit=True)
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, user)

    text = page_text(client.get("/applications"))

    assert (
        f"{application.reference} Submitted Mental Health Learning Disabilities "
        "18 December 2026 6 January 2027" in text
    )
    assert "Start an application" not in text
    assert f"once {application.reference} has been decided or withdrawn" in text
