"""The direct award's rules in one place: when an offer's response window ends, and which
dates an award may have."""

from datetime import date, datetime, timedelta

from dps_portal.awards.models import Justification
from dps_portal.core import clock
from dps_portal.core.workingdays import add_working_days
from dps_portal.framework.models import Framework
from dps_portal.framework.queries import current_setting
from dps_portal.framework.rules import count_in_words
from dps_portal.tenders.rules import at_uk_time, looks_like_a_name  # noqa: F401 (one rule)


def respond_by(justification: Justification, offered_at: datetime) -> datetime:
    """The end of an offer's response window, from the framework's data (administrators keep
    it): `emergency_offer_hours` after an emergency offer; `respite_offer_working_days` working
    days later, at the same time of day in England, for respite and the person's own choice."""
    if justification is Justification.emergency:
        return offered_at + timedelta(hours=current_setting(Framework.emergency_offer_hours))
    local = clock.to_uk(offered_at)
    day = add_working_days(local.date(), current_setting(Framework.respite_offer_working_days))
    return at_uk_time(day, local.time().replace(tzinfo=None))


def window_in_words(justification: Justification) -> str:
    """The response window as the officer reads it: "4 hours", "2 working days"."""
    if justification is Justification.emergency:
        return count_in_words(current_setting(Framework.emergency_offer_hours), "hour")
    days = current_setting(Framework.respite_offer_working_days)
    return count_in_words(days, "working day")


def dates_problem(justification: Justification, start_on: date | None, end_on: date | None):
    """What is wrong with an award's dates (a message), or None."""
    if start_on is None:
        return "Enter the start date"
    if justification is Justification.respite and end_on is None:
        return "Enter the end date of the respite stay"
    if end_on is not None and end_on <= start_on:
        return "The end date must be after the start date"
    return None
