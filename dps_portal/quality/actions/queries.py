"""What the action-plan pages, the dashboards and the reminder jobs read.

A provider's reads start from its own organisation and see a visit only as
`Visit.is_visible_to_provider` allows (here as SQL: announced, or finalised). An action plan
is live once its visit is finalised; before that it is the monitor's draft."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import contains_eager, load_only, selectinload

from dps_portal.core.forms import id_from
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import ActionState, Visit, VisitAction, VisitState

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


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    open_actions: int


@dataclass(frozen=True)
class ProviderVisits:
    planned: list[Visit]
    finalised: list[VisitRow]
    # The finalised visits' pagination (`?page=`), for the pagination macro.
    page: Any = None


def provider_visits(provider_id: int, per_page: int = 50) -> ProviderVisits:
    """The provider's announced visits still to come, and one page of its finalised visits
    (newest first) with the number of actions not yet closed."""
    visible = visible_to_provider(provider_id).options(selectinload(Visit.care_home))
    planned = db.session.scalars(
        visible.where(Visit.is_open).order_by(Visit.planned_on, Visit.id)
    ).all()
    page = db.paginate(
        visible.where(Visit.state == VisitState.finalised).order_by(
            Visit.visited_on.desc(), Visit.id.desc()
        ),
        per_page=per_page,
        error_out=False,
    )
    open_counts = (
        dict(
            db.session.execute(
                select(VisitAction.visit_id, func.count(VisitAction.id))
                .where(
                    VisitAction.visit_id.in_([visit.id for visit in page.items]),
                    VisitAction.state != ActionState.closed,
                )
                .group_by(VisitAction.visit_id)
            ).all()
        )
        if page.items
        else {}
    )
    return ProviderVisits(
        planned=list(planned),
        finalised=[VisitRow(visit, open_counts.get(visit.id, 0)) for visit in page.items],
        page=page,
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


def council_actions(view: str, total: int, per_page: int = 50):
    """One page (`?page=`) of the monitors' list: waiting for verification first, then
    open, soonest due first. Each action comes with its visit, home and provider in the
    same statement; `total` is the view's count from `action_counts`."""
    visit = contains_eager(VisitAction.visit)
    query = (
        select(VisitAction)
        .join(VisitAction.visit)
        .where(Visit.state == VisitState.finalised)
        .options(
            # Only what the list shows (a template reading more fails in the tests).
            load_only(
                VisitAction.description,
                VisitAction.priority,
                VisitAction.due_on,
                VisitAction.state,
                raiseload=True,
            ),
            visit.load_only(Visit.care_home_id, Visit.provider_id, raiseload=True),
            visit.joinedload(Visit.care_home).load_only(CareHome.name, raiseload=True),
            visit.joinedload(Visit.provider).load_only(
                ProviderOrganisation.legal_name, ProviderOrganisation.trading_name, raiseload=True
            ),
        )
    )
    if view == "live":
        query = query.where(VisitAction.state != ActionState.closed)
    else:
        query = query.where(VisitAction.state == ActionState[view])
    waiting_first = case((VisitAction.state == ActionState.awaiting_verification, 0), else_=1)
    if view == "closed":
        order = (VisitAction.closed_at.desc(), VisitAction.id.desc())
    else:
        order = (waiting_first, VisitAction.due_on, VisitAction.id)
    actions_page = db.paginate(
        query.order_by(*order), per_page=per_page, error_out=False, count=False
    )
    actions_page.total = total
    return actions_page


def action_counts() -> dict[str, int]:
    rows = dict(
        db.session.execute(
            select(VisitAction.state, func.count())
            .join(VisitAction.visit)
            .where(Visit.state == VisitState.finalised)
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
