"""Read models for placement pages: a provider's own placements, the officers' register (its
filters, counts by status, the weekly cost in force, the finance CSV), and one placement with
its history."""

from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from dps_portal.audit.actions import AuditAction, action_in_words
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.clock import format_date
from dps_portal.core.forms import id_from
from dps_portal.core.pagination import RowsPagination
from dps_portal.extensions import db
from dps_portal.framework.models import CareSetting, Category, District
from dps_portal.placements.models import (
    EndReason,
    Placement,
    PlacementCost,
    PlacementReview,
    PlacementRoute,
    PlacementState,
)
from dps_portal.placements.rules import review_due_by
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.tenders.models import Funding

PER_PAGE = 25
REGISTER_PER_PAGE = 50
# A search longer than any name is cut: nothing would match the rest.
SEARCH_LIMIT = 200


# The filter of a provider's placements: key -> label.
OWN_FILTERS = {"to_start": "Waiting for you to confirm the start"}


def own_placements(provider_id: int, page: int, show: str | None = None):
    """The organisation's placements, newest first: only its own, whatever the URL asks;
    `show="to_start"` only those awarded and not yet started, the soonest start first."""
    query = (
        select(Placement)
        .where(Placement.provider_id == provider_id)
        .options(
            selectinload(Placement.care_home),
            selectinload(Placement.category),
            selectinload(Placement.tender),
        )
    )
    if show == "to_start":
        query = query.where(Placement.state == PlacementState.awarded).order_by(
            Placement.planned_start_on, Placement.id
        )
    else:
        query = query.order_by(Placement.awarded_at.desc(), Placement.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


# The officers' register.


@dataclass(frozen=True)
class RegisterFilters:
    """What the register shows: every filter is optional; an unknown value is no filter."""

    state: PlacementState | None = None
    category_id: int | None = None
    home: str = ""
    provider: str = ""
    district_id: int | None = None
    route: PlacementRoute | None = None
    # "in" or "out" of county.
    county: str = ""
    review_due: bool = False

    @classmethod
    def from_args(cls, args) -> "RegisterFilters":
        return cls(
            state=_member(PlacementState, args.get("status")),
            category_id=id_from(args.get("category")),
            home=(args.get("home") or "").strip()[:SEARCH_LIMIT],
            provider=(args.get("provider") or "").strip()[:SEARCH_LIMIT],
            district_id=id_from(args.get("district")),
            route=_member(PlacementRoute, args.get("route")),
            county=args.get("county") if args.get("county") in ("in", "out") else "",
            review_due=args.get("review_due") == "yes",
        )

    def as_args(self) -> dict[str, str]:
        """The query values that ask for these filters (for links, pages and the CSV)."""
        values = {
            "status": self.state.name if self.state else "",
            "category": self.category_id or "",
            "home": self.home,
            "provider": self.provider,
            "district": self.district_id or "",
            "route": self.route.name if self.route else "",
            "county": self.county,
            "review_due": "yes" if self.review_due else "",
        }
        return {key: str(value) for key, value in values.items() if value}

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _member(enum, name):
    return enum.__members__.get(name) if isinstance(name, str) else None


def _filtered(query, filters: RegisterFilters, today: date):
    """The filters as SQL, on a query that selects from Placement."""
    if filters.state is not None:
        query = query.where(Placement.state == filters.state)
    if filters.category_id:
        query = query.where(Placement.category_id == filters.category_id)
    if filters.route is not None:
        query = query.where(Placement.route == filters.route)
    if filters.home or filters.district_id:
        query = query.join(CareHome, CareHome.id == Placement.care_home_id)
        if filters.home:
            query = query.where(CareHome.name.icontains(filters.home, autoescape=True))
        if filters.district_id:
            query = query.where(CareHome.district_id == filters.district_id)
    if filters.provider:
        query = query.join(
            ProviderOrganisation, ProviderOrganisation.id == Placement.provider_id
        ).where(
            or_(
                ProviderOrganisation.legal_name.icontains(filters.provider, autoescape=True),
                ProviderOrganisation.trading_name.icontains(filters.provider, autoescape=True),
            )
        )
    if filters.county == "out":
        query = query.where(Placement.is_out_of_county)
    elif filters.county == "in":
        query = query.where(~Placement.is_out_of_county)
    if filters.review_due:
        query = query.where(Placement.is_review_due_by(review_due_by(today)))
    return query


# Newest award first; the id keeps the order stable between pages.
REGISTER_ORDER = (Placement.awarded_at.desc(), Placement.id.desc())


@dataclass(frozen=True)
class RegisterPage:
    page: RowsPagination  # its items are the page's placements
    counts: dict[PlacementState, int]
    costs: dict[int, object]  # placement id -> the weekly cost in force today


def register(filters: RegisterFilters, page: int, today: date) -> RegisterPage:
    """The register a page at a time, each placement with what its row shows and its cost
    in force today read with it, and the counts per status, which give the page's total:
    two statements."""
    counts = status_counts(filters, today)
    query = (
        _filtered(select(Placement, cost_in_force(today)), filters, today)
        # Only the columns the register's rows show, of the placement, home, provider and lists.
        .options(
            load_only(
                Placement.reference,
                Placement.person_reference,
                Placement.route,
                Placement.state,
                Placement.care_home_id,
                Placement.provider_id,
                Placement.category_id,
                Placement.setting_id,
                Placement.started_on,
                Placement.planned_start_on,
                Placement.ended_on,
                Placement.next_review_on,
                raiseload=True,
            ),
            joinedload(Placement.care_home).load_only(
                CareHome.name, CareHome.district_id, raiseload=True
            ),
            joinedload(Placement.care_home)
            .joinedload(CareHome.district)
            .load_only(District.name, District.is_out_of_county, raiseload=True),
            joinedload(Placement.provider).load_only(
                ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
            ),
            joinedload(Placement.category).load_only(Category.name, raiseload=True),
            joinedload(Placement.setting).load_only(CareSetting.name, raiseload=True),
        )
        .order_by(*REGISTER_ORDER)
    )
    result = RowsPagination(
        select=query,
        session=db.session,
        page=page,
        per_page=REGISTER_PER_PAGE,
        error_out=False,
        count=False,
    )
    result.total = counts[filters.state] if filters.state is not None else sum(counts.values())
    costs = {placement.id: cost for placement, cost in result.items}
    result.items = [placement for placement, _cost in result.items]
    return RegisterPage(result, counts, costs)


def status_counts(filters: RegisterFilters, today: date) -> dict[PlacementState, int]:
    """Per status, the placements the other filters leave: one aggregate statement."""
    query = _filtered(
        select(Placement.state, func.count(Placement.id)), replace(filters, state=None), today
    ).group_by(Placement.state)
    counted = dict(db.session.execute(query).all())
    return {state: counted.get(state, 0) for state in PlacementState}


def cost_in_force(day: date):
    """The weekly cost in force on `day`: the cost row with the latest effective date on or
    before it; before the first row (a placement not started yet), the cost as awarded."""
    latest = (
        select(PlacementCost.weekly_cost)
        .where(PlacementCost.placement_id == Placement.id, PlacementCost.effective_from <= day)
        .order_by(PlacementCost.effective_from.desc())
        .limit(1)
        .correlate(Placement)
        .scalar_subquery()
    )
    return func.coalesce(latest, Placement.weekly_cost)


def costs_in_force(placement_ids, day: date) -> dict[int, object]:
    """The weekly cost in force on `day` for each placement: one statement for a page."""
    ids = list(placement_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Placement.id, cost_in_force(day)).where(Placement.id.in_(ids))
        ).all()
    )


