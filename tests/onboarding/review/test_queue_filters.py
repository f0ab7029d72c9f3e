"""The queue's views by decision due (overdue, due within 2 working days, later) and of the
clarifications answered since the last review: the same rule as the decision clock's, in SQL."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.onboarding import rules
from dps_portal.onboarding.models import ApplicationState
from dps_portal.onboarding.review import queries
from tests.conftest import sign_in
from tests.factories import make_user
from tests.main.test_officer_home import add_application, add_clarification, add_review

# Thursday 25 March 2027: Good Friday (26th) and Easter Monday (29th) are bank holidays, so
# the next two working days are Tuesday 30 and Wednesday 31 March.
NOW = datetime(2027, 3, 25, 11, 0, tzinfo=UTC)


@pytest.fixture
def officer(db):
    with clock.frozen(NOW):
        yield make_user(Role.contracts_officer)


def test_due_soon_is_the_clocks_red_less_the_overdue_across_a_bank_holiday(officer):
    due_dates = [date(2027, 3, day) for day in (24, 25, 26, 29, 30, 31)] + [date(2027, 4, 1)]
    applications = {due: add_application(due_on=due) for due in due_dates}
    _db.session.commit()
    today = clock.today_uk()

    shown = {
        view: {row.application.decision_due_on for row in queries.queue(view, today, 0)[1]}
        for view in ("overdue", "due_soon", "due_later")
    }

    assert queries.due_soon_before(today) == date(2027, 4, 1)
    assert shown["overdue"] == {date(2027, 3, 24)}
    assert shown["due_soon"] == {date(2027, 3, d) for d in (25, 26, 29, 30, 31)}
    assert shown["due_later"] == {date(2027, 4, 1)}
    for due, application in applications.items():
        days_left = rules.working_days_left(application, today)
        is_soon = rules.is_due_soon(days_left) and days_left >= 0 and due >= today
        assert (due in shown["due_soon"]) == is_soon, due
    counts = queries.queue_counts(today)
    assert (counts["overdue"], counts["due_soon"], counts["due_later"]) == (1, 5, 1)
    assert counts["awaiting"] == 7


def test_clarifications_answered_since_the_last_review(officer):
    answered = add_application(due_on=date(2027, 4, 6))
    add_clarification(answered, officer, answered_at=NOW - timedelta(hours=1))
    add_review(answered, officer, at=NOW - timedelta(days=2))
    reviewed_since = add_application(due_on=date(2027, 4, 6))
    add_clarification(reviewed_since, officer, answered_at=NOW - timedelta(days=2))
    add_review(reviewed_since, officer, at=NOW - timedelta(hours=1))
    asked = add_application(ApplicationState.clarification_requested, due_on=date(2027, 4, 6))
    add_clarification(asked, officer)
    never_reviewed = add_application(due_on=date(2027, 4, 7))
    add_clarification(never_reviewed, officer, answered_at=NOW - timedelta(days=1))
    _db.session.commit()

    rows = queries.queue("answered", clock.today_uk(), 0)[1]

    assert {row.application.reference for row in rows} == {
        answered.reference,
        never_reviewed.reference,
    }
    assert queries.queue_counts()["answered"] == 2


def test_the_queue_page_offers_each_view_with_its_count(client, officer):
    add_application(due_on=date(2027, 3, 1))
    add_application(due_on=date(2027, 3, 30))
    _db.session.commit()
    with clock.frozen(NOW):
        sign_in(client, officer)
        page = client.get("/review/applications?show=overdue").get_data(as_text=True)

    assert re.search(r'aria-current="page">Overdue \(1\)</a>', page)
    assert "Due within 2 working days (1)" in page
    assert "Due later (0)" in page
    assert len(re.findall(r"data-application=", page)) == 1
