"""Read models of the rate card. `in_force_on` is the one rule for "the pre-agreed rate on a
date": the entry with the latest effective-from on or before it, per home, category and
setting, asked for a set at once. `rates_on` (the direct-award search), the rate card pages,
the CSV exports, the uplift preview and the uplift job all build on it."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased, selectinload

from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category
from dps_portal.placements.models import Placement, PlacementCost, PlacementState
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.rates.models import RateCardEntry, Uplift

HOMES_PER_PAGE = 20
PER_PAGE = 50
# The placements whose weekly cost follows an uplift of their category.
UPLIFTED_STATES = (PlacementState.awarded, PlacementState.active)
SOURCES = {
    "admission": "Agreed at admission",
    "officer": "Changed by an officer",
    "uplift": "Uplift",
}


def in_force_on(day: date, *columns, where: Iterable = ()) -> Select:
    """SELECT `columns` (the entries themselves when none) of the rate card entries in force
    on `day`, one per home, category and setting, among those matching `where`."""
    where = list(where)
    latest = (
        select(
            RateCardEntry.care_home_id,
            RateCardEntry.category_id,
            RateCardEntry.setting_id,
            func.max(RateCardEntry.effective_from).label("effective_from"),
        )
        .where(RateCardEntry.effective_from <= day, *where)
        .group_by(RateCardEntry.care_home_id, RateCardEntry.category_id, RateCardEntry.setting_id)
        .subquery()
    )
    return select(*(columns or (RateCardEntry,))).join(
        latest,
        and_(
            latest.c.care_home_id == RateCardEntry.care_home_id,
            latest.c.category_id == RateCardEntry.category_id,
            latest.c.setting_id == RateCardEntry.setting_id,
            latest.c.effective_from == RateCardEntry.effective_from,
        ),
    )


def rates_on(
    home_ids: Iterable[int], category_id: int, setting_id: int, day: date
) -> dict[int, Decimal]:
    """{home id: weekly rate in force on `day`} for the homes with a rate for the category
    and setting then; one statement however many homes."""
    home_ids = list(home_ids)
    if not home_ids:
        return {}
    rows = db.session.execute(
        in_force_on(
            day,
            RateCardEntry.care_home_id,
            RateCardEntry.weekly_rate,
            where=[
                RateCardEntry.care_home_id.in_(home_ids),
                RateCardEntry.category_id == category_id,
                RateCardEntry.setting_id == setting_id,
            ],
        )
    ).all()
    return {home_id: rate for home_id, rate in rows}


def rate_on(home_id: int, category_id: int, setting_id: int, day: date) -> Decimal | None:
    """The weekly rate of one home on `day` (a call of `rates_on`)."""
    return rates_on([home_id], category_id, setting_id, day).get(home_id)


def latest_entry_on(home_id: int, category_id: int, setting_id: int) -> RateCardEntry | None:
    """The entry with the latest effective-from of a home, category and setting (in force
    now or from a later date): a rate change must start after it."""
    return db.session.scalars(
        select(RateCardEntry)
        .where(
            RateCardEntry.care_home_id == home_id,
            RateCardEntry.category_id == category_id,
            RateCardEntry.setting_id == setting_id,
        )
        .order_by(RateCardEntry.effective_from.desc())
    ).first()


# The rate card pages.


@dataclass
class RateLine:
    """One category and setting of a home: the rate in force today, those from a later
    date, and the history (newest first)."""

    category: Category
    setting: CareSetting
    current: RateCardEntry | None = None
    entries: list[RateCardEntry] = field(default_factory=list)

    @property
    def scheduled(self) -> list[RateCardEntry]:
        if self.current is None:
            return [e for e in self.entries]
        return [e for e in self.entries if e.effective_from > self.current.effective_from]

    @property
    def superseded(self) -> list[RateCardEntry]:
        if self.current is None:
            return []
        return [e for e in self.entries if e.effective_from < self.current.effective_from]


def rate_card(home_ids: list[int], today: date) -> dict[int, list[RateLine]]:
    """{home id: its rate lines}, by category and setting: every entry of the homes (one
    statement, with their categories and settings) and which are in force today (one)."""
    if not home_ids:
        return {}
    entries = db.session.scalars(
        select(RateCardEntry)
        .join(Category, Category.id == RateCardEntry.category_id)
        .join(CareSetting, CareSetting.id == RateCardEntry.setting_id)
        .where(RateCardEntry.care_home_id.in_(home_ids))
        .options(selectinload(RateCardEntry.category), selectinload(RateCardEntry.setting))
        .order_by(
            RateCardEntry.care_home_id,
            Category.position,
            Category.id,
            CareSetting.position,
            CareSetting.id,
            RateCardEntry.effective_from.desc(),
        )
    ).all()
    current_ids = set(
        db.session.scalars(
            in_force_on(today, RateCardEntry.id, where=[RateCardEntry.care_home_id.in_(home_ids)])
        )
    )
    card: dict[int, list[RateLine]] = {home_id: [] for home_id in home_ids}
    lines: dict[tuple[int, int, int], RateLine] = {}
    for entry in entries:
        key = (entry.care_home_id, entry.category_id, entry.setting_id)
        line = lines.get(key)
        if line is None:
            line = lines[key] = RateLine(entry.category, entry.setting)
            card[entry.care_home_id].append(line)
        line.entries.append(entry)
        if entry.id in current_ids:
            line.current = entry
    return card


def provider_homes(provider_id: int, page: int):
    """A page of the provider's homes by name, with what the rate card shows loaded."""
    return db.paginate(
        select(CareHome)
        .where(CareHome.provider_id == provider_id)
        .options(selectinload(CareHome.district), selectinload(CareHome.setting))
        .order_by(CareHome.name, CareHome.id),
        page=page,
        per_page=HOMES_PER_PAGE,
        error_out=False,
    )


