"""What a scheduled visit is called and when it is: its reference, the type the schedule page
chooses for the home, and the start time of an announced visit, told to the provider with the
date (an unannounced visit has neither a time nor a place on the provider's pages)."""

import json
import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.quality import operations, queries
from dps_portal.quality.forms import parse_time_of_day
from dps_portal.quality.models import Visit, VisitOutcome, VisitType
from dps_portal.quality.naming import planned_for, time_in_words, visit_reference
from tests.conftest import sign_in
from tests.contracts.factories import make_visit
from tests.factories import make_user
from tests.onboarding.helpers import page_text
from tests.providers.factories import make_provider_user
from tests.quality.visit_helpers import admitted_home, notifications_of, scheduled_visit

# Reading a time of day.


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("10:30", time(10, 30)),
        ("10.30", time(10, 30)),
        ("9:05", time(9, 5)),
        ("14:30", time(14, 30)),
        ("2:30pm", time(14, 30)),
        (" 2 : 30 PM ", time(14, 30)),
        ("2pm", time(14, 0)),
        ("10am", time(10, 0)),
        ("10 a.m.", time(10, 0)),
        ("12pm", time(12, 0)),
        ("12:15am", time(0, 15)),
        ("midday", time(12, 0)),
        ("Noon", time(12, 0)),
        ("00:00", time(0, 0)),
        ("", None),
        ("   ", None),
    ],
)
def test_a_time_of_day_is_read_as_people_write_it(typed, meant):
    assert parse_time_of_day(typed) == meant


@pytest.mark.parametrize(
    "typed", ["2", "14", "24:00", "10:60", "13pm", "0am", "10:3", "half ten", "1030", "١٠:٣٠"]
)
def test_anything_else_is_not_a_time(typed):
    with pytest.raises(ValueError):
        parse_time_of_day(typed)


def test_a_time_and_a_visit_read_the_same_everywhere(db, frozen_clock):
    assert [time_in_words(t) for t in (time(10), time(14, 30), time(12), time(0), time(0, 5))] == [
        "10:00am",
        "2:30pm",
        "midday",
        "midnight",
        "12:05am",
    ]
    visit = scheduled_visit(planned_on=date(2026, 3, 10))
    assert planned_for(visit) == "10 March 2026"
    visit.planned_time = time(10, 30)
    assert planned_for(visit) == "10 March 2026 at 10:30am"
    assert re.fullmatch(r"QMV-2026-\d{5}", visit_reference(visit))
    assert visit_reference(visit).endswith(f"-{visit.id:05d}")
    # The year is the year it was scheduled, UK time: moving the visit keeps its reference.
    visit.created_at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 31 December in England
    visit.planned_on = date(2027, 1, 5)
    assert visit_reference(visit) == f"QMV-2026-{visit.id:05d}"


# The type the schedule page chooses.


def _finalised(home, outcome, on, visit_type=VisitType.initial):
    return make_visit(home, outcome=outcome, visit_type=visit_type, planned_on=on)


def test_the_next_visit_type_follows_the_homes_visits(db, frozen_clock):
    never = admitted_home()
    passed = admitted_home()
    _finalised(passed, VisitOutcome.satisfactory, date(2025, 6, 1))
    failed_initial = admitted_home()
    _finalised(failed_initial, VisitOutcome.unsatisfactory, date(2026, 2, 1))
    failed_routine = admitted_home()
    _finalised(failed_routine, VisitOutcome.satisfactory, date(2025, 1, 1))
    _finalised(failed_routine, VisitOutcome.unsatisfactory, date(2026, 1, 5), VisitType.routine)
    followed_up = admitted_home()
    _finalised(followed_up, VisitOutcome.unsatisfactory, date(2025, 11, 1))
    _finalised(followed_up, VisitOutcome.satisfactory, date(2025, 12, 1), VisitType.follow_up)
    # A satisfactory responsive visit is not the gate: the home still needs its initial visit.
    responsive_only = admitted_home()
    _finalised(responsive_only, VisitOutcome.satisfactory, date(2026, 2, 1), VisitType.responsive)

    types = queries.next_visit_types(date(2026, 3, 3))

    assert {home.id: types[home.id] for home in (never, passed, failed_initial)} == {
        never.id: VisitType.initial,
        passed.id: VisitType.routine,
        failed_initial.id: VisitType.follow_up,
    }
    assert types[failed_routine.id] is VisitType.follow_up
    assert types[followed_up.id] is VisitType.routine
    assert types[responsive_only.id] is VisitType.initial


