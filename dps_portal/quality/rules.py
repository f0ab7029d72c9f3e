"""The rules of quality-monitoring visits in one place: the risk-based frequency, the states a
visit moves through, who records it, and the reminders' horizons."""

import calendar
from datetime import date, timedelta

from dps_portal.core.errors import InvalidTransition
from dps_portal.core.roles import Role
from dps_portal.quality.models import Visit, VisitOutcome, VisitState

# Months from the last finalised visit to the next one, by that visit's outcome (domain.md 5).
NEXT_VISIT_MONTHS = {
    VisitOutcome.satisfactory: 12,
    VisitOutcome.satisfactory_with_actions: 6,
    VisitOutcome.unsatisfactory: 3,
}
# A visit due within this many days is "due soon" in the due list.
DUE_SOON_DAYS = 30
# The assigned monitor is reminded of a scheduled visit this many days ahead.
REMIND_DAYS_AHEAD = 7
# An unsatisfactory outcome schedules a follow-up visit this many days after finalising.
FOLLOW_UP_AFTER_DAYS = 28

OPEN_STATES = (VisitState.scheduled, VisitState.in_progress)

ALLOWED = {
    VisitState.scheduled: {VisitState.in_progress, VisitState.cancelled},
    VisitState.in_progress: {VisitState.finalised, VisitState.cancelled},
    VisitState.finalised: set(),
    VisitState.cancelled: set(),
}


def move(visit: Visit, new: VisitState) -> None:
    """Change the visit's state if ALLOWED permits it, else InvalidTransition."""
    if new not in ALLOWED[visit.state]:
        raise InvalidTransition(visit.state, new)
    visit.state = new


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 August + 6 -> 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_visit_due_on(visited_on: date, outcome: VisitOutcome) -> date:
    return add_months(visited_on, NEXT_VISIT_MONTHS[outcome])


def follow_up_planned_on(today: date) -> date:
    return today + timedelta(days=FOLLOW_UP_AFTER_DAYS)


def may_record(visit: Visit, user) -> bool:
    """Only the monitor assigned to the visit records it (sections, actions, finalising)."""
    return user.role is Role.quality_monitor and user.id == visit.monitor_id


def may_schedule(user) -> bool:
    return user.role in (Role.contracts_officer, Role.quality_monitor)
