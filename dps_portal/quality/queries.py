"""Read models for visits: the due list from the risk-based frequency, the visit lists, a
visit's sections as a task list, and the counts on the monitor's dashboard."""

import functools
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, NamedTuple

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload

from dps_portal.accounts.models import User
from dps_portal.accounts.queries import active_users_with_role
from dps_portal.contracts.eligibility import passed_gate_visit_home_ids
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.admissions import admitted_categories, admitted_home_ids
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import (
    Visit,
    VisitAddendum,
    VisitOutcome,
    VisitSection,
    VisitState,
    VisitType,
)
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


# The homes whose rows are read (a page of the due list, or the homes a query chose).
ROW_HOMES = bindparam("due_list_homes", expanding=True)

LAST_VISIT_ORDER = (Visit.visited_on.desc(), Visit.finalised_at.desc(), Visit.id.desc())


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


def _last_finalised_visits(dialect: str):
    """Each home's last finalised visit, with only what its due date needs (id, visited_on,
    outcome): read in the order of ix_quality_visit_last_finalised, with DISTINCT ON where
    PostgreSQL has it (less than half the cost of ranking 8,000 visits), else by ranking."""
    columns = (Visit.care_home_id, Visit.id, Visit.visited_on, Visit.outcome)
    # Written into the SQL, not sent as a parameter: once psycopg prepares the statement,
    # PostgreSQL's generic plan could not know that the partial index applies.
    finalised = Visit.state == bindparam(
        "finalised", VisitState.finalised, type_=Visit.state.type, literal_execute=True
    )
    if dialect == "postgresql":
        return (
            select(*columns)
            .where(finalised)
            .distinct(Visit.care_home_id)
            .order_by(Visit.care_home_id, *LAST_VISIT_ORDER)
            .subquery("last_visit")
        )
    ranked = select(
        *columns,
        func.row_number()
        .over(partition_by=Visit.care_home_id, order_by=LAST_VISIT_ORDER)
        .label("rank"),
    ).where(finalised)
    ranked = ranked.subquery("ranked")
    return (
        select(*(ranked.c[column.key] for column in columns))
        .where(ranked.c.rank == 1)
        .subquery("last_visit")
    )


@dataclass(frozen=True, eq=False)  # Hashed by identity: a key of the caches below.
class _DueSQL:
    """The due list as SQL: `due` has a row per admitted home (home_id, last_visit_id,
    last_outcome, due_on, status), from each home's last finalised visit and whether it has
    passed its gate visit, both joined by hash (never a lookup per home, nor a subquery
    evaluated per mention); `order` is the list's order, on `due` joined to CareHome."""

    due: Any
    order: tuple

    @classmethod
    def make(cls, today: date, dialect: str) -> "_DueSQL":
        homes = admitted_home_ids().subquery("admitted")
        home_id = homes.c.care_home_id
        last = aliased(Visit, _last_finalised_visits(dialect), name="last_visit")
        passed = passed_gate_visit_home_ids().distinct().subquery("passed_gate")
        waiting = or_(last.id.is_(None), passed.c.care_home_id.is_(None))
        status = case(
            (waiting, INITIAL_NEEDED),
            (last.is_next_visit_overdue(today), OVERDUE),
            (last.is_next_visit_due_soon(today), DUE_SOON),
            else_=NOT_DUE,
        )
        due = (
            select(
                home_id.label("home_id"),
                last.id.label("last_visit_id"),
                last.outcome.label("last_outcome"),
                case((waiting, None), else_=last.next_visit_due_on).label("due_on"),
                status.label("status"),
            )
            .select_from(homes)
            .outerjoin(last, last.care_home_id == home_id)
            .outerjoin(passed, passed.c.care_home_id == home_id)
            .subquery("due")
        )
        return cls(due, cls.ordered(due.c.due_on, CareHome.name, CareHome.id))

    @staticmethod
    def ordered(due_on, name, home_id) -> tuple:
        """Those waiting for an initial visit first, then by due date (overdue first)."""
        return (case((due_on.is_(None), 0), else_=1), due_on, name, home_id)

    def homes(self, *where) -> Select:
        """SELECT home_id, due_on, status of the admitted homes `where` keeps, in order."""
        due = self.due
        return (
            select(due.c.home_id, due.c.due_on, due.c.status)
            .join(CareHome, CareHome.id == due.c.home_id)
            .where(*where)
            .order_by(*self.order)
        )


