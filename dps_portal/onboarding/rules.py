"""The onboarding rules that more than one part of the portal reads: which state may follow
which, and when a decision is due."""

from datetime import date

from dps_portal.core.errors import InvalidTransition
from dps_portal.core.workingdays import add_working_days, working_days_between
from dps_portal.onboarding.models import Application, ApplicationState

ALLOWED = {
    ApplicationState.draft: {ApplicationState.submitted, ApplicationState.withdrawn},
    ApplicationState.submitted: {
        ApplicationState.clarification_requested,
        ApplicationState.decided,
        ApplicationState.withdrawn,
    },
    ApplicationState.clarification_requested: {
        ApplicationState.submitted,
        ApplicationState.decided,
        ApplicationState.withdrawn,
    },
    ApplicationState.decided: set(),
    ApplicationState.withdrawn: set(),
}

# An application the provider can still change (all of it in draft; the reopened sections
# while a clarification is open).
EDITABLE_STATES = {ApplicationState.draft, ApplicationState.clarification_requested}
# An application waiting for the council's decision.
AWAITING_DECISION = {ApplicationState.submitted, ApplicationState.clarification_requested}


def move(application: Application, new: ApplicationState) -> None:
    """Change the state, or raise InvalidTransition when the current state does not allow it."""
    if new not in ALLOWED[application.state]:
        raise InvalidTransition(application.state, new)
    application.state = new


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


def rag_status(days_left: int | None) -> str:
    """Red when due within 2 working days or overdue, amber within 5, green otherwise."""
    if days_left is None:
        return "none"
    if days_left <= 2:
        return "red"
    if days_left <= 5:
        return "amber"
    return "green"
