"""When an application's decision is due, and how near it is: the one place the portal
reads it (the queue, the review page, the reminder job)."""

from datetime import date

from dps_portal.core.workingdays import add_working_days, working_days_between
from dps_portal.onboarding.models import Application

# A decision due within this many working days is "due soon": red in the queue, and the
# officers are reminded.
DUE_SOON_WORKING_DAYS = 2
# Within this many working days it is amber in the queue.
DUE_SHORTLY_WORKING_DAYS = 5


def decision_due_on(received_on: date, working_days: int) -> date:
    """The date a decision is due: `working_days` working days after receipt (10 by law,
    15 when extended), bank holidays in England excluded."""
    return add_working_days(received_on, working_days)


def working_days_left(application: Application, today: date) -> int | None:
    """Working days from today to the decision due date; negative when overdue."""
    due = application.decision_due_on
    if due is None:
        return None
    return working_days_between(today, due)


def is_due_soon(days_left: int | None) -> bool:
    """Due within DUE_SOON_WORKING_DAYS working days, or overdue."""
    return days_left is not None and days_left <= DUE_SOON_WORKING_DAYS


def rag_status(days_left: int | None) -> str:
    """Red when due soon or overdue, amber when due shortly, green otherwise."""
    if days_left is None:
        return "none"
    if is_due_soon(days_left):
        return "red"
    if days_left <= DUE_SHORTLY_WORKING_DAYS:
        return "amber"
    return "green"
