"""Scheduled jobs of mini-tenders: reminders to invitees before the deadline, and to officers
when the bids wait to be opened, when no award has been made, and when a standstill ends.
Each message goes once: its dedupe key names the tender and the moment it is about (the
deadline, the standstill's last day), so a second run sends nothing and a moved deadline
gives a fresh reminder. No message carries a price, a bid or a bidder's name. Whether a
tender is open is never decided here: these jobs only tell."""

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import selectinload

from dps_portal.core import clock
from dps_portal.core.clock import format_date, format_datetime
from dps_portal.core.roles import Role
from dps_portal.core.workingdays import add_working_days
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_organisations, tell_role
from dps_portal.scheduler.registry import Job
from dps_portal.tenders import queries, rules
from dps_portal.tenders.models import Bid, BidState, Tender, TenderInvitation, TenderState

# Invitees that have neither bid nor declined are reminded this long before the deadline;
# the nearer reminder replaces the further one when a tender is published late.
REMINDERS = (("2h", timedelta(hours=2)), ("24h", timedelta(hours=24)))

# The states in which the award is still to be made.
AWAITING_AWARD = (
    TenderState.published,
    TenderState.opened,
    TenderState.evaluating,
    TenderState.moderated,
    TenderState.recommended,
)


def _moment(value: datetime) -> int:
    return int(clock.ensure_utc(value).timestamp())


def remind_invitees_before_deadline(now: datetime | None = None) -> dict:
    """Tell each invitee with neither a submitted bid nor a decline that the deadline is
    within 24 hours, and again within 2 hours. One statement finds them for every tender."""
    now = now or clock.now()
    furthest = max(span for _name, span in REMINDERS)
    has_bid = exists().where(
        Bid.invitation_id == TenderInvitation.id, Bid.state == BidState.submitted
    )
    rows = db.session.execute(
        select(Tender, TenderInvitation.provider_id)
        .join(TenderInvitation, TenderInvitation.tender_id == Tender.id)
        .where(
            Tender.is_open_at(now),
            Tender.closes_at <= now + furthest,
            TenderInvitation.declined_at.is_(None),
            ~has_bid,
        )
        .options(selectinload(Tender.category))
        .order_by(Tender.closes_at, Tender.id, TenderInvitation.provider_id)
    ).all()
    waiting: dict[int, tuple[Tender, list[int]]] = {}
    for tender, provider_id in rows:
        waiting.setdefault(tender.id, (tender, []))[1].append(provider_id)
    counts = {f"reminded_{name}": 0 for name, _span in REMINDERS}
    for tender, provider_ids in waiting.values():
        left = tender.closes_at - now
        name = next(name for name, span in sorted(REMINDERS, key=lambda r: r[1]) if left <= span)
        counts[f"reminded_{name}"] += tell_organisations(
            provider_ids,
            f"Mini-tender {tender.reference} closes in {rules.duration_in_words(left)}",
            f"The deadline for mini-tender {tender.reference} ({tender.category.name}) is "
            f"{format_datetime(tender.closes_at)}. You have not bid or declined yet.\n\n"
            "A bid that arrives after the deadline is refused. If you cannot offer a "
            "placement, declining with a reason helps the council understand the market.",
            portal_path("tenders.show_opportunity", tender_id=tender.id),
            dedupe=f"tender-{tender.id}-closing-{name}-{_moment(tender.closes_at)}",
        )
    return counts


def tell_bids_ready_to_open(now: datetime | None = None) -> dict:
    """Tell the contracts officers of each tender past its deadline whose bids are not
    opened: the tender waits for them."""
    now = now or clock.now()
    tenders = db.session.scalars(
        select(Tender)
        .where(Tender.is_closed_at(now), Tender.opened_at.is_(None))
        .options(selectinload(Tender.category))
        .order_by(Tender.closes_at, Tender.id)
    ).all()
    counts = queries.response_counts(tender.id for tender in tenders)
    told = 0
    for tender in tenders:
        submitted = counts[tender.id].submitted
        told += tell_role(
            Role.contracts_officer,
            f"Ready to open: {tender.reference}",
            f"Mini-tender {tender.reference} ({tender.category.name}) closed at "
            f"{format_datetime(tender.closes_at)} with {submitted} bid"
            f"{'' if submitted == 1 else 's'}. The bids stay sealed until an officer opens them.",
            portal_path("tenders.show_tender", tender_id=tender.id),
            dedupe=f"tender-{tender.id}-ready-to-open-{_moment(tender.closes_at)}",
        )
    return {"tenders": len(tenders), "officers_told": told}


