"""Read models for visits: the due list from the risk-based frequency, the visit lists, a
visit's sections as a task list, and the counts on the monitor's dashboard."""

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload, load_only

from dps_portal.accounts.models import User
from dps_portal.accounts.queries import active_users_with_role
from dps_portal.contracts.eligibility import passed_gate_visit_home_ids
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.admissions import admitted_categories, admitted_home_ids
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import Visit, VisitOutcome, VisitSection, VisitState, VisitType
from dps_portal.quality.visit_templates import (
    PlannedSection,
    current_visit_template,
    sections_for,
)

INITIAL_NEEDED = "Initial visit needed"
OVERDUE = "Overdue"
DUE_SOON = "Due soon"
NOT_DUE = "Not due yet"

# Section statuses in the visit's task list.
COMPLETED = "Completed"
IN_PROGRESS = "In progress"
NOT_STARTED = "Not yet started"


# Homes and their categories.


def admitted_homes() -> list[CareHome]:
    """Every home admitted to at least one category: the homes quality monitoring visits."""
    return list(
        db.session.scalars(
            select(CareHome)
            .where(CareHome.id.in_(admitted_home_ids()))
            .options(joinedload(CareHome.provider))
            .order_by(CareHome.name, CareHome.id)
        )
    )


def active_monitors() -> list[User]:
    return active_users_with_role(Role.quality_monitor)


# Visits of a home.


def last_finalised_visit(home: CareHome) -> Visit | None:
    return db.session.scalars(
        select(Visit)
        .where(Visit.care_home_id == home.id, Visit.state == VisitState.finalised)
        .order_by(Visit.visited_on.desc(), Visit.finalised_at.desc(), Visit.id.desc())
    ).first()


def open_visits_of(home: CareHome) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.care_home_id == home.id, Visit.is_open)
            .order_by(Visit.planned_on, Visit.id)
        )
    )


def follow_up_of(visit: Visit) -> Visit | None:
    """The follow-up visit an unsatisfactory outcome scheduled."""
    return db.session.scalars(
        select(Visit).where(Visit.follow_up_of_id == visit.id).order_by(Visit.id)
    ).first()


# The due list, asked of the database for every admitted home at once.


@dataclass(frozen=True)
class DueRow:
    home: CareHome
    # None while the home waits for its first satisfactory gate visit.
    due_on: date | None
    status: str
    last_visit: Visit | None
    open_visit: Visit | None

    @property
    def is_overdue(self) -> bool:
        return self.status == OVERDUE

    @property
    def tag_class(self) -> str:
        return {
            INITIAL_NEEDED: "govuk-tag--purple",
            OVERDUE: "govuk-tag--red",
            DUE_SOON: "govuk-tag--yellow",
        }.get(self.status, "govuk-tag--grey")


# The due list's filters: key -> status.
DUE_FILTERS = {
    "initial": INITIAL_NEEDED,
    "overdue": OVERDUE,
    "due_soon": DUE_SOON,
    "not_due": NOT_DUE,
}


# The homes of one page of the due list, given when its rows are read.
PAGE_HOMES = bindparam("due_list_page_homes", expanding=True)


def _first_per_home(name: str, where, *order):
    """Each home's first visit matching `where`, in `order`: Visit aliased to a subquery of
    the visits ranked per home, and the condition that keeps the first of each."""
    ranked = (
        select(
            Visit,
            func.row_number().over(partition_by=Visit.care_home_id, order_by=order).label("rank"),
        )
        .where(where)
        .subquery(name)
    )
    return aliased(Visit, ranked, name=name), ranked.c.rank == 1


