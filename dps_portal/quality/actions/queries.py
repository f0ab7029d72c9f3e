"""What the action-plan pages, the dashboards and the reminder jobs read.

A provider's reads start from its own organisation and see a visit only as
`Visit.is_visible_to_provider` allows (here as SQL: announced, or finalised). An action plan
is live once its visit is finalised; before that it is the monitor's draft."""

import functools
from dataclasses import dataclass
from datetime import date, time
from typing import Any, NamedTuple

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.orm import selectinload

from dps_portal.core.forms import id_from
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import (
    ActionState,
    Visit,
    VisitAction,
    VisitOutcome,
    VisitState,
    VisitType,
)

# Filters of the monitors' list: key -> label.
ACTION_VIEWS = {
    "live": "Waiting for verification or open",
    "awaiting_verification": "Waiting for verification",
    "open": "Open",
    "closed": "Closed",
}

# The kind of stored document a response's evidence is.
EVIDENCE_KIND = "action_evidence"


def visible_to_provider(provider_id: int) -> Select:
    """The provider's visits it may see (Visit.is_visible_to_provider)."""
    return select(Visit).where(Visit.provider_id == provider_id, Visit.is_visible_to_provider)


def visible_visit(provider_id: int, visit_id: int) -> Visit | None:
    return db.session.scalars(visible_to_provider(provider_id).where(Visit.id == visit_id)).first()


def live_actions() -> Select:
    """Actions of finalised visits: the plans the provider has been given."""
    return (
        select(VisitAction)
        .join(VisitAction.visit)
        .where(Visit.state == VisitState.finalised)
        .options(selectinload(VisitAction.visit).selectinload(Visit.care_home))
    )


def provider_action(provider_id: int, action_id: int) -> VisitAction | None:
    """One live action of the provider's own organisation (None for anyone else's)."""
    return db.session.scalars(
        live_actions().where(VisitAction.provider_id == provider_id, VisitAction.id == action_id)
    ).first()


def live_action(action_id: int) -> VisitAction | None:
    return db.session.scalars(live_actions().where(VisitAction.id == action_id)).first()


class PlannedVisit(NamedTuple):
    """An announced visit still to come, as the provider's list shows it."""

    id: int
    visit_type: VisitType
    planned_on: date
    planned_time: time | None
    home_name: str


class VisitReport(NamedTuple):
    """A finalised visit as the provider's list shows it, with its actions not yet closed."""

    id: int
    visit_type: VisitType
    visited_on: date
    outcome: VisitOutcome | None
    report_document_id: int | None
    home_name: str
    open_actions: int


@dataclass(frozen=True)
class ProviderVisits:
    planned: list[PlannedVisit]
    # One page of the visit reports (`?page=`): its items are VisitReport rows.
    page: Any

    @property
    def finalised(self) -> list[VisitReport]:
        return self.page.items


@dataclass(frozen=True)
class _ProviderVisitsSQL:
    """The statements of the provider's visits list, built once (building them and working out
    their cache keys cost as much as running them); `provider_id`, and the page's `limit` and
    `offset`, are parameters."""

    planned: Select
    reports: Select
    total: Select

    @classmethod
    def make(cls) -> "_ProviderVisitsSQL":
        visible = (Visit.provider_id == bindparam("provider_id"), Visit.is_visible_to_provider)
        finalised = (*visible, Visit.state == VisitState.finalised)
        planned = (
            select(Visit.id, Visit.visit_type, Visit.planned_on, Visit.planned_time, CareHome.name)
            .join(CareHome, CareHome.id == Visit.care_home_id)
            .where(*visible, Visit.is_open)
            .order_by(Visit.planned_on, Visit.id)
        )
        # The page is chosen from the visits alone; only its rows are joined to their homes
        # and have their open actions counted.
        page = (
            select(Visit.id, Visit.visited_on)
            .where(*finalised)
            .order_by(Visit.visited_on.desc(), Visit.id.desc())
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
            .subquery("page")
        )
        open_actions = (
            select(func.count())
            .where(VisitAction.visit_id == page.c.id, VisitAction.state != ActionState.closed)
            .scalar_subquery()
        )
        reports = (
            select(
                Visit.id,
                Visit.visit_type,
                Visit.visited_on,
                Visit.outcome,
                Visit.report_document_id,
                CareHome.name,
                open_actions,
            )
            .join(page, page.c.id == Visit.id)
            .join(CareHome, CareHome.id == Visit.care_home_id)
            .order_by(page.c.visited_on.desc(), page.c.id.desc())
        )
        return cls(planned, reports, select(func.count(Visit.id)).where(*finalised))


@functools.cache
def _provider_visits_sql() -> _ProviderVisitsSQL:
    return _ProviderVisitsSQL.make()


class _VisitReportsPagination(Pagination):
    """A page of the provider's visit reports, as VisitReport rows."""

    def _query_items(self) -> list[VisitReport]:
        params = {
            "provider_id": self._query_args["provider_id"],
            "limit": self.per_page,
            "offset": self._query_offset,
        }
        rows = db.session.execute(_provider_visits_sql().reports, params)
        return [VisitReport(*row) for row in rows]

    def _query_count(self) -> int:
        return db.session.scalar(
            _provider_visits_sql().total, {"provider_id": self._query_args["provider_id"]}
        )


