"""Every change to a direct award: started with its search stored as shown (the snapshot),
offered to one listed home at its listed rate, answered by the provider (or by telephone)
within the window, lapsed when the window passes, placed (the placement made and the
vacancy taken, in one transaction with the vacancy row locked) or closed. Operations flush;
the request commits."""

from datetime import date, datetime

from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_created, record_event
from dps_portal.awards import rules
from dps_portal.awards.models import (
    ChoiceReason,
    DirectAward,
    DirectAwardListing,
    DirectAwardOffer,
    DirectAwardState,
    Justification,
    OfferState,
)
from dps_portal.awards.queries import Search, search
from dps_portal.core import clock
from dps_portal.core.clock import format_date, format_datetime
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import format_gbp
from dps_portal.core.roles import Role
from dps_portal.core.states import lock, move
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell, tell_organisation
from dps_portal.placements.models import Placement, PlacementRoute
from dps_portal.placements.operations import create_placement
from dps_portal.tenders.models import Funding
from dps_portal.vacancies.models import Vacancy

LAST_BED_TAKEN = (
    "The last bed was just taken: {home} has no bed free for this category and setting now. "
    "Offer the next home on the list."
)


class DirectAwardRefused(OperationRefused):
    """A direct-award change its rules do not allow."""


def _officer(by) -> None:
    if by is None or by.role is not Role.contracts_officer:
        raise DirectAwardRefused("Only a contracts officer can make direct awards")


def next_award_reference(year: int) -> str:
    """'DA-2027-0001': the year's next number (a unique index catches a race)."""
    prefix = f"DA-{year}-"
    count = db.session.scalar(
        select(func.count(DirectAward.id)).where(DirectAward.reference.like(f"{prefix}%"))
    )
    return f"{prefix}{count + 1:04d}"


def start_direct_award(
    *,
    by,
    justification: Justification,
    person_reference: str,
    needs_summary: str,
    category,
    setting,
    districts,
    start_on: date,
    end_on: date | None,
    funding: Funding,
    include_stale: bool = False,
) -> DirectAward:
    """Search, and store the award with the list exactly as found (the snapshot) that the
    officer then offers from. Refused when nothing is found, so the officer can widen it."""
    _officer(by)
    person_reference = (person_reference or "").strip()
    if not person_reference:
        raise DirectAwardRefused("Enter the person's pseudonymised reference")
    if rules.looks_like_a_name(person_reference):
        raise DirectAwardRefused(
            "This looks like a name. Enter the pseudonymised reference from the case record, "
            "not the person's name"
        )
    problem = rules.dates_problem(justification, start_on, end_on)
    if problem:
        raise DirectAwardRefused(problem)
    now = clock.now()
    districts = list(districts or [])
    found = search(Search(category, setting, start_on, tuple(districts), include_stale), now=now)
    if not found:
        raise DirectAwardRefused(
            "No eligible home has a matching vacancy with a rate on the start date. Try more "
            "districts, a later start date, or include stale vacancies."
        )
    award = DirectAward(
        reference=next_award_reference(clock.to_uk(now).year),
        state=DirectAwardState.open,
        justification=justification,
        person_reference=person_reference,
        needs_summary=needs_summary or "",
        category_id=category.id,
        setting_id=setting.id,
        start_on=start_on,
        end_on=end_on,
        include_stale=include_stale,
        funding=funding,
        searched_at=now,
        created_by_id=by.id,
    )
    award.districts = districts
    cheapest = found[0].weekly_rate
    listings = [
        DirectAwardListing(
            position=position,
            care_home_id=row.home.id,
            provider_id=row.home.provider_id,
            vacancy_id=row.vacancy.id,
            home_name=row.home.name,
            provider_name=row.home.provider.legal_name,
            district_name=row.home.district.name if row.home.district else "",
            weekly_rate=row.weekly_rate,
            beds_free=row.vacancy.beds_free,
            vacancy_confirmed_at=row.vacancy.confirmed_at,
            latest_visit_outcome=row.latest_visit_outcome,
            latest_visit_on=row.latest_visit_on,
            cqc_rating=row.home.cqc_rating.label if row.home.cqc_rating else "",
            is_cheapest=row.weekly_rate == cheapest,
        )
        for position, row in enumerate(found, start=1)
    ]
    award.listings = listings
    record_created(
        award,
        AuditAction.direct_award_started,
        by=by,
        after={
            "reference": award.reference,
            "justification": justification.name,
            "category_id": category.id,
            "setting_id": setting.id,
            "start_on": start_on,
            "end_on": end_on,
            "include_stale": include_stale,
            "district_ids": [district.id for district in districts],
            "listed": [
                {"home_id": row.care_home_id, "weekly_rate": str(row.weekly_rate)}
                for row in listings
            ],
        },
    )
    return award


