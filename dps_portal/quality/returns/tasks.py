"""Scheduled jobs of the quarterly returns: open each admitted home's return when a quarter
ends, and remind providers (and, once overdue, the quality monitors). Each runs any number of
times a day: a return exists once per home and quarter, and each reminder's dedupe key names
the return, the kind of reminder and the person."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import Framework
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisation, tell_role
from dps_portal.quality.returns import operations, queries, rules
from dps_portal.quality.returns.return_forms import ensure_return_form
from dps_portal.scheduler.registry import Job


def open_quarterly_returns(now: datetime | None = None) -> dict:
    """Open the return for the quarter that has just ended for every home admitted by its
    end: one per home, however many categories it is admitted to."""
    now = now or clock.now()
    quarter = rules.last_ended_quarter(clock.to_uk(now).date())
    counts = {"opened": 0, "already_open": 0}
    forms = {}
    for home, framework_id in queries.homes_to_open(quarter.end):
        if queries.return_for(home, quarter.start) is not None:
            counts["already_open"] += 1
            continue
        if framework_id not in forms:
            forms[framework_id] = ensure_return_form(db.session.get(Framework, framework_id))
        try:
            with db.session.begin_nested():
                operations.open_return(home, period_start=quarter.start, form=forms[framework_id])
        except IntegrityError:
            # Another run opened it between the check and the insert.
            counts["already_open"] += 1
        else:
            counts["opened"] += 1
    return counts


def remind_returns(now: datetime | None = None) -> dict:
    """Tell the provider's users, once, of each return due soon; and once more, with the
    quality monitors, when it is overdue."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"due_soon": 0, "overdue_providers_told": 0, "overdue_monitors_told": 0}
    for quality_return in queries.returns_to_remind(today):
        home = quality_return.care_home
        period = queries.period_label(quality_return)
        due = clock.format_date(quality_return.due_on)
        overdue = quality_return.is_overdue(today)
        if overdue:
            kind, title = "overdue", f"Your quality return for {home.name} is overdue"
            body = f"The return for {period} was due by {due}. Submit it now."
        else:
            kind, title = "due-soon", f"Your quality return for {home.name} is due by {due}"
            body = f"Submit the return for {period} by {due}."
        counts["overdue_providers_told" if overdue else "due_soon"] += tell_organisation(
            quality_return.provider_id,
            title,
            body,
            portal_path("returns.edit_return", return_id=quality_return.id),
            dedupe=f"return-{kind}:{quality_return.id}",
        )
        if overdue:
            counts["overdue_monitors_told"] += tell_role(
                Role.quality_monitor,
                f"Quality return overdue: {home.name}, {period}",
                f"{quality_return.provider.display_name} has not submitted the return "
                f"due by {due}.",
                portal_path("returns.show_return", return_id=quality_return.id),
                dedupe=f"return-overdue:{quality_return.id}",
            )
    return counts


JOBS = [
    Job(
        id="open_quarterly_returns",
        func=open_quarterly_returns,
        trigger="cron",
        trigger_args={"hour": 6, "minute": 0},
        description="Open each admitted home's quality return for the quarter just ended",
    ),
    Job(
        id="remind_returns",
        func=remind_returns,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 10},
        description="Tell providers of quality returns due soon, and monitors of overdue ones",
    ),
]
