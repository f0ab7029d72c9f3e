"""Read models for visits: the due list from the risk-based frequency, the visit lists, a
visit's sections as a task list, and the counts on the monitor's dashboard."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from dps_portal.accounts.models import User
from dps_portal.accounts.queries import active_users_with_role
from dps_portal.contracts.eligibility import has_passed_initial_visit
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.admissions import admitted_categories, admitted_home_ids
from dps_portal.providers.models import CareHome
from dps_portal.quality.models import Visit, VisitSection, VisitState
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


# The due list.


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


def due_row(home: CareHome, today: date) -> DueRow:
    last = last_finalised_visit(home)
    open_visits = open_visits_of(home)
    open_visit = open_visits[0] if open_visits else None
    if not has_passed_initial_visit(home) or last is None:
        return DueRow(home, None, INITIAL_NEEDED, last, open_visit)
    if last.is_next_visit_overdue(today):
        status = OVERDUE
    elif last.is_next_visit_due_soon(today):
        status = DUE_SOON
    else:
        status = NOT_DUE
    return DueRow(home, last.next_visit_due_on, status, last, open_visit)


def visits_due(today: date) -> list[DueRow]:
    """Every admitted home with its next visit: first those waiting for an initial visit, then
    by due date (overdue first)."""
    rows = [due_row(home, today) for home in admitted_homes()]
    return sorted(
        rows,
        key=lambda row: (row.due_on is not None, row.due_on or today, row.home.name, row.home.id),
    )


def overdue_and_unscheduled(today: date) -> list[DueRow]:
    """The admitted homes whose next visit is overdue and not yet scheduled (the due list's
    overdue rows without an open visit), asked of the database at once."""
    ranked = (
        select(
            Visit.id,
            func.row_number()
            .over(
                partition_by=Visit.care_home_id,
                order_by=(Visit.visited_on.desc(), Visit.finalised_at.desc(), Visit.id.desc()),
            )
            .label("rank"),
        )
        .where(Visit.state == VisitState.finalised)
        .subquery()
    )
    open_visit = aliased(Visit)
    last_visits = db.session.scalars(
        select(Visit)
        .join(ranked, ranked.c.id == Visit.id)
        .join(CareHome, CareHome.id == Visit.care_home_id)
        .where(
            ranked.c.rank == 1,
            Visit.is_next_visit_overdue(today),
            Visit.care_home_id.in_(admitted_home_ids()),
            Visit.care_home_id.not_in(select(open_visit.care_home_id).where(open_visit.is_open)),
        )
        .order_by(Visit.next_visit_due_on, CareHome.name, CareHome.id)
    )
    return [
        DueRow(last.care_home, last.next_visit_due_on, OVERDUE, last, None)
        for last in last_visits
        if has_passed_initial_visit(last.care_home)
    ]


# The visit lists.


def open_visits(user: User, *, mine_only: bool = False) -> list[Visit]:
    """Scheduled and in-progress visits: the user's own first, then by planned date."""
    query = select(Visit).where(Visit.is_open)
    if mine_only:
        query = query.where(Visit.monitor_id == user.id)
    mine_first = case((Visit.monitor_id == user.id, 0), else_=1)
    return list(db.session.scalars(query.order_by(mine_first, Visit.planned_on, Visit.id)))


def recently_finalised(limit: int = 20) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.state == VisitState.finalised)
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
    monday = today - timedelta(days=today.weekday())
    mine = open_visits(user, mine_only=True)
    return MonitorCounts(
        visits_this_week=sum(
            1 for visit in mine if monday <= visit.planned_on <= monday + timedelta(days=6)
        ),
        overdue_visits=sum(1 for row in visits_due(today) if row.is_overdue),
        drafts_in_progress=sum(1 for visit in mine if visit.is_in_progress),
    )