def _waiting_offer(award: DirectAward) -> DirectAwardOffer | None:
    return db.session.scalar(
        select(DirectAwardOffer).where(
            DirectAwardOffer.direct_award_id == award.id,
            DirectAwardOffer.state == OfferState.offered,
        )
    )


def make_offer(
    award: DirectAward,
    listing: DirectAwardListing,
    *,
    reason: ChoiceReason,
    detail: str = "",
    by,
) -> DirectAwardOffer:
    """Offer the placement to one listed home at its listed rate (the price is the list's,
    never typed). One offer waits at a time: one whose window has passed is recorded as
    lapsed first."""
    _officer(by)
    lock(award)
    if award.state is not DirectAwardState.open:
        raise DirectAwardRefused(
            f"This direct award is {award.state.value.lower()}: no more offers can be made"
        )
    if listing.direct_award_id != award.id:
        raise DirectAwardRefused("Choose a home from this award's list")
    detail = (detail or "").strip()
    if reason is ChoiceReason.other and not detail:
        raise DirectAwardRefused("Enter the reason for choosing this home")
    now = clock.now()
    waiting = _waiting_offer(award)
    if waiting is not None:
        if waiting.is_waiting_at(now):
            raise DirectAwardRefused(
                f"{waiting.listing.home_name} has until {format_datetime(waiting.respond_by)} "
                "to answer the offer made to it: wait for its answer, or record it"
            )
        record_lapse(waiting)
    if db.session.scalar(
        select(DirectAwardOffer.id).where(
            DirectAwardOffer.direct_award_id == award.id,
            DirectAwardOffer.listing_id == listing.id,
        )
    ):
        raise DirectAwardRefused(f"{listing.home_name} has already been offered this placement")
    offer = DirectAwardOffer(
        direct_award_id=award.id,
        listing_id=listing.id,
        provider_id=listing.provider_id,
        state=OfferState.offered,
        choice_reason=reason,
        choice_detail=detail,
        weekly_rate=listing.weekly_rate,
        offered_at=now,
        offered_by_id=by.id,
        respond_by=rules.respond_by(award.justification, now),
    )
    record_created(
        offer,
        AuditAction.offer_made,
        by=by,
        after={
            "direct_award_id": award.id,
            "care_home_id": listing.care_home_id,
            "weekly_rate": str(listing.weekly_rate),
            "choice_reason": reason.name,
            "respond_by": offer.respond_by,
        },
    )
    end = f" to {format_date(award.end_on)}" if award.end_on else ""
    tell_organisation(
        listing.provider_id,
        f"Direct award offer {award.reference}: answer by {format_datetime(offer.respond_by)}",
        f"The council offers you a {award.justification.value.lower()} at {listing.home_name} "
        f"({award.category.name}, {award.setting.name}) from {format_date(award.start_on)}"
        f"{end} at your pre-agreed rate of {format_gbp(listing.weekly_rate)} a week. Accept or "
        f"decline in the portal by {format_datetime(offer.respond_by)}.",
        portal_path("awards.show_offer", offer_id=offer.id),
        dedupe=f"direct-offer-{offer.id}-made",
    )
    return offer


def _not_waiting(offer: DirectAwardOffer) -> str:
    return f"This offer is {offer.state.value.lower()}: it cannot be answered"


def _check_waiting(offer: DirectAwardOffer, now: datetime) -> None:
    if offer.state is not OfferState.offered:
        raise DirectAwardRefused(
            f"This offer is {offer.state.value.lower()}: it cannot be answered"
        )
    if now >= clock.ensure_utc(offer.respond_by):
        raise DirectAwardRefused(
            f"The time to answer this offer ended at {format_datetime(offer.respond_by)}"
        )


