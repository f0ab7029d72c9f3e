"""Scheduled jobs of placements: tell the contracts officers of each active placement whose
review is due within 14 days or overdue. The dedupe key names the placement and its due
date, so each due date is told once however often the job runs, and recording a review
(which moves the date a year on) brings a fresh reminder next year."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_role
from dps_portal.placements.models import Placement
from dps_portal.placements.rules import review_due_by
from dps_portal.scheduler.registry import Job


def remind_reviews_due(now: datetime | None = None) -> dict:
    now = now or clock.now()
    today = clock.to_uk(now).date()
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.is_review_due_by(review_due_by(today)))
        .options(selectinload(Placement.care_home))
        .order_by(Placement.next_review_on, Placement.id)
    ).all()
    told = 0
    for placement in placements:
        due = placement.next_review_on
        when = "was due" if due < today else "is due"
        told += tell_role(
            Role.contracts_officer,
            f"Placement {placement.reference}: review {'overdue' if due < today else 'due'}",
            f"The review of placement {placement.reference} at {placement.care_home.name} "
            f"{when} on {format_date(due)}. Record it on the placement's page once it is held.",
            portal_path("placements.show_placement", placement_id=placement.id),
            dedupe=f"placement-{placement.id}-review-{due.isoformat()}",
        )
    return {"placements": len(placements), "told": told}


JOBS = [
    Job(
        id="remind_reviews_due",
        func=remind_reviews_due,
        trigger="cron",
        trigger_args={"hour": 8, "minute": 30},
        description="Tell contracts officers of placement reviews due within 14 days or overdue",
    )
]