CSV_HEADER = (
    "Reference",
    "Person reference",
    "Route",
    "Category",
    "Setting",
    "Home",
    "Provider",
    "District",
    "Start",
    "End",
    "Weekly cost today",
    "Funding",
    "Status",
)


def register_rows(filters: RegisterFilters, today: date) -> list[tuple]:
    """Every placement the filters leave, in the register's order, as the CSV's columns:
    one statement, rows rather than objects, however many there are. (The tables are
    aliased so that the filters' own joins stay apart.)"""
    home = CareHome.__table__.alias("row_home")
    provider = ProviderOrganisation.__table__.alias("row_provider")
    district = District.__table__.alias("row_district")
    query = (
        select(
            Placement.reference,
            Placement.person_reference,
            Placement.route,
            Category.name,
            CareSetting.name,
            home.c.name,
            provider.c.legal_name,
            district.c.name,
            Placement.started_on,
            Placement.planned_start_on,
            Placement.ended_on,
            Placement.planned_end_on,
            cost_in_force(today),
            Placement.funding,
            Placement.state,
        )
        .select_from(Placement)
        .join(Category, Category.id == Placement.category_id)
        .join(CareSetting, CareSetting.id == Placement.setting_id)
        .join(home, home.c.id == Placement.care_home_id)
        .join(provider, provider.c.id == Placement.provider_id)
        .outerjoin(district, district.c.id == home.c.district_id)
    )
    query = _filtered(query, filters, today).order_by(*REGISTER_ORDER)
    return [_csv_row(row) for row in db.session.execute(query)]


