from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.clock import start_of_uk_day
from dps_portal.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class EventFilter:
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    actor: str = ""
    from_date: date | None = None
    to_date: date | None = None


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def filtered_events(criteria: EventFilter, page: int = 1) -> EventPage:
    query = select(AuditEvent)
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.subject_type:
        query = query.where(AuditEvent.subject_type == criteria.subject_type)
    if criteria.subject_id:
        query = query.where(AuditEvent.subject_id == criteria.subject_id)
    if criteria.actor:
        query = query.where(AuditEvent.actor_label.contains(criteria.actor.strip().lower()))
    if criteria.from_date:
        query = query.where(AuditEvent.occurred_at >= start_of_uk_day(criteria.from_date))
    if criteria.to_date:
        query = query.where(
            AuditEvent.occurred_at < start_of_uk_day(criteria.to_date + timedelta(days=1))
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    events = db.session.scalars(
        query.order_by(AuditEvent.sequence.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return EventPage(events=list(events), total=total, page=page, pages=pages)


def known_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def known_subject_types() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
        )
    )
