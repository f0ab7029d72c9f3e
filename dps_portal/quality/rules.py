"""The rules of quality-monitoring visits in one place: the risk-based frequency and the
reminders' horizons. The states a visit moves through are VisitState's table; who may do what
is Visit.can_<verb>."""

import calendar
import enum
from datetime import date, timedelta

# Months from the last finalised visit to the next one, by that visit's outcome (domain.md 5),
# named as VisitOutcome names them.
NEXT_VISIT_MONTHS = {
    "satisfactory": 12,
    "satisfactory_with_actions": 6,
    "unsatisfactory": 3,
}
# A visit due within this many days is "due soon" in the due list (Visit.is_next_visit_due_soon).
DUE_SOON_DAYS = 30
# The assigned monitor is reminded of a scheduled visit this many days ahead.
REMIND_DAYS_AHEAD = 7
# An unsatisfactory outcome schedules a follow-up visit this many days after finalising.
FOLLOW_UP_AFTER_DAYS = 28


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 August + 6 -> 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_visit_due_on(visited_on: date, outcome: enum.Enum) -> date:
    return add_months(visited_on, NEXT_VISIT_MONTHS[outcome.name])


def follow_up_planned_on(today: date) -> date:
    return today + timedelta(days=FOLLOW_UP_AFTER_DAYS)
