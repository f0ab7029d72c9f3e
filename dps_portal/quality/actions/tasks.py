"""Reminders of the action plans: open actions due within DUE_SOON_DAYS (to the provider's
users), and open actions overdue (to them and to the visit's monitor). Each reminder goes
once: its dedupe key names the action, its due date and the person."""

from datetime import datetime

from dps_portal.core import clock
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_organisation
from dps_portal.quality.actions import queries
from dps_portal.scheduler.registry import Job


def remind_actions_due(now: datetime | None = None) -> dict:
    """Tell the provider's users of each open action due soon, once; and, once it is
    overdue, tell them and the visit's monitor once more."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"due_soon": 0, "overdue_providers_told": 0, "overdue_monitors_told": 0}
    for action in queries.actions_to_remind(today):
        visit = action.visit
        home = visit.care_home.name
        due = clock.format_date(action.due_on)
        overdue = action.is_overdue(today)
        kind = "overdue" if overdue else "due-soon"
        if overdue:
            title = f"An action for {home} is overdue"
            body = f"It was due by {due}: {action.description}"
        else:
            title = f"An action for {home} is due by {due}"
            body = f"The action: {action.description}"
        counts["overdue_providers_told" if overdue else "due_soon"] += tell_organisation(
            action.provider_id,
            title,
            body,
            portal_path("actions.show_visit", visit_id=visit.id) + f"#action-{action.id}",
            dedupe=f"action-{kind}:{action.id}:{action.due_on.isoformat()}",
        )
        monitor = visit.monitor
        if overdue and monitor is not None and monitor.is_active:
            counts["overdue_monitors_told"] += tell(
                [monitor],
                f"{visit.provider.display_name} has not answered an action for {home}",
                f"It was due by {due}: {action.description}",
                portal_path("actions.show_action", action_id=action.id),
                dedupe=f"action-overdue:{action.id}:{action.due_on.isoformat()}",
            )
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
