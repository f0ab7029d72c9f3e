"""What follows submission on the provider's side: a new question set leaves the submitted
answers alone, withdrawing, and answering an officer's clarification."""

import copy
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import move
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding.models import Answer, ApplicationState, ClarificationRequest
from dps_portal.onboarding.operations import respond_to_clarification, withdraw_application
from dps_portal.onboarding.queries import application_summary
from dps_portal.onboarding.question_sets import definition_of, publish_question_set
from dps_portal.onboarding.questions import load_default_definition
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import make_complete_application, make_draft_application
from tests.onboarding.helpers import error_summary, page_text, valid_section_data


def _summary_rows(application) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (section.key, section.scope, [(row.label, str(row.html)) for row in section.rows])
        for section in application_summary(application)
    ]


def _events(db, action) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# A new version of the questions.


def test_a_new_question_set_leaves_a_submitted_application_as_it_was(client, db):
    application = make_complete_application(submit=True)
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    stored_before = sorted(
        (a.section_key, a.scope, a.question_key, repr(a.value), a.document_id, a.question_text)
        for a in application.answers
    )
    summary_before = _summary_rows(application)
    sign_in(client, user)
    page_before = page_text(client.get(f"/applications/{application.id}"))

    definition = copy.deepcopy(load_default_definition())
    financial = next(s for s in definition["sections"] if s["key"] == "financial_standing")
    financial["questions"][0]["text"] = "Turnover for the last two financial years"
    financial["questions"] = [q for q in financial["questions"] if q["key"] != "latest_accounts"]
    definition["sections"] = [s for s in definition["sections"] if s["key"] != "modern_slavery"]
    version_2 = publish_question_set(application.framework, definition, title="Version 2")
    db.session.commit()
    db.session.expire_all()

    stored_after = sorted(
        (a.section_key, a.scope, a.question_key, repr(a.value), a.document_id, a.question_text)
        for a in db.session.scalars(select(Answer).where(Answer.application_id == application.id))
    )
    assert stored_after == stored_before
    assert _summary_rows(application) == summary_before
    page_after = page_text(client.get(f"/applications/{application.id}"))
    assert page_after == page_before
    assert "Annual turnover in the last financial year" in page_after
    assert "Turnover for the last two financial years" not in page_after
    assert "Modern slavery" in page_after

    newcomer, _ = make_draft_application()
    assert newcomer.question_set_id == version_2.id
    keys = [section.key for section in application_summary(newcomer)]
    assert "modern_slavery" not in keys and "financial_standing" in keys


def test_the_submitted_question_text_is_what_the_summary_shows(db):
    application = make_complete_application(submit=True)
    answer = next(a for a in application.answers if a.question_key == "annual_turnover")
    answer.question_text = "The question as it was worded when submitted"

    rows = {
        row.question_key: row.label
        for section in application_summary(application)
        for row in section.rows
    }

    assert rows["annual_turnover"] == "The question as it was worded when submitted"


def test_the_summary_reads_answers_as_people_do(client, db):
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)):
        application = make_complete_application(submit=True)
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, user)

    rows = {
        (section.key, row.question_key): str(row.html)
        for section in application_summary(application)
        for row in section.rows
    }
    accounts = next(a for a in application.answers if a.question_key == "latest_accounts")

    assert rows[("financial_standing", "annual_turnover")] == "£2,500,000.00"
    assert rows[("safeguarding", "enhanced_dbs")] == "Yes"
    assert rows[("business_continuity", "plan_tested_on")] == "2 January 2026"  # 60 days before
    assert rows[("financial_standing", "latest_accounts")] == (
        f'<a class="govuk-link" href="/documents/{accounts.document_id}/download">'
        "latest_accounts.pdf</a>"
    )
    assert re.fullmatch(
        r"Cover: £10,000,000\.00<br>Expires: 3 March 2027<br>Certificate: <a .*</a>",
        rows[("insurance", "employers_liability")],
    )
    download = client.get(f"/documents/{accounts.document_id}/download", buffered=True)
    assert download.status_code == 200


# Withdrawing.