def provider_visits(provider_id: int, per_page: int = 50) -> ProviderVisits:
    """The provider's announced visits still to come, and one page of its finalised visits
    (newest first) with the number of actions not yet closed: plain rows of what the list
    shows."""
    planned = db.session.execute(_provider_visits_sql().planned, {"provider_id": provider_id})
    return ProviderVisits(
        planned=[PlannedVisit(*row) for row in planned],
        page=_VisitReportsPagination(provider_id=provider_id, per_page=per_page, error_out=False),
    )


def is_to_answer():
    """SQL for an action (joined to its visit) waiting for its provider's response: live, and
    not answered yet. An answered action waits for the monitor, not for the provider."""
    return and_(Visit.state == VisitState.finalised, VisitAction.state == ActionState.open)


def actions_to_answer(provider_id: int) -> int:
    """The provider's live actions waiting for its response."""
    return db.session.scalar(
        select(func.count(VisitAction.id))
        .join(VisitAction.visit)
        .where(VisitAction.provider_id == provider_id, is_to_answer())
    )


def own_actions_to_answer(provider_id: int, per_page: int = 50):
    """One page (`?page=`) of the provider's actions waiting for its response, soonest due
    first, each with its visit and home."""
    return db.paginate(
        live_actions()
        .where(VisitAction.provider_id == provider_id, is_to_answer())
        .order_by(VisitAction.due_on, VisitAction.id),
        per_page=per_page,
        error_out=False,
    )


def actions_awaiting_verification() -> int:
    return db.session.scalar(
        select(func.count(VisitAction.id))
        .join(VisitAction.visit)
        .where(
            Visit.state == VisitState.finalised,
            VisitAction.state == ActionState.awaiting_verification,
        )
    )


_NOT_FINALISED = [state for state in VisitState if state is not VisitState.finalised]


def of_finalised_visit():
    """SQL for an action whose visit is finalised, asked as "its visit is in none of the other
    states": PostgreSQL then reads the few visits not finalised by their state's index instead
    of every finalised visit of the county."""
    return ~(
        select(Visit.id)
        .where(Visit.id == VisitAction.visit_id, Visit.state.in_(_NOT_FINALISED))
        .exists()
    )


def _council_order(view: str, action) -> tuple:
    """The list's order, of the actions' table or of a page of it (a subquery)."""
    if view == "closed":
        return (action.closed_at.desc(), action.id.desc())
    waiting_first = case((action.state == ActionState.awaiting_verification, 0), else_=1)
    return (waiting_first, action.due_on, action.id)


class _PageFirst(SelectPagination):
    """A page whose rows are chosen (filtered, ordered, limited) before the rows they show are
    joined to them: `select` is the ordered list, `shown(page)` reads a page of it (a
    subquery) with what the template shows, as rows."""

    def _query_items(self) -> list:
        page = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        shown = self._query_args["shown"](page.subquery())
        return list(self._query_args["session"].execute(shown).all())


def council_actions(view: str, total: int, today: date, per_page: int = 50):
    """One page (`?page=`) of the monitors' list: waiting for verification first, then
    open, soonest due first; rows of the columns the list shows, with the action's home and
    provider, in one statement. `total` is the view's count from `action_counts`."""
    chosen = select(
        VisitAction.id,
        VisitAction.visit_id,
        VisitAction.description,
        VisitAction.priority,
        VisitAction.due_on,
        VisitAction.state,
        VisitAction.closed_at,
        VisitAction.is_overdue(today).label("is_overdue"),
    ).where(of_finalised_visit())
    if view == "live":
        chosen = chosen.where(VisitAction.state != ActionState.closed)
    else:
        chosen = chosen.where(VisitAction.state == ActionState[view])
    chosen = chosen.order_by(*_council_order(view, VisitAction))

    def shown(page):
        return (
            select(
                page,
                CareHome.name.label("home_name"),
                ProviderOrganisation.display_name.label("provider_name"),
            )
            .join(Visit, Visit.id == page.c.visit_id)
            .join(CareHome, CareHome.id == Visit.care_home_id)
            .join(ProviderOrganisation, ProviderOrganisation.id == Visit.provider_id)
            .order_by(*_council_order(view, page.c))
        )

    actions_page = _PageFirst(
        select=chosen,
        shown=shown,
        session=db.session,
        per_page=per_page,
        error_out=False,
        count=False,
    )
    actions_page.total = total
    return actions_page


def action_counts() -> dict[str, int]:
    rows = dict(
        db.session.execute(
            select(VisitAction.state, func.count())
            .where(of_finalised_visit())
            .group_by(VisitAction.state)
        ).all()
    )
    counts = {state.name: rows.get(state, 0) for state in ActionState}
    counts["live"] = counts["open"] + counts["awaiting_verification"]
    return counts


def actions_to_remind(today: date) -> list[VisitAction]:
    """Live actions still waiting for the provider's response that are due soon or overdue."""
    return list(
        db.session.scalars(
            live_actions()
            .where(VisitAction.is_reminder_due(today))
            .order_by(VisitAction.due_on, VisitAction.id)
        )
    )


def own_evidence(provider_id: int, document_id) -> StoredDocument | None:
    """Evidence already uploaded by the provider, named by a hidden field; None otherwise."""
    document_id = id_from(document_id)
    if document_id is None:
        return None
    return db.session.scalars(
        select(StoredDocument).where(
            StoredDocument.id == document_id,
            StoredDocument.provider_id == provider_id,
            StoredDocument.kind == EVIDENCE_KIND,
        )
    ).first()
