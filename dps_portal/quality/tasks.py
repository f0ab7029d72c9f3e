"""Scheduled jobs of quality-monitoring visits. Each reminder goes once: its dedupe key names
the visit (or home), the date and the person, so a second run sends nothing new and a new
date gives a fresh reminder."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_role
from dps_portal.quality import queries, rules
from dps_portal.quality.models import Visit, VisitState
from dps_portal.quality.naming import planned_for
from dps_portal.scheduler.registry import Job


def remind_visits_due(now: datetime | None = None) -> dict:
    """Tell the assigned monitor of each scheduled visit planned within 7 days; and tell the
    quality monitors of each admitted home whose visit is overdue and not yet scheduled."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    counts = {"visits_soon": 0, "overdue_told": 0}
    soon = db.session.scalars(
        select(Visit)
        .where(
            Visit.state == VisitState.scheduled,
            Visit.planned_on >= today,
            Visit.planned_on <= today + timedelta(days=rules.REMIND_DAYS_AHEAD),
        )
        .options(
            selectinload(Visit.monitor),
            selectinload(Visit.care_home),
            selectinload(Visit.provider),
        )
        .order_by(Visit.planned_on, Visit.id)
    )
    for visit in soon:
        when = planned_for(visit)
        counts["visits_soon"] += tell(
            [visit.monitor],
            f"Visit to {visit.care_home.name} on {when}",
            f"You are the quality monitor for the {visit.visit_type.value.lower()} visit to "
            f"{visit.care_home.name} ({visit.provider.display_name}) on {when}.",
            portal_path("quality.show_visit", visit_id=visit.id),
            template="quality/visit_for_monitor",
            dedupe=f"visit-soon:{visit.id}:{visit.planned_on.isoformat()}",
            visit=visit,
        )
    for row in queries.overdue_and_unscheduled(today):
        home = row.home
        counts["overdue_told"] += tell_role(
            Role.quality_monitor,
            f"Visit overdue: {home.name}",
            f"The next quality-monitoring visit to {home.name} "
            f"({home.provider.display_name}) was due by "
            f"{clock.format_date(row.due_on)} and none is scheduled.",
            portal_path("quality.schedule_visit", home_id=home.id),
            template="quality/visits_due",
            dedupe=f"visit-overdue:{home.id}:{row.due_on.isoformat()}",
        )
    return counts


JOBS = [
    Job(
        id="remind_visits_due",
        func=remind_visits_due,
        trigger="cron",
        trigger_args={"hour": 7, "minute": 40},
        description="Tell quality monitors of visits in the next 7 days and of overdue visits",
    ),
]