def test_a_draft_is_deleted_without_a_reason(client, db):
    application, user = make_draft_application()
    db.session.commit()
    sign_in(client, user)

    shown = page_text(client.get(f"/applications/{application.id}"))
    page = page_text(client.get(f"/applications/{application.id}/withdraw"))
    done = client.post(f"/applications/{application.id}/withdraw", data={})

    assert "Delete this draft" in shown and "Withdraw this application" not in shown
    # The confirmation says what happens, and asks for no reason.
    assert "Are you sure you want to delete this draft?" in page
    assert "The council has not seen this draft and will not see it." in page
    assert "it stays in your list of applications, marked as a deleted draft" in page
    assert "Why are you withdrawing" not in page
    assert "Delete draft" in page and "Withdraw application" not in page
    assert done.headers["Location"] == "/applications"
    db.session.refresh(application)
    assert application.state is ApplicationState.withdrawn
    assert application.is_deleted_draft
    assert application.withdrawal_reason == ""
    [event] = _events(db, AuditAction.application_withdrawn)
    assert event.after == {"state": "withdrawn", "reason": ""}
    assert db.session.scalars(select(Notification)).all() == []
    listed = page_text(client.get("/applications"))
    assert f"Draft application {application.reference} has been deleted." in listed
    assert f"{application.reference} Draft deleted" in listed
    shown = page_text(client.get(f"/applications/{application.id}"))
    assert "Deleted" in shown and "Reason" not in shown and "None given" not in shown
    # The organisation may start again at once.
    assert client.post("/applications/start").status_code == 302


def test_withdrawing_a_submitted_application_asks_why(client, db):
    application = make_complete_application(submit=True)
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, user)

    shown = page_text(client.get(f"/applications/{application.id}"))
    page = page_text(client.get(f"/applications/{application.id}/withdraw"))
    missing = client.post(f"/applications/{application.id}/withdraw", data={"reason": "  "})

    assert "Withdraw this application" in shown and "Delete this draft" not in shown
    assert "Are you sure you want to withdraw this application?" in page
    assert error_summary(missing) == ["Enter why you are withdrawing the application"]
    client.post(f"/applications/{application.id}/withdraw", data={"reason": "We sold the homes."})
    db.session.refresh(application)
    assert application.withdrawal_reason == "We sold the homes."
    assert not application.is_deleted_draft
    shown = page_text(client.get(f"/applications/{application.id}"))
    assert "Withdrawn" in shown and "Reason We sold the homes." in shown


def test_withdrawing_a_submitted_application_tells_the_officers(client, db):
    application = make_complete_application(submit=True)
    officer = make_user(Role.contracts_officer)
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, user)

    client.post(f"/applications/{application.id}/withdraw", data={"reason": "Closing."})

    db.session.refresh(application)
    assert application.state is ApplicationState.withdrawn
    [notification] = db.session.scalars(
        select(Notification).where(Notification.user_id == officer.id)
    ).all()
    assert notification.title == f"Application {application.reference} withdrawn"


def test_a_decided_or_withdrawn_application_cannot_be_withdrawn(client, db):
    application, user = make_draft_application()
    withdraw_application(application, by=user, reason="First time")
    db.session.commit()
    sign_in(client, user)

    response = client.post(
        f"/applications/{application.id}/withdraw", data={"reason": "Again"}, follow_redirects=True
    )

    assert f"Draft application {application.reference} has already been deleted." in page_text(
        response
    )
    with pytest.raises(OperationRefused):
        withdraw_application(application, by=user, reason="Again")
    assert len(_events(db, AuditAction.application_withdrawn)) == 1


# The decision, as the provider reads it.


def test_a_decision_shows_reasons_only_where_there_are_some(client, db):
    from dps_portal.onboarding.models import CategoryDecision

    application = make_complete_application(submit=True)
    user = make_user(Role.provider, provider=application.provider)
    admitted, rejected = application.categories
    for chosen, decision, reasons in (
        (admitted, CategoryDecision.admitted, ""),
        (rejected, CategoryDecision.rejected, "No evidence of specialist training."),
    ):
        chosen.decision, chosen.reasons = decision, reasons
        chosen.decided_at = clock.now()
    application.state = ApplicationState.decided
    application.decided_at = clock.now()
    db.session.commit()
    sign_in(client, user)

    text = page_text(client.get(f"/applications/{application.id}"))

    assert f"{admitted.category.name} Decision Admitted {rejected.category.name}" in text
    assert "Decision Rejected Reasons No evidence of specialist training." in text
    assert "None given" not in text
    assert text.count("Reasons") == 1


# Clarifications.


@pytest.fixture
def asked(db):
    """A submitted application on which an officer has asked about the insurance."""
    with clock.frozen(datetime(2026, 12, 18, 15, 0, tzinfo=UTC)):
        application = make_complete_application(submit=True)
    officer = make_user(Role.contracts_officer, email="officer@council.example")
    user = make_user(Role.provider, provider=application.provider)
    clarification = ClarificationRequest(
        application=application,
        section_keys=["insurance"],
        message="Your public liability certificate names another company.",
        requested_by_id=officer.id,
    )
    db.session.add(clarification)
    move(application, ApplicationState.clarification_requested)
    db.session.commit()
    return application, clarification, user, officer


