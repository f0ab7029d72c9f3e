"""Reviewing an application: section reviews, clarification, the extension, self-cleaning."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding import answers
from dps_portal.onboarding import operations as provider_operations
from dps_portal.onboarding.models import (
    ApplicationState,
    ClarificationRequest,
    ReviewOutcome,
    SectionReview,
)
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import checked_values, textarea_value
from tests.onboarding.review.factories import (
    make_received_application,
    provider_user_of,
    set_answer,
)

CHANGED_TAG = re.compile(r">\s*Changed\s*<")


def _events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.sequence)
        )
    )


def _emails_to(db, address: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
        )
    )


def _notifications_of(db, user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def _officer_signed_in(client, db):
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    return officer


# Section reviews.


def test_a_section_passes_and_then_fails_with_a_comment_each_audited(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer_signed_in(client, db)
    url = f"/review/applications/{application.id}/sections/insurance"

    response = client.post(url, data={"insurance-outcome": "passed", "insurance-comment": ""})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/review/applications/{application.id}/sections/cqc_registration"
    )
    review = db.session.scalars(select(SectionReview)).one()
    assert (review.section_key, review.outcome, review.comment) == (
        "insurance",
        ReviewOutcome.passed,
        "",
    )
    assert review.reviewed_by_id == officer.id

    client.post(url, data={"insurance-outcome": "failed", "insurance-comment": "Cover below £5m"})

    review = db.session.scalars(select(SectionReview)).one()
    assert (review.outcome, review.comment) == (ReviewOutcome.failed, "Cover below £5m")
    events = _events(db, "application.section_reviewed")
    assert [event.after["outcome"] for event in events] == ["passed", "failed"]
    assert events[1].before == {"outcome": "passed", "comment": ""}
    assert events[1].after == {
        "section": "insurance",
        "outcome": "failed",
        "comment": "Cover below £5m",
    }
    assert events[1].actor_id == officer.id
    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert "Cover below £5m" in page
    section_page = client.get(url)
    assert textarea_value(section_page, "insurance-comment") == "Cover below £5m"
    assert checked_values(section_page, "insurance-outcome") == ["failed"]


def test_a_failed_section_needs_a_comment_and_a_choice_is_needed(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    _officer_signed_in(client, db)
    url = f"/review/applications/{application.id}/sections/insurance"

    no_choice = client.post(url, data={})
    failed_without_comment = client.post(url, data={"insurance-outcome": "failed"})

    assert no_choice.status_code == 200
    assert "Select whether the section passes or fails" in no_choice.get_data(as_text=True)
    page = failed_without_comment.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter why the section fails" in page
    assert 'href="#insurance-comment"' in page
    assert db.session.scalars(select(SectionReview)).all() == []


def test_an_unknown_section_is_not_found(client, db, framework, frozen_clock):
    application = make_received_application()
    _officer_signed_in(client, db)

    response = client.post(
        f"/review/applications/{application.id}/sections/nonsense",
        data={"nonsense-outcome": "passed"},
    )

    assert response.status_code == 404


# Clarification.


def test_clarification_round_trip_highlights_what_changed(client, db, framework, frozen_clock):
    application = make_received_application()
    provider_user = provider_user_of(application)
    officer = _officer_signed_in(client, db)
    due_on = application.decision_due_on

    form = client.get(f"/review/applications/{application.id}/clarification")
    assert "Insurance" in form.get_data(as_text=True)
    response = client.post(
        f"/review/applications/{application.id}/clarification",
        data={
            "message": "Your public liability cover expires too soon: send the renewal.",
            "section_keys": ["insurance"],
        },
    )

    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state is ApplicationState.clarification_requested
    assert application.decision_due_on == due_on
    clarification = db.session.scalars(select(ClarificationRequest)).one()
    assert clarification.section_keys == ["insurance"]
    assert clarification.requested_by_id == officer.id
    assert "insurance/org/public_liability" in clarification.answers_before
    assert not any(key.startswith("safeguarding/") for key in clarification.answers_before)
    event = _events(db, "application.clarification_requested")[0]
    assert event.before == {"state": "submitted"}
    assert event.after["sections"] == ["insurance"]
    assert "send the renewal" in event.after["message"]
    email = _emails_to(db, provider_user.email)[-1]
    assert "send the renewal" in email.body_text
    assert "Insurance" in email.body_text
    assert f"/applications/{application.id}" in email.body_text
    notification = _notifications_of(db, provider_user)[-1]
    assert notification.link == f"/applications/{application.id}"
    assert application.reference in notification.title

    # A second request while one is open is refused.
    again = client.post(
        f"/review/applications/{application.id}/clarification",
        data={"message": "And another thing", "section_keys": ["equality"]},
    )
    assert again.status_code == 302
    assert db.session.scalars(select(ClarificationRequest)).all() == [clarification]

    # The provider changes the reopened answer and answers the question.
    new_expiry = date(2026, 3, 3) + timedelta(days=700)
    answers.save_section(
        application,
        "insurance",
        "org",
        {"public_liability": {"amount": "6000000", "expires_on": new_expiry}},
        by=provider_user,
    )
    provider_operations.respond_to_clarification(
        application, clarification, response="Renewed: see the new dates.", by=provider_user
    )
    db.session.commit()

    db.session.refresh(application)
    assert application.state is ApplicationState.submitted
    assert application.decision_due_on == due_on
    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert "1 answer changed after the clarification request" in page
    assert "Renewed: see the new dates." in page
    base = f"/review/applications/{application.id}/sections"
    insurance = client.get(f"{base}/insurance").get_data(as_text=True)
    assert "1 answer changed" in insurance
    assert len(CHANGED_TAG.findall(insurance)) == 1
    changed_row = insurance[insurance.index("dps-changed") :]
    changed_row = changed_row[: changed_row.index("</div>")]
    assert "Public liability insurance" in changed_row
    assert "Cover: £6,000,000.00" in changed_row
    assert "Before the clarification: Cover: £10,000,000.00" in changed_row
    for other in ("financial_standing", "cqc_registration", "equality"):
        assert CHANGED_TAG.findall(client.get(f"{base}/{other}").get_data(as_text=True)) == []


def test_clarification_needs_a_message_and_a_section(client, db, framework, frozen_clock):
    application = make_received_application()
    _officer_signed_in(client, db)

    response = client.post(f"/review/applications/{application.id}/clarification", data={})

    page = response.get_data(as_text=True)
    assert "Enter what the provider needs to clarify" in page
    assert "Select at least one section to reopen" in page
    db.session.refresh(application)
    assert application.state is ApplicationState.submitted


# Extension.


def test_the_deadline_extends_once_with_its_reason_audited_and_the_provider_told(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    provider_user = provider_user_of(application)
    _officer_signed_in(client, db)
    url = f"/review/applications/{application.id}/extend"

    assert "24 March 2026" in client.get(url).get_data(as_text=True)
    missing = client.post(url, data={"reason": "  "})
    assert "Enter why the decision needs more time" in missing.get_data(as_text=True)

    response = client.post(url, data={"reason": "Waiting for the CQC inspection report"})

    assert response.status_code == 302
    db.session.refresh(application)
    assert application.extended_due_on == date(2026, 3, 24)
    assert application.extension_reason == "Waiting for the CQC inspection report"
    (event,) = _events(db, "application.extended")
    assert event.before == {"due_on": "2026-03-17"}
    assert event.after == {
        "extended_due_on": "2026-03-24",
        "reason": "Waiting for the CQC inspection report",
    }
    email = _emails_to(db, provider_user.email)[-1]
    assert "24 March 2026" in email.body_text
    assert "Waiting for the CQC inspection report" in email.body_text
    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert (
        "Extended to 24 March 2026 (from 17 March 2026) because "
        "Waiting for the CQC inspection report" in page
    )

    second = client.post(url, data={"reason": "Still waiting"}, follow_redirects=True)

    assert "cannot be extended again" in second.get_data(as_text=True)
    db.session.refresh(application)
    assert application.extended_due_on == date(2026, 3, 24)
    assert application.extension_reason == "Waiting for the CQC inspection report"
    assert len(_events(db, "application.extended")) == 1
    assert "already been extended once" in client.get(url).get_data(as_text=True)


# Self-cleaning.


def test_self_cleaning_evidence_is_recorded_and_audited(client, db, framework, frozen_clock):
    application = make_received_application()
    set_answer(application, "mandatory_exclusion", "yes")
    db.session.commit()
    officer = _officer_signed_in(client, db)
    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert "No category can be admitted until you record the self-cleaning evidence" in page

    empty = client.post(f"/review/applications/{application.id}/self-cleaning", data={})
    assert "Enter the self-cleaning evidence you have seen" in empty.get_data(as_text=True)
    client.post(
        f"/review/applications/{application.id}/self-cleaning",
        data={"note": "Saw the court papers and the new compliance policy"},
    )

    db.session.refresh(application)
    assert application.self_cleaning_note == "Saw the court papers and the new compliance policy"
    assert application.self_cleaning_recorded_by_id == officer.id
    (event,) = _events(db, "application.self_cleaning_recorded")
    assert event.after == {"note": "Saw the court papers and the new compliance policy"}
    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    assert "Self-cleaning evidence has been recorded" in page


def test_flags_show_discretionary_grounds_and_inadequate_homes(client, db, framework, frozen_clock):
    from dps_portal.providers.models import CqcRating

    application = make_received_application()
    set_answer(application, "discretionary_exclusion", "yes")
    home = application.categories[0].homes[0].care_home
    home.cqc_rating = CqcRating.inadequate
    db.session.commit()
    _officer_signed_in(client, db)

    page = client.get(f"/review/applications/{application.id}").get_data(as_text=True)

    assert "discretionary exclusion ground" in page
    assert f"Rated Inadequate by the CQC, so cannot be admitted: {home.name}." in page
    assert "answered yes to a mandatory exclusion ground" not in page
