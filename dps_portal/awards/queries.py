"""Read models of direct awards: the search (eligible homes with a matching vacancy at their
pre-agreed rate, in a fixed number of statements however many homes), the officer's lists,
a provider's offers, and the fairness register's aggregates (in SQL)."""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask import abort
from sqlalchemy import and_, case, func, literal, select, true, union_all
from sqlalchemy.orm import joinedload, selectinload

from dps_portal.awards.models import (
    DirectAward,
    DirectAwardListing,
    DirectAwardOffer,
    DirectAwardState,
    OfferState,
)
from dps_portal.contracts.eligibility import eligibility_of
from dps_portal.core import clock
from dps_portal.core.pagination import RowsPagination, counted_page
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District
from dps_portal.onboarding.admissions import admitted_home_ids
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import Visit, VisitState
from dps_portal.rates.queries import rates_on
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.rules import fresh_since

PER_PAGE = 25


@dataclass(frozen=True)
class Search:
    """What the officer asked for."""

    category: Category
    setting: CareSetting
    start_on: date
    districts: tuple[District, ...] = ()
    include_stale: bool = False


@dataclass(frozen=True)
class Found:
    """One home as the search shows it (stored as a DirectAwardListing)."""

    home: CareHome
    vacancy: Vacancy
    weekly_rate: Decimal
    latest_visit_outcome: str
    latest_visit_on: date | None


def search(criteria: Search, now: datetime | None = None) -> list[Found]:
    """The eligible homes (the one rule, asked of every candidate at once) admitted to the
    category with a vacancy for the category and setting that has beds free from the start
    date or before, fresh unless stale ones are asked for, in the chosen districts if any,
    and a rate on the start date; cheapest first. A fixed number of statements."""
    now = now or clock.now()
    query = (
        select(CareHome, Vacancy)
        .join(Vacancy, Vacancy.care_home_id == CareHome.id)
        .where(
            CareHome.id.in_(admitted_home_ids(criteria.category.id)),
            Vacancy.category_id == criteria.category.id,
            Vacancy.setting_id == criteria.setting.id,
            Vacancy.beds_free > 0,
            Vacancy.available_from <= criteria.start_on,
        )
        .options(joinedload(CareHome.district), joinedload(CareHome.provider))
        .order_by(CareHome.id)
    )
    if not criteria.include_stale:
        query = query.where(Vacancy.is_fresh_since(fresh_since(now)))
    if criteria.districts:
        query = query.where(CareHome.district_id.in_([d.id for d in criteria.districts]))
    candidates = db.session.execute(query).unique().all()
    if not candidates:
        return []
    answers = eligibility_of([(home, criteria.category) for home, _ in candidates])
    eligible = [
        (home, vacancy)
        for (home, vacancy), answer in zip(candidates, answers, strict=True)
        if answer.is_eligible
    ]
    ids = [home.id for home, _ in eligible]
    rates = rates_on(ids, criteria.category.id, criteria.setting.id, criteria.start_on)
    visits = latest_visits(ids)
    found = [
        Found(home, vacancy, rates[home.id], *visits.get(home.id, ("", None)))
        for home, vacancy in eligible
        if home.id in rates
    ]
    return sorted(found, key=lambda row: (row.weekly_rate, row.home.name, row.home.id))


def latest_visits(home_ids: list[int]) -> dict[int, tuple[str, date | None]]:
    """{home id: (outcome, visited on)} of each home's latest finalised visit: one statement."""
    if not home_ids:
        return {}
    ranked = (
        select(
            Visit.care_home_id,
            Visit.outcome,
            Visit.visited_on,
            func.row_number()
            .over(
                partition_by=Visit.care_home_id,
                order_by=(Visit.visited_on.desc(), Visit.finalised_at.desc(), Visit.id.desc()),
            )
            .label("rank"),
        )
        .where(Visit.state == VisitState.finalised, Visit.care_home_id.in_(home_ids))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.care_home_id, ranked.c.outcome, ranked.c.visited_on).where(
            ranked.c.rank == 1
        )
    )
    return {
        home_id: (outcome.value if outcome is not None else "", visited_on)
        for home_id, outcome, visited_on in rows
    }


# The officer's pages.