@dataclass(frozen=True)
class _DueColumns:
    """The due list as SQL: each admitted home with its last finalised visit, its first open
    visit, the next visit's due date and the status. Each visit is found by ranking the
    visits per home once (a hash join away from the homes), never by a lookup per home.
    Of every admitted home, or (`of_page`) of the homes PAGE_HOMES gives when it runs."""

    last: Any
    open: Any
    is_last: Any
    is_open: Any
    due_on: Any
    status: Any
    of_page: bool = False

    @classmethod
    def make(cls, today: date, of_page: bool = False) -> "_DueColumns":
        visits = Visit.care_home_id.in_(PAGE_HOMES) if of_page else true()
        last, is_last = _first_per_home(
            "last_visit",
            and_(Visit.state == VisitState.finalised, visits),
            Visit.visited_on.desc(),
            Visit.finalised_at.desc(),
            Visit.id.desc(),
        )
        open_visit, is_open = _first_per_home(
            "open_visit", and_(Visit.is_open, visits), Visit.planned_on, Visit.id
        )
        waiting = or_(last.id.is_(None), CareHome.id.not_in(passed_gate_visit_home_ids()))
        due_on = case((waiting, None), else_=last.next_visit_due_on)
        status = case(
            (waiting, INITIAL_NEEDED),
            (last.is_next_visit_overdue(today), OVERDUE),
            (last.is_next_visit_due_soon(today), DUE_SOON),
            else_=NOT_DUE,
        )
        return cls(last, open_visit, is_last, is_open, due_on, status, of_page)

    def joined(self, query: Select, *, with_open: bool = False) -> Select:
        """`query` (from CareHome) kept to admitted homes (or the page's), with the last
        visit joined (the status and due date read it) and, `with_open`, the open visit."""
        query = query.select_from(CareHome).outerjoin(
            self.last, and_(self.last.care_home_id == CareHome.id, self.is_last)
        )
        if with_open:
            query = query.outerjoin(
                self.open, and_(self.open.care_home_id == CareHome.id, self.is_open)
            )
        if self.of_page:
            # A page's homes were chosen from the admitted homes.
            return query.where(CareHome.id.in_(PAGE_HOMES))
        return query.where(CareHome.id.in_(admitted_home_ids()))

    @property
    def order(self) -> tuple:
        """Those waiting for an initial visit first, then by due date (overdue first)."""
        return (case((self.due_on.is_(None), 0), else_=1), self.due_on, CareHome.name, CareHome.id)

    def rows(self) -> Select:
        return self.joined(
            select(CareHome, self.last, self.open, self.due_on, self.status), with_open=True
        )


@functools.lru_cache(maxsize=8)
def _due_columns(today: date, of_page: bool = False) -> _DueColumns:
    """The due list's SQL for `today`, built once (SQL constructs do not change)."""
    return _DueColumns.make(today, of_page)


def _due_rows(columns: _DueColumns, query: Select, **params) -> list[DueRow]:
    loaded = query.options(joinedload(CareHome.provider), joinedload(columns.open.monitor))
    return [
        DueRow(home, due_on, status, last, open_visit)
        for home, last, open_visit, due_on, status in db.session.execute(loaded, params).all()
    ]


def visits_due(today: date, status: str | None = None) -> list[DueRow]:
    """Every admitted home with its next visit (of one status when given): first those
    waiting for an initial visit, then by due date (overdue first)."""
    columns = _due_columns(today)
    query = columns.rows()
    if status is not None:
        query = query.where(columns.status == status)
    return _due_rows(columns, query.order_by(*columns.order))


@dataclass(frozen=True)
class DuePage:
    page: Any  # the Flask-SQLAlchemy pagination, for the pagination macro
    rows: list[DueRow]


def visits_due_page(
    today: date,
    status: str | None = None,
    per_page: int = 50,
    counts: dict[str, int] | None = None,
) -> DuePage:
    """One page (`?page=`) of the due list, of one status when given: the page's homes are
    chosen in SQL, then their rows read, in a fixed number of queries. Its total comes from
    the counts (due_counts, read here unless given), not from another pass over the homes."""
    counts = counts if counts is not None else due_counts(today)
    columns = _due_columns(today)
    homes = columns.joined(select(CareHome.id))
    if status is not None:
        homes = homes.where(columns.status == status)
    page = db.paginate(
        homes.order_by(*columns.order), per_page=per_page, error_out=False, count=False
    )
    page.total = counts[status] if status is not None else sum(counts.values())
    ids = list(page.items)
    if not ids:
        return DuePage(page, [])
    of_page = _due_columns(today, of_page=True)
    rows = {row.home.id: row for row in _due_rows(of_page, of_page.rows(), **{PAGE_HOMES.key: ids})}
    return DuePage(page, [rows[home_id] for home_id in ids if home_id in rows])


