"""Reads for the evidence pages and the reminders. Whether an item has expired, and what that
means for placements, is the contract gate's to say (dps_portal/contracts/eligibility.py)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from dps_portal.contracts.eligibility import Barrier, homes_eligibility
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.onboarding.admissions import admitted_home_ids
from dps_portal.onboarding.models import Application
from dps_portal.onboarding.question_sets import current_question_set, definition_of
from dps_portal.providers.models import CareHome, EvidenceItem

PAGE_SIZE = 50


# The filter of a provider's evidence: key -> label.
FILTERS = {"renew": "Expired or expiring"}


def current_items_query(
    provider_id: int, show: str | None = None, today: date | None = None
) -> Select:
    """The provider's evidence not replaced by a newer item, soonest to expire first, with
    its document loaded; `show="renew"` only the items expired or expiring within
    EXPIRY_WARNING_DAYS (what providers are reminded of)."""
    query = (
        select(EvidenceItem)
        .options(selectinload(EvidenceItem.document))
        .where(EvidenceItem.provider_id == provider_id, EvidenceItem.is_current)
        .order_by(EvidenceItem.expires_on, EvidenceItem.label, EvidenceItem.id)
    )
    if show == "renew":
        query = query.where(EvidenceItem.is_due_for_renewal(today))
    return query


@dataclass(frozen=True)
class ExpiryTag:
    text: str
    colour: str


def expiry_tag(item: EvidenceItem, today: date) -> ExpiryTag | None:
    """'Expired' (red) or 'Expires in 12 days' (yellow) within EXPIRY_WARNING_DAYS; None
    otherwise."""
    if item.expires_on is None:
        return None
    if item.is_expired(today):
        return ExpiryTag("Expired", "red")
    if not item.is_expiring(today):
        return None
    days_left = (item.expires_on - today).days
    if days_left == 0:
        return ExpiryTag("Expires today", "yellow")
    return ExpiryTag(f"Expires in {days_left} day{'' if days_left == 1 else 's'}", "yellow")


def minimum_for(item: EvidenceItem) -> Decimal | None:
    """The least cover the council accepts for this kind of insurance: the minimum of the
    selection questionnaire's question that made it (or of the current questionnaire)."""
    question_set = None
    if item.source_application_id is not None:
        application = db.session.get(Application, item.source_application_id)
        question_set = application.question_set if application else None
    if question_set is None:
        framework = current_framework()
        question_set = current_question_set(framework) if framework else None
    if question_set is None:
        return None
    for _section, question in definition_of(question_set).questions():
        if question.evidence_kind == item.kind and question.minimum is not None:
            return question.minimum
    return None


def has_amount(item: EvidenceItem) -> bool:
    """Whether the kind of evidence states an amount (insurance cover)."""
    return item.amount is not None or minimum_for(item) is not None


def homes_stopped_by(item: EvidenceItem, today: date) -> list[CareHome]:
    """The admitted homes the gate now keeps from placements because this item expired."""
    query = (
        select(CareHome)
        .where(CareHome.provider_id == item.provider_id, CareHome.id.in_(admitted_home_ids()))
        .order_by(CareHome.name, CareHome.id)
    )
    if item.care_home_id is not None:
        query = query.where(CareHome.id == item.care_home_id)
    homes = db.session.scalars(query).all()
    answers = homes_eligibility(homes, today)
    return [
        home
        for home in homes
        if any(
            reason.barrier is Barrier.evidence_expired and reason.text.startswith(item.label)
            for result in answers[home.id]
            for reason in result.reasons
        )
    ]


def items_to_remind(today: date) -> list[EvidenceItem]:
    """Current items expiring within EXPIRY_WARNING_DAYS or already expired."""
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.is_current, EvidenceItem.is_due_for_renewal(today))
            .order_by(EvidenceItem.expires_on, EvidenceItem.id)
        )
    )