def award_or_404(award_id: int) -> DirectAward:
    award = db.session.scalar(
        select(DirectAward)
        .where(DirectAward.id == award_id)
        .options(
            selectinload(DirectAward.category),
            selectinload(DirectAward.setting),
            selectinload(DirectAward.created_by),
            selectinload(DirectAward.districts),
            selectinload(DirectAward.listings),
            selectinload(DirectAward.offers),
        )
    )
    if award is None:
        abort(404)
    return award


def award_page_or_404(award_id: int) -> DirectAward:
    """The award for its page, which changes nothing: its category, setting and author
    joined into the award's own statement. The forms keep award_or_404's separate loads: they
    lock the award (SELECT … FOR UPDATE), which PostgreSQL refuses over an outer join."""
    award = db.session.scalar(
        select(DirectAward)
        .where(DirectAward.id == award_id)
        .options(
            joinedload(DirectAward.category),
            joinedload(DirectAward.setting),
            joinedload(DirectAward.created_by),
            selectinload(DirectAward.districts),
            selectinload(DirectAward.listings),
            selectinload(DirectAward.offers),
        )
    )
    if award is None:
        abort(404)
    return award


def listing_of(award: DirectAward, listing_id: int) -> DirectAwardListing:
    for listing in award.listings:
        if listing.id == listing_id:
            return listing
    abort(404)


def offer_of(award: DirectAward, offer_id: int) -> DirectAwardOffer:
    for offer in award.offers:
        if offer.id == offer_id:
            return offer
    abort(404)


SORTS = ("rate", "district")


def sorted_listings(award: DirectAward, sort: str | None) -> list[DirectAwardListing]:
    """The stored list, cheapest first (as shown at the search) or by district."""
    listings = list(award.listings)
    if sort == "district":
        listings.sort(key=lambda row: (row.district_name or "~", row.position))
    return listings


# The filters of the officers' list (the officers' home page counts the same rows).
AWARD_FILTERS = {
    "waiting": "Offer waiting for an answer",
    "to_offer": "No offer waiting: offer a home",
}


def award_filter(show: str, now: datetime):
    """SQL for a DirectAward in one of AWARD_FILTERS: open with an offer in its window, or
    open with none (never offered, or the last offer declined or lapsed)."""
    has_waiting = (
        select(DirectAwardOffer.id)
        .where(DirectAwardOffer.direct_award_id == DirectAward.id, is_waiting_at(now))
        .exists()
    )
    is_open = DirectAward.state == DirectAwardState.open
    return is_open & (has_waiting if show == "waiting" else ~has_waiting)


def officer_awards(page: int, show: str | None = None, now: datetime | None = None):
    query = select(DirectAward).options(
        joinedload(DirectAward.category), joinedload(DirectAward.setting)
    )
    if show in AWARD_FILTERS:
        query = query.where(award_filter(show, now or clock.now()))
    query = query.order_by(DirectAward.searched_at.desc(), DirectAward.id.desc())
    return counted_page(query, db.session, page, PER_PAGE)


# A provider's offers.


def offer_or_404(offer_id: int) -> DirectAwardOffer:
    offer = db.session.scalar(
        select(DirectAwardOffer)
        .where(DirectAwardOffer.id == offer_id)
        .options(
            selectinload(DirectAwardOffer.listing),
            selectinload(DirectAwardOffer.direct_award).selectinload(DirectAward.category),
            selectinload(DirectAwardOffer.direct_award).selectinload(DirectAward.setting),
        )
    )
    if offer is None:
        abort(404)
    return offer


def is_waiting_at(now: datetime):
    """SQL for DirectAwardOffer.is_waiting_at: offered, and its window not yet ended."""
    return (DirectAwardOffer.state == OfferState.offered) & (DirectAwardOffer.respond_by > now)


# The filter of a provider's offers: key -> label.
OFFER_FILTERS = {"waiting": "Waiting for your answer"}