def test_the_question_is_shown_with_the_reopened_sections_and_a_response_box(client, db, asked):
    application, _clarification, user, _officer = asked
    sign_in(client, user)

    response = client.get(f"/applications/{application.id}")

    text = page_text(response)
    assert "Your public liability certificate names another company." in text
    assert "Send your response" in text
    html = response.get_data(as_text=True)
    assert f'href="/applications/{application.id}/sections/insurance/org"' in html
    assert f'href="/applications/{application.id}/sections/financial_standing/org"' not in html


def test_only_the_reopened_sections_can_be_changed(client, db, asked):
    application, _clarification, user, _officer = asked
    sign_in(client, user)
    base = f"/applications/{application.id}"

    assert client.get(f"{base}/sections/insurance/org").status_code == 200
    closed = client.get(f"{base}/sections/financial_standing/org", follow_redirects=True)
    assert "The council has reopened only some sections" in page_text(closed)
    assert client.get(f"{base}/rates").status_code == 302
    assert client.get(f"{base}/categories").status_code == 302

    insurance = definition_of(application.question_set).section("insurance")
    data = valid_section_data(insurance, today=date(2026, 12, 18))
    data["public_liability-amount"] = "7,500,000"
    assert client.post(f"{base}/sections/insurance/org", data=data).status_code == 302
    db.session.expire_all()
    answer = db.session.scalars(
        select(Answer).where(
            Answer.application_id == application.id, Answer.question_key == "public_liability"
        )
    ).one()
    assert answer.value["amount"] == "7500000.00"


def test_the_response_goes_back_to_the_officer_with_the_same_due_date(client, db, asked):
    application, clarification, user, officer = asked
    sign_in(client, user)
    due_on = application.due_on

    # Minutes before the response: a session idle for longer than an hour has ended.
    with clock.frozen(datetime(2027, 1, 4, 8, 55, tzinfo=UTC)):
        empty = client.post(
            f"/applications/{application.id}/clarifications/{clarification.id}",
            data={"response": " "},
        )
    assert error_summary(empty) == ["Enter your response to the council’s question"]

    with clock.frozen(datetime(2027, 1, 4, 9, 0, tzinfo=UTC)):
        sent = client.post(
            f"/applications/{application.id}/clarifications/{clarification.id}",
            data={"response": "We have uploaded the right certificate."},
        )

    assert sent.headers["Location"] == f"/applications/{application.id}"
    db.session.expire_all()
    assert application.state is ApplicationState.submitted
    assert application.due_on == due_on == date(2027, 1, 6)
    assert clarification.response == "We have uploaded the right certificate."
    assert clarification.responded_by_id == user.id
    assert clarification.responded_at == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    [event] = _events(db, AuditAction.application_clarification_answered)
    assert event.before == {"state": "clarification_requested"}
    assert event.after["state"] == "submitted"
    [notification] = db.session.scalars(
        select(Notification).where(Notification.user_id == officer.id)
    ).all()
    assert "answered your question" in notification.title
    assert db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == officer.email)
    ).one()
    shown = page_text(client.get(f"/applications/{application.id}"))
    assert "Your response We have uploaded the right certificate." in shown
    assert "Send your response" not in shown

    again = client.post(
        f"/applications/{application.id}/clarifications/{clarification.id}",
        data={"response": "Once more"},
        follow_redirects=True,
    )
    assert "This clarification has already been answered." in page_text(again)


def test_a_reopened_section_with_problems_must_be_put_right_first(client, db, asked):
    application, clarification, user, _officer = asked
    answer = next(a for a in application.answers if a.question_key == "public_liability")
    answer.value = {**answer.value, "amount": "100.00"}
    db.session.commit()
    sign_in(client, user)

    shown = page_text(client.get(f"/applications/{application.id}"))
    response = client.post(
        f"/applications/{application.id}/clarifications/{clarification.id}",
        data={"response": "Done"},
    )

    assert "Put these right before you respond" in shown
    assert error_summary(response) == ["Public liability insurance must cover at least £5,000,000"]
    db.session.expire_all()
    assert application.state is ApplicationState.clarification_requested
    with pytest.raises(OperationRefused):
        respond_to_clarification(application, clarification, response="Done", by=user)


def test_a_clarification_of_another_application_is_not_found(client, db, asked):
    _application, clarification, _user, _officer = asked
    other, other_user = make_draft_application()
    db.session.commit()
    sign_in(client, other_user)

    response = client.post(
        f"/applications/{other.id}/clarifications/{clarification.id}", data={"response": "x"}
    )

    assert response.status_code == 404
