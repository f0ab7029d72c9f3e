"""Renewing evidence: a new item replaces the old one. Operations flush; the request commits."""

from datetime import date
from decimal import Decimal

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.money import format_gbp, to_money
from dps_portal.core.roles import Role
from dps_portal.core.states import lock
from dps_portal.documents.models import StoredDocument
from dps_portal.extensions import db
from dps_portal.notifications.emails import portal_path
from dps_portal.notifications.operations import tell_role
from dps_portal.providers.evidence import queries
from dps_portal.providers.models import EvidenceItem


def _summary(item: EvidenceItem) -> dict:
    return {
        "evidence_id": item.id,
        "kind": item.kind,
        "amount": item.amount,
        "expires_on": item.expires_on,
        "document_id": item.document_id,
    }


def renew_evidence(
    item: EvidenceItem,
    *,
    document: StoredDocument,
    expires_on: date,
    amount: Decimal | None = None,
    by: User,
    today: date | None = None,
) -> EvidenceItem:
    """Replace `item` with a new one (the new certificate, expiry date and, for insurance,
    cover); contracts officers are told. Answers the new item."""
    today = today or clock.today_uk()
    lock(item)
    if not item.is_current:
        raise OperationRefused(
            f"This {item.label.lower()} was already replaced on "
            f"{clock.format_date(item.replaced_at)}"
        )
    if document.provider_id != item.provider_id:
        raise OperationRefused("The document must belong to the organisation")
    if expires_on <= today:
        raise OperationRefused("The expiry date must be in the future")
    minimum = queries.minimum_for(item)
    if queries.has_amount(item):
        if amount is None:
            raise OperationRefused(f"Enter the amount of {item.label.lower()} cover")
        if minimum is not None and amount < minimum:
            raise OperationRefused(
                f"{item.label} must cover at least {format_gbp(minimum, pence=False)}"
            )
    now = clock.now()
    renewed = EvidenceItem(
        provider_id=item.provider_id,
        care_home_id=item.care_home_id,
        kind=item.kind,
        label=item.label,
        amount=to_money(amount) if amount is not None else None,
        expires_on=expires_on,
        document_id=document.id,
        source_application_id=item.source_application_id,
    )
    db.session.add(renewed)
    item.replaced_at = now
    db.session.flush()
    record_event(
        AuditAction.evidence_renewed,
        actor=by,
        subject=renewed,
        before=_summary(item),
        after=_summary(renewed),
    )
    provider = item.provider
    tell_role(
        Role.contracts_officer,
        f"{provider.display_name} renewed its {item.label.lower()}",
        f"It now expires on {clock.format_date(expires_on)}.",
        portal_path("evidence.provider_evidence", provider_id=provider.id),
        dedupe=f"evidence-renewed:{renewed.id}",
    )
    return renewed