def own_offers(provider_id: int, page: int, show: str | None = None, now: datetime | None = None):
    """The provider's offers, newest first; `show="waiting"` only those waiting for its
    answer, the window soonest to end first."""
    query = (
        select(DirectAwardOffer)
        .where(DirectAwardOffer.provider_id == provider_id)
        .options(
            joinedload(DirectAwardOffer.listing),
            joinedload(DirectAwardOffer.direct_award).joinedload(DirectAward.category),
        )
    )
    if show == "waiting":
        query = query.where(is_waiting_at(now or clock.now())).order_by(
            DirectAwardOffer.respond_by, DirectAwardOffer.id
        )
    else:
        query = query.order_by(DirectAwardOffer.offered_at.desc(), DirectAwardOffer.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


# The fairness register.


@dataclass(frozen=True)
class RegisterFilters:
    from_on: date | None = None
    to_on: date | None = None
    category_id: int | None = None

    def where(self):
        """Conditions on DirectAward: searched in the period (UK dates), of the category."""
        conditions = []
        if self.from_on is not None:
            conditions.append(
                DirectAward.searched_at >= clock.uk_to_utc(datetime.combine(self.from_on, time()))
            )
        if self.to_on is not None:
            day_after = date.fromordinal(self.to_on.toordinal() + 1)
            conditions.append(
                DirectAward.searched_at < clock.uk_to_utc(datetime.combine(day_after, time()))
            )
        if self.category_id is not None:
            conditions.append(DirectAward.category_id == self.category_id)
        return and_(true(), *conditions)

    @property
    def is_filtered(self) -> bool:
        return (self.from_on, self.to_on, self.category_id) != (None, None, None)


def _chosen_offer(award_ids: list[int] | None = None):
    """Each award's chosen offer: the accepted one, else the latest (of the awards given, or
    of every award)."""
    query = select(
        DirectAwardOffer.id.label("offer_id"),
        DirectAwardOffer.direct_award_id.label("award_id"),
        func.row_number()
        .over(
            partition_by=DirectAwardOffer.direct_award_id,
            order_by=(
                case((DirectAwardOffer.state == OfferState.accepted, 0), else_=1),
                DirectAwardOffer.offered_at.desc(),
                DirectAwardOffer.id.desc(),
            ),
        )
        .label("rank"),
    )
    if award_ids is not None:
        query = query.where(DirectAwardOffer.direct_award_id.in_(award_ids))
    return query.subquery("chosen")


@dataclass(frozen=True)
class RegisterRow:
    award: DirectAward
    listed: int
    offer: DirectAwardOffer | None


def register_query(filters: RegisterFilters, award_ids: list[int] | None = None):
    """The register's rows (of the awards given, or of every award in the filters)."""
    chosen = _chosen_offer(award_ids)
    listed = (
        select(func.count(DirectAwardListing.id))
        .where(DirectAwardListing.direct_award_id == DirectAward.id)
        .scalar_subquery()
    )
    query = (
        select(DirectAward, listed.label("listed"), DirectAwardOffer)
        .outerjoin(chosen, and_(chosen.c.award_id == DirectAward.id, chosen.c.rank == 1))
        .outerjoin(DirectAwardOffer, DirectAwardOffer.id == chosen.c.offer_id)
        .where(filters.where())
        .options(
            joinedload(DirectAward.category),
            joinedload(DirectAwardOffer.listing),
        )
        .order_by(DirectAward.searched_at.desc(), DirectAward.id.desc())
    )
    if award_ids is not None:
        query = query.where(DirectAward.id.in_(award_ids))
    return query


def register_page(filters: RegisterFilters, page: int):
    """A page of awards' ids with their total, then their rows with the chosen offer: two
    statements."""
    result = counted_page(
        select(DirectAward.id)
        .where(filters.where())
        .order_by(DirectAward.searched_at.desc(), DirectAward.id.desc()),
        db.session,
        page,
        PER_PAGE,
    )
    ids = list(result.items)
    if not ids:
        return result, []
    rows = {
        award.id: RegisterRow(award, listed, offer)
        for award, listed, offer in db.session.execute(register_query(filters, ids)).all()
    }
    return result, [rows[award_id] for award_id in ids]


def register_rows(filters: RegisterFilters) -> list[RegisterRow]:
    return [RegisterRow(*row) for row in db.session.execute(register_query(filters)).all()]


@dataclass(frozen=True)
class ProviderFairness:
    provider_id: int
    provider_name: str
    listed: int
    offered: int
    accepted: int
    declined: int
    lapsed: int
    beds_declared: int


# The per-provider table's page (a county lists hundreds of providers in a year), and how
# many of the most listed the register itself shows.
FAIRNESS_PER_PAGE = 50
FAIRNESS_ON_REGISTER = 10


def provider_fairness(
    filters: RegisterFilters, page: int = 1, per_page: int = FAIRNESS_PER_PAGE
) -> tuple[RowsPagination, list]:
    """A page of the providers listed in an award of the period, the most often listed
    first: how often listed, offered, accepted, declined or lapsed, against the beds free it
    declares now (in the category when one is chosen). The page and its total in one
    statement, then two aggregates for the page's providers only."""
    listed = select(
        DirectAwardListing.provider_id.label("provider_id"),
        func.count().label("listed"),
    )
    if filters.is_filtered:
        # Unfiltered, every listing counts: no need to read the awards (an index-only scan).
        listed = listed.join(
            DirectAward, DirectAward.id == DirectAwardListing.direct_award_id
        ).where(filters.where())
    listed = listed.group_by(DirectAwardListing.provider_id).subquery()
    ranked = (
        select(
            listed.c.provider_id,
            ProviderOrganisation.legal_name,
            listed.c.listed,
            func.count().over().label("total"),
        )
        .join(ProviderOrganisation, ProviderOrganisation.id == listed.c.provider_id)
        .order_by(listed.c.listed.desc(), ProviderOrganisation.legal_name, ProviderOrganisation.id)
    )
    result = RowsPagination(
        select=ranked,
        session=db.session,
        page=page,
        per_page=per_page,
        error_out=False,
        count=False,
    )
    if result.items:
        result.total = result.items[0].total
    else:  # past the last page, or none listed: count on its own
        result.total = db.session.scalar(select(func.count()).select_from(listed))
    provider_ids = [row.provider_id for row in result.items]
    if not provider_ids:
        return result, []
    # The page's providers' offers and their beds declared now: two aggregates, one after
    # the other in one statement (a beds row carries no offers, an offers row no beds).
    none = literal(0)
    offers = (
        select(
            DirectAwardOffer.provider_id,
            func.count(DirectAwardOffer.id),
            func.count(DirectAwardOffer.id).filter(DirectAwardOffer.state == OfferState.accepted),
            func.count(DirectAwardOffer.id).filter(DirectAwardOffer.state == OfferState.declined),
            func.count(DirectAwardOffer.id).filter(DirectAwardOffer.state == OfferState.lapsed),
            none,
        )
        .join(DirectAward, DirectAward.id == DirectAwardOffer.direct_award_id)
        .where(filters.where(), DirectAwardOffer.provider_id.in_(provider_ids))
        .group_by(DirectAwardOffer.provider_id)
    )
    vacancy_join = Vacancy.care_home_id == CareHome.id
    if filters.category_id is not None:
        vacancy_join = and_(vacancy_join, Vacancy.category_id == filters.category_id)
    beds = (
        select(
            CareHome.provider_id,
            none,
            none,
            none,
            none,
            func.coalesce(func.sum(Vacancy.beds_free), 0),
        )
        .join(Vacancy, vacancy_join)
        .where(CareHome.provider_id.in_(provider_ids))
        .group_by(CareHome.provider_id)
    )
    counts = dict.fromkeys(provider_ids, (0, 0, 0, 0, 0))
    for provider_id, *row in db.session.execute(union_all(offers, beds)):
        counts[provider_id] = tuple(map(sum, zip(counts[provider_id], row, strict=True)))
    rows = [
        ProviderFairness(
            provider_id, name, count, *counts[provider_id][:4], int(counts[provider_id][4])
        )
        for provider_id, name, count, _total in result.items
    ]
    return result, rows


@dataclass(frozen=True)
class CheapestShare:
    placed: int
    to_cheapest: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.to_cheapest / self.placed) if self.placed else None


def cheapest_share(filters: RegisterFilters) -> CheapestShare:
    """Of the awards placed in the period, how many went to a cheapest listed home: one
    statement."""
    row = db.session.execute(
        select(
            func.count(DirectAward.id),
            func.count(DirectAward.id).filter(DirectAwardListing.is_cheapest),
        )
        .join(
            DirectAwardOffer,
            and_(
                DirectAwardOffer.direct_award_id == DirectAward.id,
                DirectAwardOffer.state == OfferState.accepted,
            ),
        )
        .join(DirectAwardListing, DirectAwardListing.id == DirectAwardOffer.listing_id)
        .where(filters.where(), DirectAward.state == DirectAwardState.placed)
    ).one()
    return CheapestShare(*row)


def placement_of(award: DirectAward):
    """The placement an accepted offer made, if any."""
    from dps_portal.placements.models import Placement

    if award.state is not DirectAwardState.placed:
        return None
    return db.session.scalar(select(Placement).where(Placement.direct_award_id == award.id))