def accept_offer(offer: DirectAwardOffer, *, by) -> Placement:
    """The provider accepts its own offer within the window."""
    # The award first, then the offer: the order every operation takes them in.
    lock(offer.direct_award)
    lock(offer)
    if by is None or by.role is not Role.provider or by.provider_id != offer.provider_id:
        raise DirectAwardRefused("Only the provider offered the placement can accept it")
    _check_waiting(offer, clock.now())
    return _accept(offer, by=by)


def record_telephone_acceptance(
    offer: DirectAwardOffer, *, contact: str, said_at: datetime, by
) -> Placement:
    """An officer records that the provider accepted by telephone: who said yes, and when
    (within the window, not in the future)."""
    _officer(by)
    lock(offer.direct_award)
    lock(offer)
    contact = (contact or "").strip()
    if not contact:
        raise DirectAwardRefused("Enter who accepted the offer on the telephone")
    now = clock.now()
    if offer.state is not OfferState.offered:
        raise DirectAwardRefused(
            f"This offer is {offer.state.value.lower()}: it cannot be answered"
        )
    if said_at is None:
        raise DirectAwardRefused("Enter when the provider accepted")
    if said_at > now:
        raise DirectAwardRefused("The time of the acceptance must be in the past")
    if said_at < clock.ensure_utc(offer.offered_at) or said_at >= clock.ensure_utc(
        offer.respond_by
    ):
        raise DirectAwardRefused(
            f"The acceptance must be between the offer, {format_datetime(offer.offered_at)}, "
            f"and the end of its window, {format_datetime(offer.respond_by)}"
        )
    offer.by_telephone = True
    offer.telephone_contact = contact[:200]
    offer.telephone_at = said_at
    return _accept(offer, by=by)


def _accept(offer: DirectAwardOffer, *, by) -> Placement:
    """Take the bed and make the placement, with the vacancy row locked: a bed taken by
    another award a moment ago is refused, never booked twice."""
    award = offer.direct_award
    lock(award)
    if award.state is not DirectAwardState.open:
        raise DirectAwardRefused(f"This direct award is {award.state.value.lower()}")
    listing = offer.listing
    vacancy = db.session.get(Vacancy, listing.vacancy_id) if listing.vacancy_id else None
    if vacancy is not None:
        lock(vacancy)
    if vacancy is None or vacancy.beds_free <= 0:
        raise DirectAwardRefused(LAST_BED_TAKEN.format(home=listing.home_name))
    vacancy.beds_free -= 1
    record_event(
        AuditAction.vacancy_taken,
        actor=by,
        subject=vacancy,
        before={"beds_free": vacancy.beds_free + 1},
        after={"beds_free": vacancy.beds_free, "direct_award_id": award.id},
    )
    move(
        offer,
        OfferState.accepted,
        by=by,
        event=AuditAction.offer_accepted,
        after={
            "by_telephone": offer.by_telephone,
            "telephone_contact": offer.telephone_contact,
            "telephone_at": offer.telephone_at,
        },
    )
    offer.answered_by_id = by.id
    placement = _create_placement(award, offer, by=by)
    move(
        award,
        DirectAwardState.placed,
        by=by,
        event=AuditAction.direct_award_placed,
        after={"placement_id": placement.id, "offer_id": offer.id},
    )
    tell(
        [award.created_by],
        f"Direct award {award.reference}: {listing.home_name} accepted",
        f"Placement {placement.reference} is made at {listing.home_name} at "
        f"{format_gbp(offer.weekly_rate)} a week from {format_date(award.start_on)}.",
        portal_path("awards.show_award", award_id=award.id),
        dedupe=f"direct-offer-{offer.id}-accepted",
    )
    tell_organisation(
        offer.provider_id,
        f"Placement {placement.reference}: confirm the start",
        f"You accepted direct award {award.reference}: placement {placement.reference} at "
        f"{listing.home_name}, planned to start on {format_date(placement.planned_start_on)} "
        f"at {format_gbp(placement.weekly_cost)} a week. Confirm the start in the portal when "
        "the person moves in.",
        portal_path("placements.show_placement", placement_id=placement.id),
        dedupe=f"placement-{placement.id}-awarded",
    )
    return placement