def no_award_due_at(tender: Tender) -> datetime:
    """When the officers are reminded that no award has been made: the deadline's time of
    day, NO_AWARD_REMINDER_WORKING_DAYS working days after the deadline's day (UK)."""
    deadline = clock.to_uk(tender.closes_at)
    day = add_working_days(deadline.date(), rules.NO_AWARD_REMINDER_WORKING_DAYS)
    return rules.at_uk_time(day, deadline.time())


def remind_no_award(now: datetime | None = None) -> dict:
    """Remind the contracts officers of each tender still without an award 3 working days
    after its deadline."""
    now = now or clock.now()
    # A working day is at least a calendar day: a cheap bound in SQL, the exact rule here.
    candidates = db.session.scalars(
        select(Tender)
        .where(
            Tender.state.in_(AWAITING_AWARD),
            Tender.closes_at <= now - timedelta(days=rules.NO_AWARD_REMINDER_WORKING_DAYS),
        )
        .options(selectinload(Tender.category))
        .order_by(Tender.closes_at, Tender.id)
    ).all()
    told = due = 0
    for tender in candidates:
        if now < no_award_due_at(tender):
            continue
        due += 1
        told += tell_role(
            Role.contracts_officer,
            f"No award yet: {tender.reference}",
            f"Mini-tender {tender.reference} ({tender.category.name}) closed at "
            f"{format_datetime(tender.closes_at)}, {rules.NO_AWARD_REMINDER_WORKING_DAYS} "
            f"working days ago, and no award has been made. It is "
            f"{tender.phase(now).lower()}.",
            portal_path("tenders.show_tender", tender_id=tender.id),
            dedupe=f"tender-{tender.id}-no-award-{_moment(tender.closes_at)}",
        )
    return {"tenders": due, "officers_told": told}


def tell_standstill_ended(now: datetime | None = None) -> dict:
    """Tell the contracts officers of each tender whose standstill has ended (today, in
    England, is after its last day) that the award can be confirmed."""
    now = now or clock.now()
    today = clock.to_uk(now).date()
    tenders = db.session.scalars(
        select(Tender)
        .where(
            and_(
                Tender.state == TenderState.standstill,
                Tender.standstill_ends_on.is_not(None),
                Tender.standstill_ends_on < today,
            )
        )
        .options(selectinload(Tender.category))
        .order_by(Tender.standstill_ends_on, Tender.id)
    ).all()
    told = 0
    for tender in tenders:
        told += tell_role(
            Role.contracts_officer,
            f"Standstill ended: {tender.reference}",
            f"The standstill on mini-tender {tender.reference} ({tender.category.name}) "
            f"ended on {format_date(tender.standstill_ends_on)}. The award can now be "
            "confirmed.",
            portal_path("tenders.show_tender", tender_id=tender.id),
            dedupe=f"tender-{tender.id}-standstill-ended-{tender.standstill_ends_on.isoformat()}",
        )
    return {"tenders": len(tenders), "officers_told": told}


JOBS = [
    Job(
        id="remind_tender_invitees",
        func=remind_invitees_before_deadline,
        trigger="interval",
        trigger_args={"minutes": 15},
        description="Remind invitees that have not bid or declined, 24 and 2 hours before",
    ),
    Job(
        id="tell_tender_bids_ready_to_open",
        func=tell_bids_ready_to_open,
        trigger="interval",
        trigger_args={"minutes": 15},
        description="Tell contracts officers when a tender's bids are ready to open",
    ),
    Job(
        id="remind_tender_no_award",
        func=remind_no_award,
        trigger="interval",
        trigger_args={"minutes": 15},
        description="Remind contracts officers of tenders without an award 3 working days on",
    ),
    Job(
        id="tell_tender_standstill_ended",
        func=tell_standstill_ended,
        trigger="interval",
        trigger_args={"minutes": 15},
        description="Tell contracts officers when a standstill ends and the award can be confirmed",
    ),
]