@functools.lru_cache(maxsize=8)
def _due_sql_of(today: date, dialect: str) -> _DueSQL:
    """Built once a day (SQL constructs do not change, and building them costs a page)."""
    return _DueSQL.make(today, dialect)


def _due_sql(today: date) -> _DueSQL:
    return _due_sql_of(today, db.session.get_bind().dialect.name)


@functools.lru_cache(maxsize=2)
def _rows_of_homes(shown_only: bool = False) -> Select:
    """SELECT each of the ROW_HOMES with its last finalised and first open visit (the
    visits ranked among those homes' own), its provider and the open visit's monitor;
    `shown_only`: only what the due list's page shows of them (narrow rows build faster; a
    template reading more fails in the tests)."""
    of_homes = Visit.care_home_id.in_(ROW_HOMES)
    last, is_last = _first_per_home(
        "last_visit", and_(Visit.state == VisitState.finalised, of_homes), *LAST_VISIT_ORDER
    )
    open_visit, is_open = _first_per_home(
        "open_visit", and_(Visit.is_open, of_homes), Visit.planned_on, Visit.id
    )
    provider, monitor = joinedload(CareHome.provider), joinedload(open_visit.monitor)
    if shown_only:
        loads = (
            load_only(CareHome.name, raiseload=True),
            provider.load_only(
                ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
            ),
            load_only(last.visit_type, last.visited_on, last.outcome, raiseload=True),
            load_only(
                open_visit.visit_type,
                open_visit.planned_on,
                open_visit.planned_time,
                raiseload=True,
            ),
            monitor.load_only(User.full_name, raiseload=True),
        )
    else:
        loads = (provider, monitor)
    return (
        select(CareHome, last, open_visit)
        .outerjoin(last, and_(last.care_home_id == CareHome.id, is_last))
        .outerjoin(open_visit, and_(open_visit.care_home_id == CareHome.id, is_open))
        .where(CareHome.id.in_(ROW_HOMES))
        .options(*loads)
    )


def _due_rows(chosen, *, shown_only: bool = False) -> list[DueRow]:
    """The due list's rows of the `chosen` (home id, due_on, status), in their order: the
    homes and their visits read in one more statement, whatever their number."""
    chosen = list(chosen)
    if not chosen:
        return []
    loaded = {
        home.id: (home, last, open_visit)
        for home, last, open_visit in db.session.execute(
            _rows_of_homes(shown_only), {ROW_HOMES.key: [home_id for home_id, _, _ in chosen]}
        )
    }
    return [
        DueRow(loaded[home_id][0], due_on, status, *loaded[home_id][1:])
        for home_id, due_on, status in chosen
    ]


def visits_due(today: date, status: str | None = None) -> list[DueRow]:
    """Every admitted home with its next visit (of one status when given): first those
    waiting for an initial visit, then by due date (overdue first)."""
    sql = _due_sql(today)
    where = () if status is None else (sql.due.c.status == status,)
    return _due_rows(db.session.execute(sql.homes(*where)))


@dataclass(frozen=True)
class DuePage:
    page: Any  # the Flask-SQLAlchemy pagination, for the pagination macro
    rows: list[DueRow]
    counts: dict[str, int]  # {status: admitted homes with it}, every status of DUE_FILTERS


# A page of the due list: its size, its offset and (when filtered) its status.
PAGE_SIZE = bindparam("due_list_page_size")
PAGE_OFFSET = bindparam("due_list_page_offset")
PAGE_STATUS = bindparam("due_list_page_status")


@functools.lru_cache(maxsize=8)
def _counts_and_page(sql: _DueSQL, filtered: bool) -> Select:
    """SELECT the due list's counts by status (rows without a home) and one page of its
    homes (of PAGE_STATUS when `filtered`), the page's in the list's order: the list is
    worked out once (a CTE), then counted and paged."""
    due = select(sql.due, CareHome.name).join(CareHome, CareHome.id == sql.due.c.home_id)
    due = due.cte("due_list")
    page = select(
        due.c.status,
        cast(null(), Integer).label("homes"),
        due.c.home_id,
        due.c.due_on,
        due.c.name,
    )
    if filtered:
        page = page.where(due.c.status == PAGE_STATUS)
    page = page.order_by(*_DueSQL.ordered(due.c.due_on, due.c.name, due.c.home_id))
    counts = select(
        due.c.status,
        func.count().label("homes"),
        cast(null(), due.c.home_id.type),
        cast(null(), due.c.due_on.type),
        cast(null(), due.c.name.type),
    ).group_by(due.c.status)
    both = union_all(
        select(page.limit(PAGE_SIZE).offset(PAGE_OFFSET).subquery()), counts
    ).subquery()
    return select(both).order_by(*_DueSQL.ordered(both.c.due_on, both.c.name, both.c.home_id))


