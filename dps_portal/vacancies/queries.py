"""Read models for the vacancy pages: a home's vacancies for its provider, the officers'
board (paginated, filtered in SQL, with counts from one aggregate) and the stale ones."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from dps_portal.core import clock
from dps_portal.core.pagination import counted_page
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District, current_framework
from dps_portal.onboarding.admissions import admitted_pairs
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.rules import fresh_since

PER_PAGE = 50


def vacancies_of(home: CareHome) -> list[Vacancy]:
    return list(
        db.session.scalars(
            select(Vacancy)
            .where(Vacancy.care_home_id == home.id)
            .options(joinedload(Vacancy.category), joinedload(Vacancy.setting))
            .order_by(Vacancy.category_id, Vacancy.setting_id)
        )
    )


def admitted_categories(home: CareHome) -> list[Category]:
    """The categories the home is admitted to: the ones it may declare vacancies for."""
    pairs = admitted_pairs().subquery()
    return list(
        db.session.scalars(
            select(Category)
            .where(
                Category.id.in_(select(pairs.c.category_id).where(pairs.c.care_home_id == home.id))
            )
            .order_by(Category.position)
        )
    )


def settings() -> list[CareSetting]:
    framework = current_framework()
    return list(framework.settings) if framework else []


@dataclass(frozen=True)
class BoardFilters:
    category_id: int | None = None
    district_id: int | None = None
    setting_id: int | None = None
    include_stale: bool = False
    # Only the stale ones (?stale=only: the officers' home page links to them).
    stale_only: bool = False


def board(filters: BoardFilters, page: int, now: datetime):
    """Vacancies with beds free, by district and home, a page at a time; stale ones only
    when asked for."""
    query = (
        select(Vacancy)
        .join(CareHome, CareHome.id == Vacancy.care_home_id)
        .outerjoin(District, District.id == CareHome.district_id)
        .where(Vacancy.beds_free > 0)
        # The home and district of the joins above, and only the columns the board shows.
        .options(
            contains_eager(Vacancy.care_home).load_only(
                CareHome.name, CareHome.provider_id, CareHome.district_id, raiseload=True
            ),
            contains_eager(Vacancy.care_home)
            .contains_eager(CareHome.district)
            .load_only(District.name, raiseload=True),
            contains_eager(Vacancy.care_home)
            .joinedload(CareHome.provider)
            .load_only(
                ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
            ),
            joinedload(Vacancy.category).load_only(Category.name, raiseload=True),
            joinedload(Vacancy.setting).load_only(CareSetting.name, raiseload=True),
        )
        .order_by(
            District.position.is_(None),
            District.position,
            CareHome.name,
            Vacancy.category_id,
            Vacancy.id,
        )
    )
    return counted_page(_filtered(query, filters, now), db.session, page, PER_PAGE)


@dataclass(frozen=True)
class CategoryBeds:
    category: str
    homes: int
    beds: int
    stale_beds: int


def beds_by_category(filters: BoardFilters, now: datetime) -> list[CategoryBeds]:
    """Per category: homes with beds free, beds free now, and beds in stale vacancies, for
    the board's district and setting: one aggregate statement."""
    since = fresh_since(now)
    fresh = Vacancy.is_fresh_since(since)
    query = (
        select(
            Category.name,
            func.count(func.distinct(Vacancy.care_home_id)).filter(fresh),
            func.coalesce(func.sum(Vacancy.beds_free).filter(fresh), 0),
            func.coalesce(func.sum(Vacancy.beds_free).filter(~fresh), 0),
        )
        .join(Category, Category.id == Vacancy.category_id)
        .join(CareHome, CareHome.id == Vacancy.care_home_id)
        .where(Vacancy.beds_free > 0)
        .group_by(Category.id, Category.name, Category.position)
        .order_by(Category.position)
    )
    query = _filtered(query, BoardFilters(None, filters.district_id, filters.setting_id, True), now)
    return [CategoryBeds(*row) for row in db.session.execute(query)]


def _filtered(query, filters: BoardFilters, now: datetime):
    if filters.category_id:
        query = query.where(Vacancy.category_id == filters.category_id)
    if filters.district_id:
        query = query.where(CareHome.district_id == filters.district_id)
    if filters.setting_id:
        query = query.where(Vacancy.setting_id == filters.setting_id)
    if filters.stale_only:
        query = query.where(~Vacancy.is_fresh_since(fresh_since(now)))
    elif not filters.include_stale:
        query = query.where(Vacancy.is_fresh_since(fresh_since(now)))
    return query


@dataclass(frozen=True)
class OwnVacancies:
    vacancies: int = 0
    stale: int = 0


def own_vacancy_counts(provider_id: int, now: datetime) -> OwnVacancies:
    """A provider's vacancies with beds free, and how many of them are stale."""
    fresh = Vacancy.is_fresh_since(fresh_since(now))
    row = db.session.execute(
        select(func.count(Vacancy.id), func.count(Vacancy.id).filter(~fresh))
        .join(CareHome, CareHome.id == Vacancy.care_home_id)
        .where(CareHome.provider_id == provider_id, Vacancy.beds_free > 0)
    ).one()
    return OwnVacancies(*row)


def providers_with_stale_vacancies(now: datetime) -> list[int]:
    """The providers with at least one stale vacancy that has beds free."""
    return list(
        db.session.scalars(
            select(CareHome.provider_id)
            .join(Vacancy, Vacancy.care_home_id == CareHome.id)
            .where(Vacancy.beds_free > 0, ~Vacancy.is_fresh_since(fresh_since(now)))
            .distinct()
            .order_by(CareHome.provider_id)
        )
    )


@dataclass(frozen=True)
class HomeVacancies:
    home_id: int
    home_name: str
    beds_free: int
    last_confirmed_at: datetime
    is_stale: bool


def own_vacancies_by_home(provider_id: int, now: datetime) -> list[HomeVacancies]:
    """Per home of the provider with vacancies: beds free, and the oldest confirmation (a
    home is stale when any of its vacancies is): one aggregate statement."""
    since = fresh_since(now)
    rows = db.session.execute(
        select(
            CareHome.id,
            CareHome.name,
            func.coalesce(func.sum(Vacancy.beds_free), 0),
            func.min(Vacancy.confirmed_at),
        )
        .join(Vacancy, Vacancy.care_home_id == CareHome.id)
        .where(CareHome.provider_id == provider_id)
        .group_by(CareHome.id, CareHome.name)
        .order_by(CareHome.name, CareHome.id)
    ).all()
    return [
        HomeVacancies(home_id, name, beds, confirmed, clock.ensure_utc(confirmed) < since)
        for home_id, name, beds, confirmed in rows
    ]
