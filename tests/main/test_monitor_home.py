"""The quality monitor's home page as a work queue: visits overdue, waiting for the initial
visit and due in the next 30 days (the due list's rules), the monitor's own drafts and
visits this week, actions waiting for verification and returns waiting for review. Each
count equals the count worked out here from the rows, and each link leads to a list of
exactly those rows."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.quality.models import (
    ActionState,
    ReturnState,
    Visit,
    VisitOutcome,
    VisitState,
    VisitType,
)
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, make_visit
from tests.factories import make_home, make_user
from tests.main.work_helpers import (
    MONITOR_LIST_ROWS,
    add_action,
    add_return,
    expected_monitor_work,
    line_count,
    open_visit_ids,
    work_lines,
)
from tests.onboarding.factories import ready_framework
from tests.query_counts import statements_of


def _admitted(name: str | None = None):
    return admit_home(make_home(**({"name": name} if name else {})), "MH")


def _visited(home, on: date, outcome=VisitOutcome.satisfactory, visit_type=VisitType.initial):
    return make_visit(home, outcome=outcome, visit_type=visit_type, planned_on=on)


def _in_progress(home, monitor, on: date):
    visit = make_visit(home, outcome=None, planned_on=on, monitor=monitor)
    visit.state = VisitState.in_progress
    return visit


def monitoring_work(me, other):
    """Homes in every state of the due list, visits of both monitors, actions and returns."""
    for _ in range(2):
        _visited(_admitted(), date(2025, 1, 15))  # due 15 January 2026: overdue
    soon = _admitted()
    _visited(soon, date(2025, 3, 20))  # due 20 March 2026: within 30 days
    _visited(_admitted(), date(2025, 12, 1))  # due December 2026: not due
    failed = _admitted()  # an unsatisfactory initial visit: still waiting for the gate
    _visited(failed, date(2026, 1, 5), VisitOutcome.unsatisfactory)
    waiting = _admitted()  # never visited
    # The monitor's own: one visit being recorded, one this week, one next week.
    _in_progress(soon, me, date(2026, 3, 2))
    make_visit(waiting, outcome=None, planned_on=date(2026, 3, 5), monitor=me)
    make_visit(failed, outcome=None, planned_on=date(2026, 3, 12), monitor=me)
    # Another monitor's: being recorded, and this week.
    _in_progress(_admitted(), other, date(2026, 3, 3))
    make_visit(_admitted(), outcome=None, planned_on=date(2026, 3, 4), monitor=other)
    # Actions: two answered (waiting for verification), one open, one closed; one answered
    # on a visit still being recorded does not count.
    finalised = _visited(_admitted(), date(2026, 2, 1), VisitOutcome.satisfactory_with_actions)
    add_action(finalised, state=ActionState.awaiting_verification)
    add_action(finalised, state=ActionState.awaiting_verification, due_in_days=-3)
    add_action(finalised)
    add_action(finalised, state=ActionState.closed)
    add_action(
        _in_progress(_admitted(), other, date(2026, 3, 2)),
        state=ActionState.awaiting_verification,
    )
    # Returns: two submitted, one due, one reviewed.
    home = _admitted()
    add_return(home, due_in_days=-10, state=ReturnState.submitted)
    add_return(home, due_in_days=-5, state=ReturnState.submitted)
    add_return(home, due_in_days=4)
    add_return(home, due_in_days=-50, state=ReturnState.reviewed)
    db.session.flush()


@pytest.fixture
def people(db, frozen_clock):
    ready_framework()
    me = make_user(Role.quality_monitor, full_name="Chris Morgan")
    other = make_user(Role.quality_monitor)
    monitoring_work(me, other)
    db.session.commit()
    return me, other


def test_each_line_counts_exactly_its_rows_and_links_to_them(client, people):
    me, _other = people
    expected = expected_monitor_work(me)
    assert all(expected.values()), expected
    sign_in(client, me)
    html = client.get("/quality").get_data(as_text=True)
    lines = work_lines(html)

    assert set(lines) == set(MONITOR_LIST_ROWS)
    for key, rows_of in MONITOR_LIST_ROWS.items():
        assert line_count(html, key) == len(expected[key]), key
        listed = client.get(lines[key][1])
        assert listed.status_code == 200, lines[key][1]
        assert rows_of(listed.get_data(as_text=True)) == sorted(expected[key]), key


def test_the_lines_come_most_urgent_first(client, people):
    me, _other = people
    sign_in(client, me)
    keys = list(work_lines(client.get("/quality").get_data(as_text=True)))
    assert keys == ["overdue", "initial", "actions", "returns", "due-soon", "drafts", "this-week"]


def test_another_monitors_drafts_and_week_are_not_mine(client, people):
    _me, other = people
    sign_in(client, other)
    html = client.get("/quality").get_data(as_text=True)
    assert line_count(html, "drafts") == 2
    # Its two visits being recorded were planned this week too.
    assert line_count(html, "this-week") == 3
    # The county's lines are the same for every monitor.
    assert line_count(html, "overdue") == 2


def test_with_nothing_waiting_the_page_says_so(client, db, frozen_clock):
    ready_framework()
    me = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, me)
    html = client.get("/quality").get_data(as_text=True)
    assert work_lines(html) == {}
    assert "Nothing is waiting for you" in html


def test_the_visit_filters_are_the_monitors_own(client, people):
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    # An officer has no visits of its own: the filter is ignored, and every open visit shows.
    every_open = sorted(v.id for v in db.session.scalars(select(Visit)) if v.is_open)
    html = client.get("/visits?show=drafts").get_data(as_text=True)
    assert open_visit_ids(html) == every_open
    assert not re.search(r">My visits being recorded<", html)


def test_the_page_sends_as_many_statements_for_ten_times_the_work(client, db, frozen_clock):
    ready_framework()
    me = make_user(Role.quality_monitor)
    other = make_user(Role.quality_monitor)
    monitoring_work(me, other)
    db.session.commit()
    sign_in(client, me)
    before = statements_of(client, "/quality")[0]
    for _ in range(9):
        monitoring_work(me, other)
    db.session.commit()
    after, html = statements_of(client, "/quality")
    assert before == after <= 12, (before, after)
    assert line_count(html, "overdue") == 20
