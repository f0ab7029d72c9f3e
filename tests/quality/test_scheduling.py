"""Scheduling, rescheduling and cancelling visits; the due list; the reminders job."""

from datetime import date

import pytest
from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import OutboxEmail
from dps_portal.quality import operations, queries
from dps_portal.quality.models import Visit, VisitOutcome, VisitState, VisitType
from dps_portal.quality.tasks import remind_visits_due
from tests.conftest import sign_in
from tests.contracts.factories import make_visit
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user
from tests.quality.visit_helpers import (
    admitted_home,
    audit_actions,
    notifications_of,
    scheduled_visit,
)


def test_scheduling_makes_the_sections_and_tells_the_monitor_and_provider(db, frozen_clock):
    home = admitted_home("MH", "ENH")
    provider_user = make_provider_user(home.provider)
    monitor = make_user(Role.quality_monitor)
    visit = operations.schedule_visit(
        home,
        visit_type=VisitType.initial,
        monitor=monitor,
        planned_on=date(2026, 3, 10),
        is_announced=True,
        by=make_user(Role.contracts_officer),
    )
    assert visit.state is VisitState.scheduled
    assert visit.template is not None
    titles = [section.title for section in visit.sections]
    assert titles[0] == "Safe"
    assert "Restrictive practice records" in titles
    assert "Specialist training evidence for Mental Health" in titles
    assert "Specialist training evidence for Learning Disabilities" not in titles
    assert notifications_of(monitor) == ["Visit to " + home.name + " on 10 March 2026"]
    assert notifications_of(provider_user) == [
        f"Quality-monitoring visit to {home.name} on 10 March 2026"
    ]
    assert AuditAction.visit_scheduled.value in audit_actions()


def test_an_unannounced_visit_is_not_told_to_the_provider(db, frozen_clock):
    visit = scheduled_visit(is_announced=False)
    provider_user = visit.provider and make_provider_user(visit.provider)
    assert notifications_of(provider_user) == []
    assert (
        db.session.scalar(
            select(func.count(OutboxEmail.id)).where(OutboxEmail.to_address == visit.monitor.email)
        )
        == 1
    )


def test_only_admitted_homes_are_visited(db, frozen_clock):
    with pytest.raises(OperationRefused, match="not admitted"):
        operations.schedule_visit(
            make_home(),
            visit_type=VisitType.initial,
            monitor=make_user(Role.quality_monitor),
            planned_on=date(2026, 3, 10),
            is_announced=True,
            by=make_user(Role.contracts_officer),
        )


def test_a_second_open_visit_of_the_same_type_is_refused(db, frozen_clock):
    visit = scheduled_visit()
    again = {
        "monitor": visit.monitor,
        "planned_on": date(2026, 4, 1),
        "is_announced": True,
        "by": visit.monitor,
    }
    with pytest.raises(OperationRefused, match="already has an initial visit planned"):
        operations.schedule_visit(visit.care_home, visit_type=VisitType.initial, **again)
    responsive = operations.schedule_visit(
        visit.care_home, visit_type=VisitType.responsive, **again
    )
    assert responsive.state is VisitState.scheduled


def test_the_monitor_must_be_an_active_quality_monitor(db, frozen_clock):
    with pytest.raises(OperationRefused, match="active quality monitor"):
        scheduled_visit(monitor=make_user(Role.contracts_officer))


def test_schedule_page_prefills_the_home_and_schedules(client, db, frozen_clock):
    home = admitted_home()
    officer = make_user(Role.contracts_officer)
    monitor = make_user(Role.quality_monitor, full_name="Mo Nitor")
    db.session.commit()
    sign_in(client, officer)
    page = client.get(f"/visits/schedule?home_id={home.id}")
    assert page.status_code == 200
    assert f'<option value="{home.id}" selected' in page.text
    data = {
        "home_id": str(home.id),
        "visit_type": "initial",
        "monitor_id": str(monitor.id),
        "planned_on": ["2", "3", "2026"],
        "is_announced": "no",
    }
    past = client.post("/visits/schedule", data=data)
    assert "The planned date must be today or in the future" in past.text
    data["planned_on"] = ["17", "3", "2026"]
    response = client.post("/visits/schedule", data=data)
    assert response.status_code == 302
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.planned_on, visit.is_announced, visit.monitor_id) == (
        date(2026, 3, 17),
        False,
        monitor.id,
    )
    again = client.post("/visits/schedule", data=data)
    assert "already has an initial visit planned for 17 March 2026" in again.text


