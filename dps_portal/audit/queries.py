"""Reads for the audit trail page, built for hundreds of thousands of events: the filter
choices come from the code (never DISTINCT over the table), the actor is an exact match (an
index serves it), pages are found by sequence number (never OFFSET) and the count stops at
COUNT_CAP."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import load_only

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core.clock import start_of_uk_day
from dps_portal.core.models import Base
from dps_portal.extensions import db

PAGE_SIZE = 50
# Past this many matching events the page says "more than COUNT_CAP" instead of counting on.
COUNT_CAP = 10_000
# The audit trail's own tables are never the subject of an event.
_NOT_SUBJECTS = frozenset({"audit_event", "audit_chain_head"})


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
    """One page of events, newest first. `newer_than`/`older_than` are the sequence numbers
    the links to the next newer and older pages start after (None: no such page)."""

    events: list[AuditEvent]
    total: int
    total_is_capped: bool
    newer_than: int | None
    older_than: int | None


def normalised_actor(text: str) -> str:
    """An actor as the events record it: an email address in lower case, or "system"."""
    return text.strip().lower()


def _filtered(criteria: EventFilter) -> Select:
    # Only the columns the list shows: not the states before and after (JSON to decode) or
    # the hashes (a template reading more fails in the tests).
    query = select(AuditEvent).options(
        load_only(
            AuditEvent.sequence,
            AuditEvent.occurred_at,
            AuditEvent.actor_label,
            AuditEvent.action,
            AuditEvent.subject_type,
            AuditEvent.subject_id,
            raiseload=True,
        )
    )
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.subject_type:
        query = query.where(AuditEvent.subject_type == criteria.subject_type)
    if criteria.subject_id:
        query = query.where(AuditEvent.subject_id == criteria.subject_id)
    if criteria.actor:
        query = query.where(AuditEvent.actor_label == normalised_actor(criteria.actor))
    if criteria.from_date:
        query = query.where(AuditEvent.occurred_at >= start_of_uk_day(criteria.from_date))
    if criteria.to_date:
        query = query.where(
            AuditEvent.occurred_at < start_of_uk_day(criteria.to_date + timedelta(days=1))
        )
    return query


def _capped_count(query: Select) -> tuple[int, bool]:
    """How many rows `query` matches, counting no further than COUNT_CAP + 1."""
    limited = query.with_only_columns(AuditEvent.id).order_by(None).limit(COUNT_CAP + 1)
    total = db.session.scalar(select(func.count()).select_from(limited.subquery()))
    return min(total, COUNT_CAP), total > COUNT_CAP


def _newest(query: Select, before: int | None = None) -> tuple[list[AuditEvent], bool]:
    """Up to PAGE_SIZE events older than `before` (or the newest), newest first, and whether
    there are older ones."""
    if before is not None:
        query = query.where(AuditEvent.sequence < before)
    rows = list(db.session.scalars(query.order_by(AuditEvent.sequence.desc()).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _any(query: Select, condition) -> bool:
    return db.session.scalar(
        select(query.with_only_columns(AuditEvent.id).where(condition).exists())
    )


def filtered_events(
    criteria: EventFilter, *, older_than: int | None = None, newer_than: int | None = None
) -> EventPage:
    """A page of the events matching `criteria`: the newest, or the page of events just
    older than sequence `older_than`, or just newer than `newer_than`."""
    query = _filtered(criteria)
    total, capped = _capped_count(query)
    events: list[AuditEvent] | None = None
    if newer_than is not None:
        rows = list(
            db.session.scalars(
                query.where(AuditEvent.sequence > newer_than)
                .order_by(AuditEvent.sequence)
                .limit(PAGE_SIZE + 1)
            )
        )
        # Near the newest end the page would be short: show the newest page instead.
        if len(rows) > PAGE_SIZE:
            events = list(reversed(rows[:PAGE_SIZE]))
            has_newer = True
            has_older = _any(query, AuditEvent.sequence < events[-1].sequence)
    elif older_than is not None:
        events, has_older = _newest(query, before=older_than)
        if events:
            has_newer = _any(query, AuditEvent.sequence > events[0].sequence)
        else:  # past the oldest event: show the newest page instead
            events = None
    if events is None:
        events, has_older = _newest(query)
        has_newer = False
    return EventPage(
        events=events,
        total=total,
        total_is_capped=capped,
        newer_than=events[0].sequence if events and has_newer else None,
        older_than=events[-1].sequence if events and has_older else None,
    )


def action_choices() -> list[str]:
    """Every action the code can record (the registry), in order."""
    return sorted(action.value for action in AuditAction)


def subject_type_choices() -> list[str]:
    """Every kind of record an event can be about: the models' tables."""
    tables = {mapper.local_table.name for mapper in Base.registry.mappers}
    return sorted(tables - _NOT_SUBJECTS)
