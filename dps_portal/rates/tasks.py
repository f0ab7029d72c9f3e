"""Scheduled jobs of the rate card: each planned uplift is applied on its date (UK time). A
second run finds it applied and changes nothing."""

from datetime import datetime

from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.rates.models import Uplift, UpliftState
from dps_portal.rates.operations import apply_uplift
from dps_portal.scheduler.registry import Job


def apply_uplifts(now: datetime | None = None) -> dict:
    """Apply every planned uplift whose date has come, the earliest first."""
    today = clock.to_uk(now or clock.now()).date()
    due = db.session.scalars(
        select(Uplift)
        .where(Uplift.state == UpliftState.planned, Uplift.effective_on <= today)
        .order_by(Uplift.effective_on, Uplift.id)
    ).all()
    totals = {"uplifts": 0, "rates": 0, "placements": 0, "told": 0}
    for uplift in due:
        made = apply_uplift(uplift)
        totals["uplifts"] += 1
        for key, count in made.items():
            totals[key] += count
    return totals


JOBS = [
    Job(
        id="apply_uplifts",
        func=apply_uplifts,
        trigger="cron",
        trigger_args={"hour": 0, "minute": 30},
        description="Apply planned uplifts on their date: new rates and placement costs",
    )
]
