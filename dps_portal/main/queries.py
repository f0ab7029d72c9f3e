"""The home pages' counts: each an aggregate query, never a list built to be counted."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditChainHead
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.providers.models import CareHome, ProviderOrganisation


@dataclass(frozen=True)
class MarketSummary:
    framework_name: str
    providers: int
    homes: int
    beds: int


def market_summary() -> MarketSummary:
    """The framework's name (read once a request) and the market's size in one statement."""
    framework = current_framework()
    homes, beds, providers = db.session.execute(
        select(
            select(func.count(CareHome.id)).scalar_subquery(),
            select(func.coalesce(func.sum(CareHome.registered_beds), 0)).scalar_subquery(),
            select(func.count(ProviderOrganisation.id)).scalar_subquery(),
        )
    ).one()
    return MarketSummary(
        framework_name=framework.name if framework else "No framework set up",
        providers=providers,
        homes=homes,
        beds=beds,
    )


@dataclass(frozen=True)
class AdminSummary:
    users: int
    active_users: int
    audit_events: int
    emails_waiting: int


def admin_summary() -> AdminSummary:
    """The administrators' counts in one statement. The audit trail's length is its chain
    head's sequence number (one row), not a count of every event."""
    users, active_users, audit_events, emails_waiting = db.session.execute(
        select(
            select(func.count(User.id)).scalar_subquery(),
            select(func.count(User.id)).where(User.is_active).scalar_subquery(),
            select(func.coalesce(func.max(AuditChainHead.sequence), 0)).scalar_subquery(),
            select(func.count(OutboxEmail.id))
            .where(OutboxEmail.state == OutboxState.queued)
            .scalar_subquery(),
        )
    ).one()
    return AdminSummary(
        users=users,
        active_users=active_users,
        audit_events=audit_events,
        emails_waiting=emails_waiting,
    )


@dataclass(frozen=True)
class ApplicationCounts:
    awaiting_decision: int
    overdue: int


def application_counts(today: date) -> ApplicationCounts:
    """Applications waiting for a decision, and those of them past their decision date."""
    from dps_portal.onboarding.models import Application

    overdue = case((Application.decision_due_on < today, 1), else_=0)
    awaiting, late = db.session.execute(
        select(func.count(Application.id), func.coalesce(func.sum(overdue), 0)).where(
            Application.is_awaiting_decision
        )
    ).one()
    return ApplicationCounts(awaiting_decision=awaiting, overdue=int(late))


def quality_actions_to_answer(provider_id: int) -> int:
    """The provider's quality actions waiting for its response."""
    from dps_portal.quality.actions.queries import actions_to_answer

    return actions_to_answer(provider_id)


def actions_waiting_for_verification() -> int:
    from dps_portal.quality.actions.queries import actions_awaiting_verification

    return actions_awaiting_verification()


def suspension_recommendations_waiting() -> int:
    """Monitors' recommendations waiting for a contracts officer to confirm or decline."""
    from dps_portal.contracts.queries import recommendations_waiting

    return recommendations_waiting()


def monitor_visit_counts(user, today):
    """The monitor's visits this week, the overdue visits, and the monitor's drafts."""
    from dps_portal.quality.queries import monitor_counts

    return monitor_counts(user, today)


def framework_summary_status():
    """Whether the framework summary is kept to download, and when it will be if not (None
    without a framework)."""
    from dps_portal.framework.summary import summary_status

    framework = current_framework()
    return summary_status(framework) if framework else None


@dataclass(frozen=True)
class TenderCounts:
    """Where the council's mini-tenders are, for the officers' home page."""

    open: int = 0
    next_deadline: datetime | None = None
    to_open: int = 0
    evaluating: int = 0
    moderated: int = 0
    awaiting_approval: int = 0
    standstill: int = 0