def due_counts(today: date) -> dict[str, int]:
    """{status: admitted homes with it}, every status of DUE_FILTERS, in one query."""
    columns = _due_columns(today)
    counted = dict(
        db.session.execute(
            columns.joined(select(columns.status, func.count(CareHome.id))).group_by(columns.status)
        ).all()
    )
    return {status: counted.get(status, 0) for status in DUE_FILTERS.values()}


def overdue_and_unscheduled(today: date) -> list[DueRow]:
    """The admitted homes whose next visit is overdue and not yet scheduled (the due list's
    overdue rows without an open visit), asked of the database at once."""
    columns = _due_columns(today)
    query = columns.rows().where(columns.status == OVERDUE, columns.open.id.is_(None))
    return _due_rows(columns, query.order_by(columns.due_on, CareHome.name, CareHome.id))


def next_visit_of(home: CareHome, today: date) -> DueRow | None:
    """The home's row of the due list (None if it is not admitted): when its next visit is
    due (None while it waits for a satisfactory initial visit) and the first one scheduled.
    The visit report gives it."""
    columns = _due_columns(today)
    rows = _due_rows(columns, columns.rows().where(CareHome.id == home.id))
    return rows[0] if rows else None


def next_visit_types(today: date) -> dict[int, VisitType]:
    """{home id: the type of its next visit} for every admitted home, in one query, from the
    due list's columns: initial until a visit is finalised, follow-up after an unsatisfactory
    outcome, initial while the home has not passed its gate visit, else routine. The schedule
    page preselects it."""
    columns = _due_columns(today)
    next_type = case(
        (columns.last.id.is_(None), VisitType.initial.name),
        (columns.last.outcome == VisitOutcome.unsatisfactory, VisitType.follow_up.name),
        (columns.status == INITIAL_NEEDED, VisitType.initial.name),
        else_=VisitType.routine.name,
    )
    return {
        home_id: VisitType[name]
        for home_id, name in db.session.execute(columns.joined(select(CareHome.id, next_type)))
    }


# The visit lists.


def _list_loads() -> tuple:
    """What a list of visits shows of each visit, joined into the list's own statement, and
    only that (narrow rows are cheaper to join, sort and build; a template reading more fails
    in the tests)."""
    return (
        load_only(
            Visit.visit_type,
            Visit.state,
            Visit.is_announced,
            Visit.planned_on,
            Visit.planned_time,
            Visit.created_at,
            Visit.visited_on,
            Visit.outcome,
            Visit.monitor_id,
            raiseload=True,
        ),
        joinedload(Visit.care_home, innerjoin=True).load_only(CareHome.name, raiseload=True),
        joinedload(Visit.provider, innerjoin=True).load_only(
            ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
        ),
        joinedload(Visit.monitor, innerjoin=True).load_only(User.full_name, raiseload=True),
    )


# The open visits a monitor can narrow the list to (its own): key -> label.
OWN_VISIT_FILTERS = {
    "mine": "My visits",
    "this_week": "My visits this week",
    "drafts": "My visits being recorded",
}


def own_open_visit_condition(show: str, user: User, today: date):
    """SQL for an open visit of `user` that the filter `show` keeps: the home page counts
    with the same conditions the list filters with."""
    condition = and_(Visit.is_open, Visit.monitor_id == user.id)
    if show == "this_week":
        monday = today - timedelta(days=today.weekday())
        condition = and_(condition, Visit.planned_on.between(monday, monday + timedelta(days=6)))
    elif show == "drafts":
        condition = and_(condition, Visit.state == VisitState.in_progress)
    return condition