def _create_placement(award: DirectAward, offer: DirectAwardOffer, *, by) -> Placement:
    """The placement an accepted offer makes, at the listed rate, with its first cost row."""
    listing = offer.listing
    return create_placement(
        cost_reason=f"The pre-agreed rate, by direct award {award.reference}",
        event={"direct_award_id": award.id, "offer_id": offer.id, "planned_end_on": award.end_on},
        by=by,
        route=PlacementRoute.direct_award,
        person_reference=award.person_reference,
        category_id=award.category_id,
        setting_id=award.setting_id,
        care_home_id=listing.care_home_id,
        provider_id=listing.provider_id,
        direct_award_id=award.id,
        funding=award.funding,
        weekly_core_fee=offer.weekly_rate,
        weekly_cost=offer.weekly_rate,
        planned_start_on=award.start_on,
        planned_end_on=award.end_on,
        awarded_by_id=offer.offered_by_id,
    )


def decline_offer(offer: DirectAwardOffer, *, reason: str, by) -> DirectAwardOffer:
    """The provider declines its own offer, with a reason; the officer may offer the next."""
    lock(offer)
    if by is None or by.role is not Role.provider or by.provider_id != offer.provider_id:
        raise DirectAwardRefused("Only the provider offered the placement can decline it")
    reason = (reason or "").strip()
    if not reason:
        raise DirectAwardRefused("Enter why you are declining")
    _check_waiting(offer, clock.now())
    offer.decline_reason = reason
    offer.answered_by_id = by.id
    move(
        offer,
        OfferState.declined,
        by=by,
        event=AuditAction.offer_declined,
        after={"reason": reason},
    )
    award = offer.direct_award
    tell(
        [award.created_by],
        f"Direct award {award.reference}: {offer.listing.home_name} declined",
        f"{offer.listing.home_name} declined the offer: {reason}. Offer the next home on the "
        "stored list, or close the award.",
        portal_path("awards.show_award", award_id=award.id),
        dedupe=f"direct-offer-{offer.id}-declined",
    )
    return offer


def record_lapse(offer: DirectAwardOffer, *, now: datetime | None = None) -> bool:
    """Record that an offer's window passed unanswered, and tell the officer; True when it
    was recorded now (an answered or still waiting offer is left alone)."""
    now = now or clock.now()
    lock(offer)
    if offer.state is not OfferState.offered or now < clock.ensure_utc(offer.respond_by):
        return False
    move(offer, OfferState.lapsed, event=AuditAction.offer_lapsed)
    award = offer.direct_award
    tell(
        [award.created_by],
        f"Direct award {award.reference}: no answer from {offer.listing.home_name}",
        f"{offer.listing.home_name} did not answer by {format_datetime(offer.respond_by)}. "
        "Offer the next home on the stored list, or close the award.",
        portal_path("awards.show_award", award_id=award.id),
        dedupe=f"direct-offer-{offer.id}-lapsed",
    )
    return True


def close_direct_award(award: DirectAward, *, reason: str, by) -> DirectAward:
    """The officer stops without a placement; a waiting offer is withdrawn (its provider
    told)."""
    _officer(by)
    reason = (reason or "").strip()
    if not reason:
        raise DirectAwardRefused("Enter why the direct award is closed")
    lock(award)
    waiting = _waiting_offer(award)
    if waiting is not None:
        move(waiting, OfferState.withdrawn, by=by, event=AuditAction.offer_withdrawn)
        tell_organisation(
            waiting.provider_id,
            f"Direct award offer {award.reference} withdrawn",
            f"The council withdrew its offer of a placement at {waiting.listing.home_name}.",
            portal_path("awards.show_offer", offer_id=waiting.id),
            dedupe=f"direct-offer-{waiting.id}-withdrawn",
        )
    award.close_reason = reason
    move(
        award,
        DirectAwardState.closed,
        by=by,
        event=AuditAction.direct_award_closed,
        after={"reason": reason},
    )
    return award
