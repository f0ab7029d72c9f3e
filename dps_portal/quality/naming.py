"""How a visit is named and when it is, in words: the same on the pages, in the messages and
on the report. Templates call these as `visit_reference(visit)` and `visit_planned_for(visit)`."""

from datetime import time

from dps_portal.core import clock

REFERENCE_PREFIX = "QMV"


def visit_reference(visit) -> str:
    """'QMV-2026-00042': the year the visit was scheduled (UK time) and its number, which
    rescheduling does not change."""
    scheduled_at = visit.created_at or clock.now()
    return f"{REFERENCE_PREFIX}-{clock.to_uk(scheduled_at).year}-{visit.id:05d}"


def time_in_words(value: time) -> str:
    """'10:00am', '2:30pm', 'midday': a time of day as the portal writes it (as uk_datetime
    does), with the 12-hour clock GOV.UK asks for."""
    if value.minute == 0 and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "midday"
    suffix = "am" if value.hour < 12 else "pm"
    return f"{value.hour % 12 or 12}:{value.minute:02d}{suffix}"


def planned_for(visit) -> str:
    """'10 March 2026 at 10:30am' (UK time), or the date alone when the visit has no start
    time (an unannounced visit never has one)."""
    day = clock.format_date(visit.planned_on)
    if visit.planned_time is None:
        return day
    return f"{day} at {time_in_words(visit.planned_time)}"