def _open_visits_query(
    user: User, *, mine_only: bool = False, show: str | None = None, today: date | None = None
) -> Select:
    query = select(Visit).where(Visit.is_open)
    if show in OWN_VISIT_FILTERS:
        query = query.where(own_open_visit_condition(show, user, today or clock.today_uk()))
    elif mine_only:
        query = query.where(Visit.monitor_id == user.id)
    mine_first = case((Visit.monitor_id == user.id, 0), else_=1)
    return query.options(*_list_loads()).order_by(mine_first, Visit.planned_on, Visit.id)


def open_visits(user: User, *, mine_only: bool = False) -> list[Visit]:
    """Scheduled and in-progress visits: the user's own first, then by planned date."""
    return list(db.session.scalars(_open_visits_query(user, mine_only=mine_only)))


def open_visits_page(
    user: User,
    *,
    mine_only: bool = False,
    per_page: int = 50,
    show: str | None = None,
    today: date | None = None,
):
    """One page (`?page=`) of the open visits, or of the user's own that `show` keeps."""
    return db.paginate(
        _open_visits_query(user, mine_only=mine_only, show=show, today=today),
        per_page=per_page,
        error_out=False,
    )


def recently_finalised(limit: int = 20) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.state == VisitState.finalised)
            .options(*_list_loads())
            .order_by(Visit.finalised_at.desc(), Visit.id.desc())
            .limit(limit)
        )
    )


# One visit.


@dataclass(frozen=True)
class SectionRow:
    section: VisitSection | PlannedSection
    status: str
    href: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """The item for govukTaskList."""
        item: dict[str, Any] = {"title": {"text": self.section.title}}
        if self.href:
            item["href"] = self.href
        rating = getattr(self.section, "rating", None)
        if rating is not None:
            item["hint"] = {"text": f"Rated {rating.value}"}
        if self.status == COMPLETED:
            item["status"] = {"text": COMPLETED}
        else:
            colour = "govuk-tag--light-blue" if self.status == IN_PROGRESS else "govuk-tag--blue"
            item["status"] = {"tag": {"text": self.status, "classes": colour}}
        return item


def section_status(section: VisitSection | PlannedSection) -> str:
    if getattr(section, "rating", None) is not None:
        return COMPLETED
    if getattr(section, "findings", ""):
        return IN_PROGRESS
    return NOT_STARTED


def planned_sections(visit: Visit) -> list[PlannedSection]:
    """The sections a visit without saved ones will be recorded in (shown, not saved)."""
    categories = admitted_categories(visit.care_home)
    template = visit.template or (
        current_visit_template(categories[0].framework) if categories else None
    )
    return sections_for(template, categories) if template else []


def unrated_sections(visit: Visit) -> list[VisitSection]:
    return [section for section in visit.sections if section.rating is None]


# The monitor's dashboard.


@dataclass(frozen=True)
class MonitorCounts:
    visits_this_week: int
    overdue_visits: int
    drafts_in_progress: int


def monitor_counts(user: User, today: date) -> MonitorCounts:
    """The monitor's home page counts in two aggregate queries: the monitor's own open
    visits this week and being recorded, and the admitted homes whose visit is overdue."""
    monday = today - timedelta(days=today.weekday())
    this_week = Visit.planned_on.between(monday, monday + timedelta(days=6))
    week, drafts = db.session.execute(
        select(
            func.coalesce(func.sum(case((this_week, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Visit.state == VisitState.in_progress, 1), else_=0)), 0),
        ).where(Visit.is_open, Visit.monitor_id == user.id)
    ).one()
    columns = _due_columns(today)
    overdue = db.session.scalar(
        columns.joined(select(func.count(CareHome.id))).where(columns.status == OVERDUE)
    )
    return MonitorCounts(
        visits_this_week=int(week), overdue_visits=overdue, drafts_in_progress=int(drafts)
    )