class _DuePagination(Pagination):
    """A page of the due list and the list's counts by status, in one statement. Items:
    (home id, due_on, status); `counts`: as due_counts gives."""

    def _query_items(self) -> list:
        status = self._query_args["status"]
        rows = db.session.execute(
            _counts_and_page(self._query_args["sql"], status is not None),
            {
                PAGE_SIZE.key: self.per_page,
                PAGE_OFFSET.key: self._query_offset,
                PAGE_STATUS.key: status,
            },
        ).all()
        counted = {row.status: row.homes for row in rows if row.home_id is None}
        self.counts = {key: counted.get(key, 0) for key in DUE_FILTERS.values()}
        return [(row.home_id, row.due_on, row.status) for row in rows if row.home_id is not None]

    def _query_count(self) -> int:
        status = self._query_args["status"]
        return self.counts[status] if status is not None else sum(self.counts.values())


def visits_due_page(today: date, status: str | None = None, per_page: int = 50) -> DuePage:
    """One page (`?page=`) of the due list, of one status when given, with the list's counts
    by status: the counts and the page's homes in one statement, their rows in one more."""
    page = _DuePagination(sql=_due_sql(today), status=status, per_page=per_page, error_out=False)
    return DuePage(page, _due_rows(page.items, shown_only=True), page.counts)


def due_counts(today: date) -> dict[str, int]:
    """{status: admitted homes with it}, every status of DUE_FILTERS, in one query."""
    due = _due_sql(today).due
    counted = dict(
        db.session.execute(select(due.c.status, func.count()).group_by(due.c.status)).all()
    )
    return {status: counted.get(status, 0) for status in DUE_FILTERS.values()}


def overdue_and_unscheduled(today: date) -> list[DueRow]:
    """The admitted homes whose next visit is overdue and not yet scheduled (the due list's
    overdue rows without an open visit), asked of the database at once."""
    sql = _due_sql(today)
    scheduled = select(Visit.care_home_id).where(Visit.is_open)
    query = sql.homes(sql.due.c.status == OVERDUE, sql.due.c.home_id.not_in(scheduled))
    return _due_rows(db.session.execute(query))


def next_visit_of(home: CareHome, today: date) -> DueRow | None:
    """The home's row of the due list (None if it is not admitted): when its next visit is
    due (None while it waits for a satisfactory initial visit) and the first one scheduled.
    The visit report gives it."""
    sql = _due_sql(today)
    rows = _due_rows(db.session.execute(sql.homes(sql.due.c.home_id == home.id)))
    return rows[0] if rows else None


def next_visit_types(today: date) -> dict[int, VisitType]:
    """{home id: the type of its next visit} for every admitted home, in one query, from the
    due list: initial until a visit is finalised, follow-up after an unsatisfactory
    outcome, initial while the home has not passed its gate visit, else routine. The
    schedule page preselects it."""
    due = _due_sql(today).due
    next_type = case(
        (due.c.last_visit_id.is_(None), VisitType.initial.name),
        (due.c.last_outcome == VisitOutcome.unsatisfactory, VisitType.follow_up.name),
        (due.c.status == INITIAL_NEEDED, VisitType.initial.name),
        else_=VisitType.routine.name,
    )
    return {
        home_id: VisitType[name]
        for home_id, name in db.session.execute(select(due.c.home_id, next_type))
    }


# The visit lists.


class ListedVisit(NamedTuple):
    """A visit as the visit lists show it: its own columns and the names of its home,
    provider and monitor, read as plain rows (a list of ORM objects, each with its home,
    provider and monitor, cost four times as much to build)."""

    id: int
    visit_type: VisitType
    state: VisitState
    is_announced: bool
    planned_on: date
    planned_time: time | None
    visited_on: date | None
    outcome: VisitOutcome | None
    monitor_id: int
    home_name: str
    provider_name: str
    monitor_name: str


