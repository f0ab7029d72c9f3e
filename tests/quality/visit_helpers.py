"""Visits scheduled through the operations, to admitted homes, and the people around them."""

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.roles import Role
from dps_portal.documents.storage import read_document
from dps_portal.extensions import db
from dps_portal.notifications.models import Notification
from dps_portal.quality import operations
from dps_portal.quality.models import ActionPriority, SectionRating, Visit, VisitType
from tests.contracts.factories import admit_home
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user


def admitted_home(*codes: str, provider=None):
    return admit_home(make_home(provider), *(codes or ("MH",)))


def scheduled_visit(
    *codes: str,
    monitor=None,
    visit_type: VisitType = VisitType.initial,
    planned_on: date = date(2026, 3, 10),
    is_announced: bool = True,
    with_provider_user: bool = True,
) -> Visit:
    home = admitted_home(*codes)
    if with_provider_user:
        make_provider_user(home.provider)
    monitor = monitor or make_user(Role.quality_monitor)
    return operations.schedule_visit(
        home,
        visit_type=visit_type,
        monitor=monitor,
        planned_on=planned_on,
        is_announced=is_announced,
        by=make_user(Role.contracts_officer),
    )


def rate_all(visit: Visit, rating: SectionRating = SectionRating.good) -> None:
    for section in visit.sections:
        operations.save_section(
            visit,
            section.key,
            rating=rating,
            findings=f"Findings for {section.title}.",
            by=visit.monitor,
        )


def plan_action(visit: Visit, description: str = "Sign every MAR chart") -> None:
    operations.add_action(
        visit,
        description=description,
        priority=ActionPriority.high,
        due_on=date(2026, 4, 30),
        by=visit.monitor,
    )


def pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(read_document(document)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)))


def notifications_of(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )
