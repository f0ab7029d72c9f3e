"""The officers' queue and the decision clock: due dates, extension, order and RAG."""

import re
from datetime import UTC, date, datetime

import pytest

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.states import move
from dps_portal.onboarding import operations as provider_operations
from dps_portal.onboarding.models import ApplicationState
from dps_portal.onboarding.review import operations, queries
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.review.factories import make_received_application, provider_user_of


def _at(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock UTC on `day` (in England that is the same day, GMT or BST)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received_on", "due_on", "extended_due_on"),
    [
        # Two weekends in between.
        (date(2026, 3, 3), date(2026, 3, 17), date(2026, 3, 24)),
        # Christmas Day, Boxing Day (the 28th, a Monday, in lieu) and New Year's Day.
        (date(2026, 12, 18), date(2027, 1, 6), date(2027, 1, 13)),
        # Good Friday 3 April and Easter Monday 6 April 2026.
        (date(2026, 3, 30), date(2026, 4, 15), date(2026, 4, 22)),
    ],
    ids=["march", "christmas-new-year", "easter"],
)
def test_the_decision_is_due_10_working_days_after_receipt_and_15_when_extended(
    db, framework, received_on, due_on, extended_due_on
):
    application = make_received_application(_at(received_on))
    officer = make_user(Role.contracts_officer)

    assert application.received_on == received_on
    assert application.due_on == due_on
    assert application.decision_due_on == due_on

    with clock.frozen(_at(received_on)):
        assert operations.extend_deadline(application, reason="Awaiting a CQC report", by=officer)

    assert application.extended_due_on == extended_due_on
    assert application.decision_due_on == extended_due_on
    assert application.due_on == due_on


def test_the_clock_reads_as_a_sentence(db, framework):
    application = make_received_application()

    with clock.frozen(_at(date(2026, 3, 5))):
        summary = queries.decision_clock(application, clock.today_uk()).summary

    assert summary == "Received 3 March 2026. Decision due by 17 March 2026: 8 working days left"


@pytest.mark.parametrize(
    ("today", "text", "rag"),
    [
        (date(2026, 3, 5), "8 working days left", "green"),
        (date(2026, 3, 10), "5 working days left", "amber"),
        (date(2026, 3, 13), "2 working days left", "red"),
        (date(2026, 3, 16), "1 working day left", "red"),
        (date(2026, 3, 17), "Due today", "red"),
        (date(2026, 3, 18), "Overdue by 1 working day", "red"),
        # The weekend does not count.
        (date(2026, 3, 23), "Overdue by 4 working days", "red"),
    ],
)
def test_days_left_and_rag(db, framework, today, text, rag):
    application = make_received_application()

    decision_clock = queries.decision_clock(application, today)

    assert decision_clock.days_left_text == text
    assert decision_clock.rag == rag


def _queue_references(html: str) -> list[str]:
    return re.findall(r'data-application="([^"]+)"', html)


def _row(html: str, reference: str) -> str:
    start = html.index(f'data-application="{reference}"')
    return html[start : html.index("</tr>", start)]


def test_the_queue_lists_applications_awaiting_decision_soonest_due_first(client, db, framework):
    due_17 = make_received_application(_at(date(2026, 3, 3)))
    due_16 = make_received_application(_at(date(2026, 3, 2)))
    overdue = make_received_application(_at(date(2026, 2, 27)))
    due_23 = make_received_application(_at(date(2026, 3, 9)))
    due_26 = make_received_application(_at(date(2026, 3, 12)))
    extended_to_23 = make_received_application(_at(date(2026, 3, 2)))
    officer = make_user(Role.contracts_officer)
    with clock.frozen(_at(date(2026, 3, 4))):
        operations.extend_deadline(extended_to_23, reason="Waiting for references", by=officer)
        operations.request_clarification(
            due_26, message="Tell us more", section_keys=["insurance"], by=officer
        )
    decided = make_received_application(_at(date(2026, 3, 1)))
    move(decided, ApplicationState.decided)
    decided.decided_at = _at(date(2026, 3, 12))
    withdrawn = make_received_application(_at(date(2026, 3, 4)))
    provider_operations.withdraw_application(
        withdrawn, by=provider_user_of(withdrawn), reason="Sold the home"
    )
    db.session.commit()
    sign_in(client, officer)

    with clock.frozen(_at(date(2026, 3, 16))):
        html = client.get("/review/applications").get_data(as_text=True)

    assert _queue_references(html) == [
        overdue.reference,
        due_16.reference,
        due_17.reference,
        extended_to_23.reference,  # received earlier than due_23, due the same day
        due_23.reference,
        due_26.reference,
    ]
    assert "Overdue by 1 working day" in _row(html, overdue.reference)
    assert "govuk-tag--red" in _row(html, overdue.reference)
    assert "Due today" in _row(html, due_16.reference)
    assert "1 working day left" in _row(html, due_17.reference)
    assert "govuk-tag--red" in _row(html, due_17.reference)
    assert "5 working days left" in _row(html, due_23.reference)
    assert "govuk-tag--orange" in _row(html, due_23.reference)
    assert "Extended" in _row(html, extended_to_23.reference)
    assert "8 working days left" in _row(html, due_26.reference)
    assert "govuk-tag--green" in _row(html, due_26.reference)
    assert "Clarification requested" in _row(html, due_26.reference)
    assert "Submitted" in _row(html, due_17.reference)
    assert "17 March 2026" in _row(html, due_17.reference)
    assert "3 March 2026" in _row(html, due_17.reference)
    assert due_17.provider.display_name in _row(html, due_17.reference)
    assert "MH" in _row(html, due_17.reference) and "LDA" in _row(html, due_17.reference)

    with clock.frozen(_at(date(2026, 3, 16))):
        decided_html = client.get("/review/applications?show=decided").get_data(as_text=True)
        withdrawn_html = client.get("/review/applications?show=withdrawn").get_data(as_text=True)
        everything = client.get("/review/applications?show=all").get_data(as_text=True)
    assert _queue_references(decided_html) == [decided.reference]
    assert _queue_references(withdrawn_html) == [withdrawn.reference]
    assert len(_queue_references(everything)) == 8


def test_drafts_are_not_in_the_queue_and_cannot_be_opened(client, db, framework):
    from tests.onboarding.factories import make_complete_application

    draft = make_complete_application()
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)

    html = client.get("/review/applications?show=all").get_data(as_text=True)

    assert draft.reference not in html
    assert client.get(f"/review/applications/{draft.id}").status_code == 404