# The CSV exports: the exact columns, in order.

CURRENT_RATES_COLUMNS = (
    "Provider",
    "Care home",
    "CQC location ID",
    "Category",
    "Care setting",
    "Weekly rate",
    "Effective from",
    "Source",
    "Reason",
)
RATE_CARD_COLUMNS = (
    "Care home",
    "CQC location ID",
    "Category",
    "Care setting",
    "Weekly rate",
    "Effective from",
    "Status",
    "Source",
    "Reason",
)


def current_rates_rows(today: date) -> Iterable[tuple]:
    """Every provider's rates in force today, one row per home, category and setting, in
    the columns of CURRENT_RATES_COLUMNS: one statement, read as it streams."""
    query = (
        in_force_on(
            today,
            ProviderOrganisation.legal_name,
            CareHome.name,
            CareHome.cqc_location_id,
            Category.name,
            CareSetting.name,
            RateCardEntry.weekly_rate,
            RateCardEntry.effective_from,
            RateCardEntry.source,
            RateCardEntry.reason,
        )
        .join(CareHome, CareHome.id == RateCardEntry.care_home_id)
        .join(ProviderOrganisation, ProviderOrganisation.id == CareHome.provider_id)
        .join(Category, Category.id == RateCardEntry.category_id)
        .join(CareSetting, CareSetting.id == RateCardEntry.setting_id)
        .order_by(
            ProviderOrganisation.legal_name,
            ProviderOrganisation.id,
            CareHome.name,
            CareHome.id,
            Category.position,
            Category.id,
            CareSetting.position,
            CareSetting.id,
        )
        .execution_options(yield_per=1000)
    )
    for row in db.session.execute(query):
        provider, home, location, category, setting, rate, since, source, reason = row
        yield (
            provider,
            home,
            location,
            category,
            setting,
            f"{rate:.2f}",
            since.isoformat(),
            SOURCES.get(source, source),
            reason,
        )


def rate_card_rows(provider_id: int, today: date) -> Iterable[tuple]:
    """A provider's whole rate card, history included, in the columns of RATE_CARD_COLUMNS:
    two statements (the entries, and which are in force today)."""
    home_ids = list(
        db.session.scalars(select(CareHome.id).where(CareHome.provider_id == provider_id))
    )
    current_ids = set(
        db.session.scalars(
            in_force_on(today, RateCardEntry.id, where=[RateCardEntry.care_home_id.in_(home_ids)])
        )
    )
    rows = db.session.execute(
        select(
            RateCardEntry.id,
            CareHome.name,
            CareHome.cqc_location_id,
            Category.name,
            CareSetting.name,
            RateCardEntry.weekly_rate,
            RateCardEntry.effective_from,
            RateCardEntry.source,
            RateCardEntry.reason,
        )
        .join(CareHome, CareHome.id == RateCardEntry.care_home_id)
        .join(Category, Category.id == RateCardEntry.category_id)
        .join(CareSetting, CareSetting.id == RateCardEntry.setting_id)
        .where(CareHome.provider_id == provider_id)
        .order_by(
            CareHome.name,
            CareHome.id,
            Category.position,
            Category.id,
            CareSetting.position,
            CareSetting.id,
            RateCardEntry.effective_from.desc(),
        )
    ).all()
    for entry_id, home, location, category, setting, rate, since, source, reason in rows:
        if entry_id in current_ids:
            status = "In force"
        elif since > today:
            status = "From a later date"
        else:
            status = "Superseded"
        yield (
            home,
            location,
            category,
            setting,
            f"{rate:.2f}",
            since.isoformat(),
            status,
            SOURCES.get(source, source),
            reason,
        )


