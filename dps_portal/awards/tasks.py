"""Scheduled jobs of direct awards: record the offers whose response window has passed
unanswered, and tell their officers (lapse is read from the window and the clock; the job
only records it). Running it again changes nothing."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dps_portal.awards.models import DirectAward, DirectAwardOffer, OfferState
from dps_portal.awards.operations import record_lapse
from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.scheduler.registry import Job


def record_lapsed_offers(now: datetime | None = None) -> dict:
    now = now or clock.now()
    offers = db.session.scalars(
        select(DirectAwardOffer)
        .where(DirectAwardOffer.state == OfferState.offered, DirectAwardOffer.respond_by <= now)
        .options(
            selectinload(DirectAwardOffer.listing),
            selectinload(DirectAwardOffer.direct_award).selectinload(DirectAward.created_by),
        )
        .order_by(DirectAwardOffer.respond_by, DirectAwardOffer.id)
    ).all()
    recorded = sum(1 for offer in offers if record_lapse(offer, now=now))
    return {"lapsed": recorded}


JOBS = [
    Job(
        id="record_lapsed_offers",
        func=record_lapsed_offers,
        trigger="interval",
        trigger_args={"minutes": 10},
        description="Record direct-award offers not answered in their window; tell the officer",
    )
]