def _checked(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]+)"[^>]*checked', html)
    return match[1] if match else None


def test_the_schedule_page_chooses_the_type_for_the_home(client, db, frozen_clock):
    first = admitted_home()
    visited = admitted_home()
    _finalised(visited, VisitOutcome.satisfactory, date(2025, 6, 1))
    failed = admitted_home()
    _finalised(failed, VisitOutcome.unsatisfactory, date(2026, 2, 1))
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    chosen = {
        home.id: _checked(client.get(f"/visits/schedule?home_id={home.id}").text, "visit_type")
        for home in (first, visited, failed)
    }

    assert chosen == {first.id: "initial", visited.id: "routine", failed.id: "follow_up"}
    # Without a home, nothing is chosen; the page's script chooses when a home is chosen.
    page = client.get("/visits/schedule").text
    assert _checked(page, "visit_type") is None
    types = json.loads(re.search(r"data-next-visit-types='([^']*)'", page)[1])
    assert types == {str(first.id): "initial", str(failed.id): "follow_up"}
    assert 'nonce="' in page and " data-type-chosen>" not in page


# The start time of an announced visit.


def _schedule(client, home, monitor, **fields):
    data = {
        "home_id": str(home.id),
        "visit_type": "initial",
        "monitor_id": str(monitor.id),
        "planned_on": ["17", "3", "2026"],
        "is_announced": "yes",
        **fields,
    }
    return client.post("/visits/schedule", data=data)


def _emails_to(db, user) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == user.email).order_by(OutboxEmail.id)
        )
    )


def test_an_announced_visit_needs_a_start_time(client, db, frozen_clock):
    home = admitted_home()
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    missing = page_text(_schedule(client, home, monitor))
    wrong = page_text(_schedule(client, home, monitor, planned_time="25:00"))

    assert "Enter the start time of the visit: the provider is told the date and time" in missing
    assert "Enter the start time as a time of day, like 10:30am or 14:30" in wrong
    assert db.session.scalars(select(Visit)).first() is None


def test_the_provider_is_told_the_date_and_time(client, db, frozen_clock):
    home = admitted_home()
    provider_user = make_provider_user(home.provider)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    response = _schedule(client, home, monitor, planned_time="10:30am")

    assert response.status_code == 302
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.planned_on, visit.planned_time) == (date(2026, 3, 17), time(10, 30))
    when = "17 March 2026 at 10:30am"
    assert notifications_of(provider_user) == [f"Quality-monitoring visit to {home.name} on {when}"]
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == provider_user.id)
    ).one()
    assert told.body == (
        f"The council will make an initial quality-monitoring visit to {home.name} on {when}. "
        f"Its reference is {visit_reference(visit)}."
    )
    [email] = _emails_to(db, provider_user)
    assert f"Planned for: {when}" in email.body_text
    assert f"Reference: {visit_reference(visit)}" in email.body_text
    assert f"Planned for: {when}" in _emails_to(db, monitor)[0].body_text
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.visit_scheduled)
    )
    assert event.after["planned_time"] == "10:30:00"
    # The monitor reads it on the visit's page and in the lists.
    shown = page_text(client.get(f"/visits/{visit.id}"))
    assert f"Reference {visit_reference(visit)}" in shown
    assert f"Planned for {when}" in shown
    assert when in page_text(client.get("/visits"))
    assert f"Initial, {when}" in page_text(client.get("/visits/due"))
    # And so does the provider.
    sign_in(client, provider_user)
    assert when in page_text(client.get("/quality/visits"))
    own = page_text(client.get(f"/quality/visits/{visit.id}"))
    assert f"Reference {visit_reference(visit)}" in own and f"Planned for {when}" in own


