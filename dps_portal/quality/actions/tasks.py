"""Reminders of the action plans: open actions due within 7 days (to the provider's users),
and open actions overdue (to them and to the visit's monitor). Each reminder goes once: its
dedupe key names the action, its due date and the person."""

from datetime import datetime, timedelta

from dps_portal.accounts.queries import organisation_users
from dps_portal.core import clock
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import notify_and_email
from dps_portal.quality.actions import queries
from dps_portal.scheduler.registry import Job


def remind_actions_due(now: datetime | None = None) -> dict:
    """Tell the provider's users of each open action due within 7 days, once; and, once it
    is overdue, tell them and the visit's monitor once more."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"due_soon": 0, "overdue_providers_told": 0, "overdue_monitors_told": 0}
    for action in queries.open_actions_due_by(today + timedelta(days=queries.DUE_SOON_DAYS)):
        visit = action.visit
        home = visit.care_home.name
        due = clock.format_date(action.due_on)
        overdue = action.due_on < today
        kind = "overdue" if overdue else "due-soon"
        provider_link = portal_path("actions.show_visit", visit_id=visit.id)
        provider_link += f"#action-{action.id}"
        if overdue:
            title = f"An action for {home} is overdue"
            body = f"It was due by {due}: {action.description}"
        else:
            title = f"An action for {home} is due by {due}"
            body = f"The action: {action.description}"
        for user in organisation_users(action.provider_id):
            sent = notify_and_email(
                user,
                title,
                body,
                provider_link,
                dedupe_key=f"action-{kind}:{action.id}:{action.due_on.isoformat()}:{user.id}",
            )
            if sent is not None:
                counts["overdue_providers_told" if overdue else "due_soon"] += 1
        monitor = visit.monitor
        if overdue and monitor is not None and monitor.is_active:
            sent = notify_and_email(
                monitor,
                f"{visit.provider.display_name} has not answered an action for {home}",
                f"It was due by {due}: {action.description}",
                portal_path("actions.show_action", action_id=action.id),
                dedupe_key=f"action-overdue:{action.id}:{action.due_on.isoformat()}:{monitor.id}",
            )
            if sent is not None:
                counts["overdue_monitors_told"] += 1
    return counts


JOBS = [
    Job(
        id="remind_actions_due",
        func=remind_actions_due,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 20},
        description="Tell providers of quality actions due soon, and monitors of overdue ones",
    ),
]