def tender_counts(now: datetime) -> TenderCounts:
    """Open tenders and the next deadline, closed ones waiting to be opened, and those in
    evaluation, moderated, waiting for approval or in standstill: one aggregate statement."""
    from dps_portal.tenders.models import Tender, TenderState

    is_open = Tender.is_open_at(now)
    row = db.session.execute(
        select(
            func.count().filter(is_open),
            func.min(Tender.closes_at).filter(is_open),
            func.count().filter(Tender.is_closed_at(now)),
            func.count().filter(Tender.state.in_([TenderState.opened, TenderState.evaluating])),
            func.count().filter(Tender.state == TenderState.moderated),
            func.count().filter(Tender.state == TenderState.recommended),
            func.count().filter(Tender.state == TenderState.standstill),
        ).where(Tender.state.in_([TenderState[name] for name in IN_PROGRESS_TENDER_STATES]))
    ).one()
    return TenderCounts(*row)


IN_PROGRESS_TENDER_STATES = (
    "published",
    "opened",
    "evaluating",
    "moderated",
    "recommended",
    "standstill",
)


@dataclass(frozen=True)
class OpportunityCounts:
    """A provider's open invitations it has not answered, and the soonest deadline."""

    to_answer: int = 0
    next_deadline: datetime | None = None
    bids_in: int = 0


def opportunity_counts(provider_id: int, now: datetime) -> OpportunityCounts:
    """One aggregate statement over the provider's invitations to open tenders."""
    from dps_portal.tenders.models import Bid, BidState, Tender, TenderInvitation

    has_bid = Bid.id.is_not(None) & (Bid.state == BidState.submitted)
    unanswered = TenderInvitation.declined_at.is_(None) & ~has_bid
    row = db.session.execute(
        select(
            func.count().filter(unanswered),
            func.min(Tender.closes_at).filter(unanswered),
            func.count().filter(has_bid),
        )
        .select_from(TenderInvitation)
        .join(Tender, Tender.id == TenderInvitation.tender_id)
        .outerjoin(Bid, Bid.invitation_id == TenderInvitation.id)
        .where(TenderInvitation.provider_id == provider_id, Tender.is_open_at(now))
    ).one()
    return OpportunityCounts(*row)


def placements_to_start(provider_id: int) -> int:
    """The provider's placements awarded whose start it has not yet confirmed."""
    from dps_portal.placements.models import Placement, PlacementState

    return db.session.scalar(
        select(func.count(Placement.id)).where(
            Placement.provider_id == provider_id, Placement.state == PlacementState.awarded
        )
    )


@dataclass(frozen=True)
class PlacementWork:
    """Direct awards and placements needing an officer: offers waiting for a provider's
    answer (and the first window to end), open awards with no offer waiting (a decline or a
    lapse: offer the next home), and placement reviews due."""

    offers_waiting: int = 0
    first_window_ends_at: datetime | None = None
    awards_to_offer_again: int = 0
    reviews_due: int = 0


def placement_work(now: datetime, today: date) -> PlacementWork:
    from dps_portal.awards.models import (
        DirectAward,
        DirectAwardOffer,
        DirectAwardState,
        OfferState,
    )
    from dps_portal.placements.models import Placement
    from dps_portal.placements.rules import review_due_by

    waiting = (DirectAwardOffer.state == OfferState.offered) & (DirectAwardOffer.respond_by > now)
    offers, first_end = db.session.execute(
        select(func.count(DirectAwardOffer.id), func.min(DirectAwardOffer.respond_by)).where(
            waiting
        )
    ).one()
    has_waiting = (
        select(DirectAwardOffer.id)
        .where(DirectAwardOffer.direct_award_id == DirectAward.id, waiting)
        .exists()
    )
    to_offer = db.session.scalar(
        select(func.count(DirectAward.id)).where(
            DirectAward.state == DirectAwardState.open, ~has_waiting
        )
    )
    reviews = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.is_review_due_by(review_due_by(today)))
    )
    return PlacementWork(offers, first_end, to_offer, reviews)


def offers_to_answer(provider_id: int, now: datetime) -> tuple[int, datetime | None]:
    """The provider's direct-award offers waiting for its answer, and the first window's end."""
    from dps_portal.awards.models import DirectAwardOffer, OfferState

    count, first_end = db.session.execute(
        select(func.count(DirectAwardOffer.id), func.min(DirectAwardOffer.respond_by)).where(
            DirectAwardOffer.provider_id == provider_id,
            DirectAwardOffer.state == OfferState.offered,
            DirectAwardOffer.respond_by > now,
        )
    ).one()
    return count, first_end