def test_an_unannounced_visit_has_no_time_and_stays_hidden(client, db, frozen_clock):
    home = admitted_home()
    provider_user = make_provider_user(home.provider)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    # A time given for an unannounced visit is refused: it would never be told.
    refused = _schedule(client, home, monitor, is_announced="no", planned_time="10:30")
    assert "Leave the start time empty for an unannounced visit" in page_text(refused)
    # With no answer to "announced?", that question's error is the one given.
    unanswered = page_text(_schedule(client, home, monitor, is_announced="", planned_time="x"))
    assert "Select whether the visit is announced" in unanswered
    assert "start time" not in unanswered.split("There is a problem")[1].split("Schedule a")[0]

    response = _schedule(client, home, monitor, is_announced="no", planned_time=" ")

    assert response.status_code == 302
    assert "the provider has not" in page_text(client.get(response.headers["Location"]))
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.is_announced, visit.planned_time) == (False, None)
    assert notifications_of(provider_user) == [] and _emails_to(db, provider_user) == []
    sign_in(client, provider_user)
    assert home.name not in page_text(client.get("/quality/visits"))
    assert client.get(f"/quality/visits/{visit.id}").status_code == 404
    with pytest.raises(OperationRefused, match="unannounced visit has no start time"):
        operations.schedule_visit(
            admitted_home(),
            visit_type=VisitType.initial,
            monitor=monitor,
            planned_on=date(2026, 3, 17),
            planned_time=time(10),
            is_announced=False,
            by=monitor,
        )


def test_changing_the_time_tells_the_provider(client, db, frozen_clock):
    visit = scheduled_visit(planned_on=date(2026, 3, 10))
    provider_user = make_provider_user(visit.provider)
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    # An announced visit without a time (scheduled before times, or a follow-up) asks for one.
    assert "no start time yet" in page_text(client.get(f"/visits/{visit.id}"))
    form = {"planned_on": ["10", "3", "2026"], "monitor_id": str(visit.monitor_id)}
    refused = page_text(client.post(f"/visits/{visit.id}/reschedule", data=form))
    assert "Enter the start time of the visit" in refused

    response = client.post(f"/visits/{visit.id}/reschedule", data={**form, "planned_time": "2pm"})

    assert response.status_code == 302
    visit = db.session.get(Visit, visit.id)
    assert visit.planned_time == time(14)
    assert notifications_of(provider_user)[-1] == (
        f"Quality-monitoring visit to {visit.care_home.name} now on 10 March 2026 at 2:00pm"
    )
    same = client.post(f"/visits/{visit.id}/reschedule", data={**form, "planned_time": "14:00"})
    assert "Change the date, the time or the monitor" in page_text(same)


def test_an_unannounced_visit_is_moved_without_a_time(client, db, frozen_clock):
    visit = scheduled_visit(is_announced=False, planned_on=date(2026, 3, 10))
    db.session.commit()
    sign_in(client, visit.monitor)
    page = client.get(f"/visits/{visit.id}/reschedule").text
    assert 'name="planned_time"' not in page
    response = client.post(
        f"/visits/{visit.id}/reschedule",
        data={
            "planned_on": ["12", "3", "2026"],
            "planned_time": "10:00",
            "monitor_id": str(visit.monitor_id),
        },
    )
    assert response.status_code == 302
    visit = db.session.get(Visit, visit.id)
    assert (visit.planned_on, visit.planned_time) == (date(2026, 3, 12), None)