# Uplifts: the list, the preview and what the job changes.


def uplifts(page: int):
    """Every uplift, the latest date first, with its category."""
    return db.paginate(
        select(Uplift)
        .options(selectinload(Uplift.category), selectinload(Uplift.created_by))
        .order_by(Uplift.effective_on.desc(), Uplift.id.desc()),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )


def uplift_or_404(uplift_id: int) -> Uplift:
    return db.get_or_404(Uplift, uplift_id)


def entries_to_uplift(category_id: int, effective_on: date, *columns) -> Select:
    """SELECT the entries an uplift of the category from `effective_on` raises: every home's
    and setting's rate in force the day before, unless an entry already starts that day (the
    uplift made it, or an officer's change for that day stands)."""
    same_day = aliased(RateCardEntry)
    return in_force_on(
        effective_on - timedelta(days=1),
        *columns,
        where=[RateCardEntry.category_id == category_id],
    ).where(
        ~exists().where(
            same_day.care_home_id == RateCardEntry.care_home_id,
            same_day.category_id == RateCardEntry.category_id,
            same_day.setting_id == RateCardEntry.setting_id,
            same_day.effective_from == effective_on,
        )
    )


def costs_in_force(day: date, *columns, where: Iterable = ()) -> Select:
    """SELECT `columns` of each placement's cost in force on `day` (the latest from on or
    before it), among the costs matching `where`: the same rule as the rate card's."""
    latest = (
        select(
            PlacementCost.placement_id,
            func.max(PlacementCost.effective_from).label("effective_from"),
        )
        .where(PlacementCost.effective_from <= day, *where)
        .group_by(PlacementCost.placement_id)
        .subquery()
    )
    return select(*(columns or (PlacementCost,))).join(
        latest,
        and_(
            latest.c.placement_id == PlacementCost.placement_id,
            latest.c.effective_from == PlacementCost.effective_from,
        ),
    )


def placements_to_uplift(category_id: int, effective_on: date, *columns) -> Select:
    """SELECT the costs an uplift of the category from `effective_on` raises: each awarded or
    active placement's cost in force the day before, unless it has one from that day."""
    same_day = aliased(PlacementCost)
    return (
        costs_in_force(effective_on - timedelta(days=1), *columns)
        .join(Placement, Placement.id == PlacementCost.placement_id)
        .where(Placement.category_id == category_id, Placement.state.in_(UPLIFTED_STATES))
        .where(
            ~exists().where(
                same_day.placement_id == PlacementCost.placement_id,
                same_day.effective_from == effective_on,
            )
        )
    )


def preview_rates(category_id: int, effective_on: date, page: int):
    """A page of the rates an uplift would raise, by home, with homes and settings loaded."""
    return db.paginate(
        entries_to_uplift(category_id, effective_on)
        .join(CareHome, CareHome.id == RateCardEntry.care_home_id)
        .join(CareSetting, CareSetting.id == RateCardEntry.setting_id)
        .options(
            selectinload(RateCardEntry.care_home).selectinload(CareHome.provider),
            selectinload(RateCardEntry.setting),
        )
        .order_by(CareHome.name, CareHome.id, CareSetting.position, CareSetting.id),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )


def preview_placements(category_id: int, effective_on: date, page: int):
    """A page of the placement costs an uplift would raise, by placement reference, with
    each placement and its home loaded."""
    return db.paginate(
        placements_to_uplift(category_id, effective_on)
        .options(selectinload(PlacementCost.placement).selectinload(Placement.care_home))
        .order_by(Placement.reference, Placement.id),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )
