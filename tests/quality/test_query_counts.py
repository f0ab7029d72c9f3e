"""The visits, actions and returns pages send as many SQL statements on a small dataset as on
one ten times larger, and never more than 30 (issue 9)."""

from datetime import date, timedelta

import pytest

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.statements import count_statements
from dps_portal.quality import queries
from dps_portal.quality.models import (
    ActionState,
    ReturnState,
    VisitOutcome,
    VisitType,
)
from tests.conftest import sign_in
from tests.contracts.factories import make_visit
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user
from tests.quality.actions.factories import make_action, make_finalised_visit
from tests.quality.returns.helpers import make_return
from tests.quality.visit_helpers import admitted_home
from tests.query_counts import statement_counts

MOST = 30


def _grow(db, times: int, *, monitor, provider) -> None:
    """`times` of everything the pages show: homes waiting, overdue, due soon and not due,
    open visits (some the monitor's), finalised visits with actions in each state, and
    returns due, submitted and reviewed (some of `provider`'s)."""
    today = clock.today_uk()
    for number in range(times):
        admitted_home()  # waiting for an initial visit
        overdue = admitted_home()
        make_visit(overdue, planned_on=today - timedelta(days=400), monitor=monitor)
        soon = admitted_home()
        make_visit(
            soon,
            outcome=VisitOutcome.satisfactory_with_actions,
            planned_on=today - timedelta(days=170),
        )
        scheduled = admitted_home(provider=provider)
        make_visit(scheduled, outcome=VisitOutcome.satisfactory, planned_on=today)
        make_visit(
            scheduled,
            outcome=None,
            visit_type=VisitType.routine,
            planned_on=today + timedelta(days=number + 1),
            monitor=monitor if number % 2 else None,
        )
        finalised = make_finalised_visit(admitted_home(provider=provider))
        for state in ActionState:
            make_action(finalised, state=state)
        for state in ReturnState:
            quality_return = make_return(provider if number % 2 else None)
            if state is not ReturnState.due:
                quality_return.state = state
                quality_return.submitted_at = clock.now()
            if state is ReturnState.reviewed:
                quality_return.reviewed_at = clock.now()
    db.session.commit()


COUNCIL_PAGES = [
    "/visits/due",
    "/visits/due?show=overdue",
    "/visits/due?show=initial",
    "/visits",
    "/visits?show=mine",
    "/quality/actions",
    "/quality/actions?state=closed",
    "/returns/review",
    "/returns/review?show=not_submitted",
]
PROVIDER_PAGES = ["/quality/visits", "/returns"]


@pytest.fixture
def people(db, frozen_clock):
    monitor = make_user(Role.quality_monitor)
    provider_user = make_provider_user()
    make_home(provider_user.provider)
    db.session.commit()
    return monitor, provider_user


def test_council_and_provider_pages_send_as_many_statements_at_ten_times_the_data(app, db, people):
    monitor, provider_user = people
    _grow(db, 2, monitor=monitor, provider=provider_user.provider)
    monitor_client, provider_client = app.test_client(), app.test_client()
    sign_in(monitor_client, monitor)
    sign_in(provider_client, provider_user)
    small = statement_counts(monitor_client, COUNCIL_PAGES) | statement_counts(
        provider_client, PROVIDER_PAGES
    )

    _grow(db, 18, monitor=monitor, provider=provider_user.provider)
    large = statement_counts(monitor_client, COUNCIL_PAGES) | statement_counts(
        provider_client, PROVIDER_PAGES
    )

    assert large == small
    assert max(large.values()) <= MOST, large


def test_the_monitor_counts_are_a_fixed_number_of_queries(db, people):
    monitor, provider_user = people
    _grow(db, 2, monitor=monitor, provider=provider_user.provider)
    today = clock.today_uk()
    with count_statements() as small:
        counts = queries.monitor_counts(monitor, today)
    assert counts.overdue_visits == 2
    _grow(db, 18, monitor=monitor, provider=provider_user.provider)
    with count_statements() as large:
        counts = queries.monitor_counts(monitor, today)
    assert counts.overdue_visits == 20
    assert small.count == large.count <= 3


def test_the_due_list_is_paginated_and_filtered_in_sql(db, people):
    monitor, provider_user = people
    _grow(db, 20, monitor=monitor, provider=provider_user.provider)
    today = clock.today_uk()
    counts = queries.due_counts(today)
    assert counts[queries.OVERDUE] == 20
    assert counts[queries.DUE_SOON] == 20
    everything = queries.visits_due(today)
    assert len(everything) == sum(counts.values()) == 160
    with count_statements() as sent:
        first = queries.visits_due_page(today)
    assert sent.count == 2  # the counts and the page's homes, then their rows
    assert first.counts == counts
    assert [row.home.id for row in first.rows] == [row.home.id for row in everything[:50]]
    overdue = queries.visits_due_page(today, queries.OVERDUE)
    assert {row.status for row in overdue.rows} == {queries.OVERDUE}
    assert overdue.page.total == 20
    assert len(queries.overdue_and_unscheduled(today)) == 20
    assert date(2025, 1, 1) < overdue.rows[0].due_on < today


def test_a_page_of_the_due_list_is_the_list_s_rows_for_its_homes(app, db, people):
    monitor, provider_user = people
    _grow(db, 20, monitor=monitor, provider=provider_user.provider)
    today = clock.today_uk()

    def shown(row) -> tuple:
        last = row.last_visit.id if row.last_visit else None
        open_visit = row.open_visit.id if row.open_visit else None
        return (row.home.id, row.status, row.due_on, last, open_visit)

    everything = [shown(row) for row in queries.visits_due(today)]
    with app.test_request_context("/visits/due?page=2"):
        second = queries.visits_due_page(today)
    with app.test_request_context("/visits/due?page=1"):
        scheduled = queries.visits_due_page(today, queries.NOT_DUE)

    assert [shown(row) for row in second.rows] == everything[50:100]
    assert (second.page.page, second.page.total, second.page.pages) == (2, 160, 4)
    not_due = [row for row in everything if row[1] == queries.NOT_DUE]
    assert [shown(row) for row in scheduled.rows] == not_due[:50]
    assert sum(1 for row in not_due if row[4] is not None) == 20  # scheduled visits shown