def _listed_visits() -> Select:
    return (
        select(
            Visit.id,
            Visit.visit_type,
            Visit.state,
            Visit.is_announced,
            Visit.planned_on,
            Visit.planned_time,
            Visit.visited_on,
            Visit.outcome,
            Visit.monitor_id,
            CareHome.name,
            ProviderOrganisation.display_name,
            User.full_name,
        )
        .join(CareHome, CareHome.id == Visit.care_home_id)
        .join(ProviderOrganisation, ProviderOrganisation.id == Visit.provider_id)
        .join(User, User.id == Visit.monitor_id)
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


def _open_visits_chosen(
    user: User, *, mine_only: bool = False, show: str | None = None, today: date | None = None
) -> Select:
    """SELECT the ids of the open visits the list keeps, the user's own first, then by
    planned date, with each one's `position` in that order."""
    query = select(Visit.id).where(Visit.is_open)
    if show in OWN_VISIT_FILTERS:
        query = query.where(own_open_visit_condition(show, user, today or clock.today_uk()))
    elif mine_only:
        query = query.where(Visit.monitor_id == user.id)
    order = (case((Visit.monitor_id == user.id, 0), else_=1), Visit.planned_on, Visit.id)
    return query.add_columns(func.row_number().over(order_by=order).label("position")).order_by(
        *order
    )


def _listed(chosen) -> list[ListedVisit]:
    """The visits `chosen` (a subquery of ids and positions), with their names, in order."""
    query = _listed_visits().join(chosen, chosen.c.id == Visit.id).order_by(chosen.c.position)
    return [ListedVisit(*row) for row in db.session.execute(query)]


class _ListedVisitsPagination(Pagination):
    """A page of visits chosen from the visits alone and only then joined to their homes,
    providers and monitors (joining a county's 1,200 open visits before the LIMIT cost four
    times as much), the total counted from the visits alone too."""

    def _query_items(self) -> list:
        chosen = self._query_args["chosen"]
        return _listed(chosen.limit(self.per_page).offset(self._query_offset).subquery())

    def _query_count(self) -> int:
        chosen = self._query_args["chosen"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(chosen))


def open_visits(user: User, *, mine_only: bool = False) -> list[ListedVisit]:
    """Scheduled and in-progress visits: the user's own first, then by planned date."""
    return _listed(_open_visits_chosen(user, mine_only=mine_only).subquery())


def open_visits_page(
    user: User,
    *,
    mine_only: bool = False,
    per_page: int = 50,
    show: str | None = None,
    today: date | None = None,
):
    """One page (`?page=`) of the open visits, or of the user's own that `show` keeps."""
    return _ListedVisitsPagination(
        chosen=_open_visits_chosen(user, mine_only=mine_only, show=show, today=today),
        per_page=per_page,
        error_out=False,
    )


def recently_finalised(limit: int = 20) -> list[ListedVisit]:
    query = (
        _listed_visits()
        .where(Visit.state == VisitState.finalised)
        .order_by(Visit.finalised_at.desc(), Visit.id.desc())
        .limit(limit)
    )
    return [ListedVisit(*row) for row in db.session.execute(query)]


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


def visit_for_page(visit_id: int) -> Visit | None:
    """The visit with everything its page shows: its home, provider, monitor, who finalised
    it and the visit it follows up joined into its own statement, its sections, actions and
    addenda (with who added each) in one statement each."""
    follows_up = aliased(Visit)
    return db.session.scalars(
        select(Visit)
        .where(Visit.id == visit_id)
        .options(
            joinedload(Visit.care_home, innerjoin=True),
            joinedload(Visit.provider, innerjoin=True),
            joinedload(Visit.monitor, innerjoin=True),
            joinedload(Visit.finalised_by),
            joinedload(Visit.follow_up_of.of_type(follows_up)),
            selectinload(Visit.sections),
            selectinload(Visit.actions),
            selectinload(Visit.addenda).joinedload(VisitAddendum.added_by, innerjoin=True),
        )
    ).one_or_none()


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
    due = _due_sql(today).due
    overdue = db.session.scalar(select(func.count()).where(due.c.status == OVERDUE))
    return MonitorCounts(
        visits_this_week=int(week), overdue_visits=overdue, drafts_in_progress=int(drafts)
    )
