"""Scheduled job of the review: decisions due soon or overdue. Each reminder goes once: its
dedupe key names the application, the due date and the person, so a second run sends
nothing new and an extension gives a fresh one."""

from datetime import datetime

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_role
from dps_portal.onboarding import rules
from dps_portal.onboarding.review import queries
from dps_portal.scheduler.registry import Job


def remind_decisions_due(now: datetime | None = None) -> dict:
    """Tell every active contracts officer, once, of each application whose decision is due
    soon (rules.DUE_SOON_WORKING_DAYS), and once more when it is overdue."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"due_soon": 0, "overdue": 0}
    for application in queries.awaiting_decision():
        due_on = application.decision_due_on
        days_left = rules.working_days_left(application, today)
        if not rules.is_due_soon(days_left):
            continue
        overdue = days_left < 0
        days_text = queries.plural(abs(days_left), "working day")
        if overdue:
            kind = "overdue"
            title = f"Decision overdue: application {application.reference}"
            body = (
                f"The decision was due by {clock.format_date(due_on)}: it is overdue by "
                f"{days_text}."
            )
        else:
            kind = "due_soon"
            title = f"Decision due soon: application {application.reference}"
            body = f"The decision is due by {clock.format_date(due_on)}."
            days_text = "It is due today" if days_left == 0 else f"{days_text} left"
        counts[kind] += tell_role(
            Role.contracts_officer,
            title,
            body,
            portal_path("review.show_application", application_id=application.id),
            template="onboarding/decision_due",
            dedupe=f"decision-{kind.replace('_', '-')}:{application.id}:{due_on.isoformat()}",
            application=application,
            overdue=overdue,
            days_text=days_text,
        )
    return counts


JOBS = [
    Job(
        id="remind_decisions_due",
        func=remind_decisions_due,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 0},
        description="Tell contracts officers of application decisions due soon or overdue",
    ),
]