def test_schedule_page_offers_only_admitted_homes(client, db, frozen_clock):
    home = admitted_home()
    other = make_home()
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    page = client.get("/visits/schedule")
    assert home.name in page.text and other.name not in page.text
    response = client.post(
        "/visits/schedule",
        data={
            "home_id": str(other.id),
            "visit_type": "initial",
            "monitor_id": str(monitor.id),
            "planned_on": ["17", "3", "2026"],
            "is_announced": "yes",
        },
    )
    assert "Select the care home to visit" in response.text
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_rescheduling_and_reassigning_is_audited_and_told(client, db, frozen_clock):
    visit = scheduled_visit()
    first_monitor = visit.monitor
    second = make_user(Role.quality_monitor)
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    assert client.get(f"/visits/{visit.id}/reschedule").status_code == 200
    response = client.post(
        f"/visits/{visit.id}/reschedule",
        data={
            "planned_on": ["24", "3", "2026"],
            "planned_time": "10:30",
            "monitor_id": str(second.id),
        },
    )
    assert response.status_code == 302
    visit = db.session.get(Visit, visit.id)
    assert (visit.planned_on, visit.monitor_id) == (date(2026, 3, 24), second.id)
    assert AuditAction.visit_rescheduled.value in audit_actions()
    assert any("given to" in title for title in notifications_of(first_monitor))
    assert notifications_of(second)


def test_cancelling_needs_a_reason_and_locks_the_visit(client, db, frozen_clock):
    visit = scheduled_visit()
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    assert (
        "Enter why the visit is cancelled"
        in client.post(f"/visits/{visit.id}/cancel", data={"reason": " "}).text
    )
    client.post(f"/visits/{visit.id}/cancel", data={"reason": "Home closing"})
    visit = db.session.get(Visit, visit.id)
    assert visit.state is VisitState.cancelled and visit.cancellation_reason == "Home closing"
    assert AuditAction.visit_cancelled.value in audit_actions()
    response = client.post(f"/visits/{visit.id}/cancel", data={"reason": "Again"})
    assert response.status_code == 302
    # A cancelled visit no longer blocks scheduling another of its type.
    again = operations.schedule_visit(
        visit.care_home,
        visit_type=VisitType.initial,
        monitor=visit.monitor,
        planned_on=date(2026, 4, 1),
        is_announced=True,
        by=officer,
    )
    assert again.state is VisitState.scheduled


# The due list.


def _finalised(home, outcome, visited_on, visit_type=VisitType.initial):
    return make_visit(home, outcome=outcome, visit_type=visit_type, planned_on=visited_on)


def test_due_dates_follow_the_last_outcome(db, frozen_clock):
    today = date(2026, 3, 3)
    waiting = admitted_home()
    good = admitted_home()
    _finalised(good, VisitOutcome.satisfactory, date(2025, 5, 1))
    actions = admitted_home()
    _finalised(actions, VisitOutcome.satisfactory_with_actions, date(2025, 10, 1))
    bad = admitted_home()
    _finalised(bad, VisitOutcome.satisfactory, date(2025, 1, 10))
    _finalised(bad, VisitOutcome.unsatisfactory, date(2025, 11, 20), VisitType.routine)
    failed_initial = admitted_home()
    _finalised(failed_initial, VisitOutcome.unsatisfactory, date(2026, 2, 1))
    make_home()  # not admitted: not on the list
    rows = {row.home.id: row for row in queries.visits_due(today)}
    assert set(rows) == {waiting.id, good.id, actions.id, bad.id, failed_initial.id}
    assert (rows[waiting.id].status, rows[waiting.id].due_on) == (queries.INITIAL_NEEDED, None)
    assert rows[failed_initial.id].status == queries.INITIAL_NEEDED
    assert (rows[good.id].due_on, rows[good.id].status) == (date(2026, 5, 1), queries.NOT_DUE)
    assert (rows[actions.id].due_on, rows[actions.id].status) == (
        date(2026, 4, 1),
        queries.DUE_SOON,
    )
    assert (rows[bad.id].due_on, rows[bad.id].status) == (date(2026, 2, 20), queries.OVERDUE)
    order = [row.home.id for row in queries.visits_due(today)]
    assert order[-3:] == [bad.id, actions.id, good.id]


