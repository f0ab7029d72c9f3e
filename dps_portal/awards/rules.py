"""The direct award's rules in one place: when an offer's response window ends, and which
dates an award may have."""

from datetime import date, datetime

from flask import current_app

from dps_portal.awards.models import Justification
from dps_portal.core import clock
from dps_portal.core.workingdays import add_working_days
from dps_portal.tenders.rules import at_uk_time, looks_like_a_name  # noqa: F401 (one rule)


def respond_by(justification: Justification, offered_at: datetime) -> datetime:
    """The end of an offer's response window: EMERGENCY_OFFER_WINDOW (4 hours) after an
    emergency offer; RESPITE_OFFER_WORKING_DAYS working days later, at the same time of day
    in England, for respite and the person's own choice."""
    config = current_app.config
    if justification is Justification.emergency:
        return offered_at + config["EMERGENCY_OFFER_WINDOW"]
    local = clock.to_uk(offered_at)
    day = add_working_days(local.date(), config["RESPITE_OFFER_WORKING_DAYS"])
    return at_uk_time(day, local.time().replace(tzinfo=None))


def window_in_words(justification: Justification) -> str:
    """The response window as the officer reads it: "4 hours", "2 working days"."""
    config = current_app.config
    if justification is Justification.emergency:
        hours = int(config["EMERGENCY_OFFER_WINDOW"].total_seconds() // 3600)
        return "1 hour" if hours == 1 else f"{hours} hours"
    days = config["RESPITE_OFFER_WORKING_DAYS"]
    return "1 working day" if days == 1 else f"{days} working days"


def dates_problem(justification: Justification, start_on: date | None, end_on: date | None):
    """What is wrong with an award's dates (a message), or None."""
    if start_on is None:
        return "Enter the start date"
    if justification is Justification.respite and end_on is None:
        return "Enter the end date of the respite stay"
    if end_on is not None and end_on <= start_on:
        return "The end date must be after the start date"
    return None