def _csv_row(row) -> tuple:
    (
        reference,
        person_reference,
        route,
        category,
        setting,
        home,
        provider,
        district,
        started_on,
        planned_start_on,
        ended_on,
        planned_end_on,
        cost,
        funding,
        state,
    ) = row
    start = started_on.isoformat() if started_on else f"{planned_start_on.isoformat()} (planned)"
    if ended_on:
        end = ended_on.isoformat()
    elif planned_end_on:
        end = f"{planned_end_on.isoformat()} (planned)"
    else:
        end = ""
    return (
        reference,
        person_reference,
        route.value,
        category,
        setting,
        home,
        provider,
        district or "",
        start,
        end,
        f"{cost:.2f}",
        funding.value if isinstance(funding, Funding) else "",
        state.value,
    )


# One placement.


def placement_or_404(placement_id: int, user) -> Placement:
    """The placement if the user may read it (officers, monitors, or its own provider); 404
    alike for one that is not there and one that is another's, so ids cannot be probed."""
    placement = db.session.scalars(
        select(Placement)
        .where(Placement.id == placement_id)
        .options(
            selectinload(Placement.care_home).selectinload(CareHome.district),
            selectinload(Placement.provider),
            selectinload(Placement.category),
            selectinload(Placement.setting),
            selectinload(Placement.tender),
            selectinload(Placement.direct_award),
            selectinload(Placement.costs),
            selectinload(Placement.reviews).selectinload(PlacementReview.recorded_by),
        )
    ).first()
    if placement is None or not placement.can_read(user):
        abort(404)
    return placement


def documents_of(placement: Placement, user):
    """The placement's agreement (and, for staff, its tender's award documents)."""
    if placement.tender is None:
        return []
    from dps_portal.tenders.award.queries import tender_documents

    provider_id = None if user.is_staff else placement.provider_id
    return tender_documents(placement.tender, provider_id=provider_id, placement=placement)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    who: str


def _day(value) -> str:
    try:
        return format_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _event_words(event: AuditEvent) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    action = event.action
    if action == AuditAction.placement_created.value:
        return "Awarded"
    if action == AuditAction.placement_start_confirmed.value and "started_on" in after:
        return f"Start confirmed: the person moved in on {_day(after['started_on'])}"
    if action == AuditAction.placement_reviewed.value and "reviewed_on" in after:
        return (
            f"Review held on {_day(after['reviewed_on'])}; the next is due on "
            f"{_day(after.get('next_review_on'))}"
        )
    if action == AuditAction.placement_ended.value and "ended_on" in after:
        reason = EndReason.__members__.get(after.get("reason"))
        detail = after.get("detail") or ""
        words = f"Ended on {_day(after['ended_on'])}"
        if reason is not None:
            words += f": {reason.value.lower()}"
        return words + (f" ({detail})" if detail else "")
    if action == AuditAction.placement_cancelled.value:
        return f"Cancelled: {after.get('reason', '')}".rstrip(": ")
    return action_in_words(action)


def _who(event: AuditEvent) -> str:
    if event.actor is not None:
        return event.actor.full_name or event.actor_label
    return "The portal" if event.actor_label == "system" else event.actor_label


def history_of(placement: Placement) -> list[HistoryLine]:
    """What happened to the placement, oldest first, from its audit events (who and when);
    a change whose event is missing (a placement written as a row) comes from its stamp."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == Placement.__tablename__)
        .where(AuditEvent.subject_id == str(placement.id))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.sequence)
    ).all()
    recorded = {event.action for event in events}
    lines = [
        HistoryLine(at, words, "")
        for action, at, words in _stamped(placement)
        if action.value not in recorded and at is not None
    ]
    lines += [HistoryLine(event.occurred_at, _event_words(event), _who(event)) for event in events]
    # Stable: at the same moment, a stamp (the award) comes before the events.
    return sorted(lines, key=lambda line: clock.ensure_utc(line.at))


def _stamped(placement: Placement):
    """The changes a placement's own stamps record, for one written without their events."""
    started = (
        f"Started on {format_date(placement.started_on)}" if placement.started_on else "Started"
    )
    ended = f"Ended on {format_date(placement.ended_on)}" if placement.ended_on else "Ended"
    return (
        (AuditAction.placement_created, placement.awarded_at, "Awarded"),
        (AuditAction.placement_start_confirmed, placement.start_confirmed_at, started),
        (AuditAction.placement_ended, placement.ended_at, ended),
        (AuditAction.placement_cancelled, placement.cancelled_at, "Cancelled"),
    )