def test_due_list_page_shows_tags_the_scheduled_visit_and_schedule_links(client, db, frozen_clock):
    visit = scheduled_visit()
    waiting = admitted_home()
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    page = client.get("/visits/due")
    assert page.status_code == 200
    assert "Initial visit needed" in page.text
    assert f"/visits/schedule?home_id={waiting.id}" in page.text
    assert f"/visits/schedule?home_id={visit.care_home_id}" not in page.text
    assert "Initial, 10 March 2026" in page.text


def test_visit_lists_put_mine_first(client, db, frozen_clock):
    me = make_user(Role.quality_monitor)
    theirs = scheduled_visit(planned_on=date(2026, 3, 5))
    mine = scheduled_visit(monitor=me, planned_on=date(2026, 3, 20))
    assert [v.id for v in queries.open_visits(me)] == [mine.id, theirs.id]
    assert [v.id for v in queries.open_visits(me, mine_only=True)] == [mine.id]
    db.session.commit()
    sign_in(client, me)
    page = client.get("/visits")
    assert page.status_code == 200
    assert page.text.index(mine.care_home.name) < page.text.index(theirs.care_home.name)
    assert theirs.care_home.name not in client.get("/visits?show=mine").text


def test_monitor_dashboard_counts(client, db, frozen_clock):
    me = make_user(Role.quality_monitor)
    scheduled_visit(monitor=me, planned_on=date(2026, 3, 6))
    scheduled_visit(monitor=me, planned_on=date(2026, 3, 20))
    overdue = admitted_home()
    _finalised(overdue, VisitOutcome.unsatisfactory, date(2025, 11, 1))
    _finalised(overdue, VisitOutcome.satisfactory, date(2025, 1, 1))
    counts = queries.monitor_counts(me, date(2026, 3, 3))
    assert (counts.visits_this_week, counts.overdue_visits, counts.drafts_in_progress) == (1, 1, 0)
    db.session.commit()
    sign_in(client, me)
    page = client.get("/quality")
    assert "Your visits this week: <strong>1</strong>" in page.text


# The reminders job.


def test_reminders_go_once_to_the_monitor_and_for_overdue_homes(db, frozen_clock):
    soon = scheduled_visit(planned_on=date(2026, 3, 9))
    later = scheduled_visit(planned_on=date(2026, 3, 20))
    overdue = admitted_home()
    _finalised(overdue, VisitOutcome.satisfactory, date(2024, 12, 1))
    monitors = queries.active_monitors()
    assert len(monitors) == 3  # the two visits' and the finalised visit's
    db.session.commit()
    assert remind_visits_due() == {"visits_soon": 1, "overdue_told": 3}
    assert remind_visits_due() == {"visits_soon": 0, "overdue_told": 0}
    assert any("on 9 March 2026" in title for title in notifications_of(soon.monitor))
    assert not any("20 March" in title for title in notifications_of(later.monitor)[1:])
    assert any(
        title == f"Visit overdue: {overdue.name}" for title in notifications_of(soon.monitor)
    )
    # A new date gives a fresh reminder.
    operations.reschedule_visit(
        soon, planned_on=date(2026, 3, 8), planned_time=None, monitor=soon.monitor, by=soon.monitor
    )
    assert remind_visits_due()["visits_soon"] == 1
