"""Finalised visits with action plans, and the people of their organisation."""

from datetime import date

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.documents.storage import store_document
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome
from dps_portal.quality.models import (
    ActionPriority,
    ActionResponse,
    ActionState,
    SectionRating,
    Visit,
    VisitAction,
    VisitAddendum,
    VisitOutcome,
    VisitSection,
)
from tests.contracts.factories import make_visit
from tests.documents.samples import pdf_bytes
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user


def provider_user_with_home(**fields):
    user = make_provider_user(**fields)
    return user, make_home(user.provider, name=f"{user.provider.legal_name} House")


def make_finalised_visit(
    home: CareHome,
    *,
    outcome: VisitOutcome = VisitOutcome.satisfactory_with_actions,
    with_report: bool = True,
    **fields,
) -> Visit:
    """A finalised visit with two rated sections, a summary and (unless told not to) its
    report PDF stored for the provider."""
    visit = make_visit(home, outcome=outcome, **fields)
    visit.summary = "Warm, well-led home; medicines need attention."
    visit.sections = [
        VisitSection(
            key="safe",
            title="Safe",
            position=1,
            checks=["Medicines"],
            rating=SectionRating.requires_improvement,
            findings="Two MAR charts were unsigned.",
        ),
        VisitSection(
            key="caring",
            title="Caring",
            position=2,
            checks=["Dignity"],
            rating=SectionRating.good,
            findings="Residents spoke warmly of staff.",
        ),
    ]
    if with_report:
        report = store_document(
            pdf_bytes("Visit report"),
            original_filename=f"Visit report {home.name}.pdf",
            kind="visit_report",
            provider_id=home.provider_id,
        )
        visit.report_document_id = report.id
    db.session.flush()
    return visit


def make_action(
    visit: Visit,
    *,
    state: ActionState = ActionState.open,
    due_on: date = date(2026, 4, 1),
    description: str = "Sign every MAR chart at each round",
    responded_by=None,
) -> VisitAction:
    action = VisitAction(
        visit=visit,
        provider_id=visit.provider_id,
        description=description,
        priority=ActionPriority.high,
        due_on=due_on,
        state=state,
    )
    if state is ActionState.closed:
        action.closed_at = clock.now()
        action.closed_by_id = visit.monitor_id
    db.session.add(action)
    if state is not ActionState.open:
        responder = responded_by or make_user(Role.provider, provider=visit.provider)
        action.responses.append(
            ActionResponse(text="All MAR charts are now signed.", responded_by_id=responder.id)
        )
    db.session.flush()
    return action


def add_addendum(visit: Visit, text: str = "The date of the second MAR check was 2 March."):
    addendum = VisitAddendum(visit=visit, text=text, added_by_id=visit.monitor_id)
    db.session.add(addendum)
    db.session.flush()
    return addendum
