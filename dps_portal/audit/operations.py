"""Appending to the audit chain, and verifying it."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditChainHead, AuditEvent
from dps_portal.core import clock
from dps_portal.extensions import db

GENESIS_HASH = "0" * 64
CHAIN_ID = 1


def canonical_json(value: Any) -> str:
    """One spelling for one value: sorted keys, no spaces, strings for dates and decimals."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _normalised(value: Any) -> Any:
    """The value as it will read back from a JSON column, so the hash survives storage."""
    return None if value is None else json.loads(canonical_json(value))


def _timestamp(value: datetime) -> str:
    return clock.ensure_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: AuditEvent) -> str:
    body = {
        "sequence": event.sequence,
        "occurred_at": _timestamp(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
        "ip_address": event.ip_address,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _subject_of(subject: Any) -> tuple[str, str | None]:
    if isinstance(subject, tuple):
        kind, identity = subject
        return kind, None if identity is None else str(identity)
    state = inspect(subject)
    if state.key is None:
        db.session.flush()
    return subject.__tablename__, str(inspect(subject).identity[0])


def _claim_next_link() -> tuple[int, str]:
    """Take the next place in the chain. The UPDATE locks the head row (a row lock in
    PostgreSQL, the write lock in SQLite) until commit, so two writers cannot fork the chain."""
    claimed = db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == CHAIN_ID)
        .values(sequence=AuditChainHead.sequence + 1)
    )
    if claimed.rowcount == 0:
        # The very first event: make the head row. A writer racing us to it loses on the
        # primary key, and both then take their turn through the UPDATE above.
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(AuditChainHead).values(id=CHAIN_ID, sequence=0, last_hash=GENESIS_HASH)
                )
        except IntegrityError:
            pass
        return _claim_next_link()
    head = db.session.execute(
        select(AuditChainHead.sequence, AuditChainHead.last_hash).where(
            AuditChainHead.id == CHAIN_ID
        )
    ).one()
    return head.sequence, head.last_hash


def record_event(
    action: AuditAction,
    *,
    actor=None,
    subject: Any,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; it commits or rolls back with the change."""
    subject_type, subject_id = _subject_of(subject)
    sequence, prev_hash = _claim_next_link()
    event = AuditEvent(
        sequence=sequence,
        occurred_at=clock.now(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=str(action),
        subject_type=subject_type,
        subject_id=subject_id,
        before=_normalised(before),
        after=_normalised(after),
        ip_address=(request.remote_addr or "") if has_request_context() else "",
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    db.session.add(event)
    db.session.execute(
        update(AuditChainHead).where(AuditChainHead.id == CHAIN_ID).values(last_hash=event.hash)
    )
    db.session.flush()
    return event


def record_events(action: AuditAction, changes: list[tuple[Any, Any, Any]], *, actor=None) -> int:
    """Append one event per (subject, before, after) in a fixed number of statements however
    many there are (a tender's invitations to a whole category): one claim on the chain for
    all of them, the hashes chained in order, one insert. Answers how many were recorded."""
    if not changes:
        return 0
    subjects = [_subject_of(subject) for subject, _before, _after in changes]
    claimed = db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == CHAIN_ID)
        .values(sequence=AuditChainHead.sequence + len(changes))
    )
    if claimed.rowcount == 0:
        # The chain's very first events: record_event makes its head row.
        for subject, before, after in changes:
            record_event(action, actor=actor, subject=subject, before=before, after=after)
        return len(changes)
    head = db.session.execute(
        select(AuditChainHead.sequence, AuditChainHead.last_hash).where(
            AuditChainHead.id == CHAIN_ID
        )
    ).one()
    sequence, prev_hash = head.sequence - len(changes), head.last_hash
    now = clock.now()
    ip_address = (request.remote_addr or "") if has_request_context() else ""
    rows = []
    for (subject_type, subject_id), (_subject, before, after) in zip(
        subjects, changes, strict=True
    ):
        sequence += 1
        event = AuditEvent(
            sequence=sequence,
            occurred_at=now,
            actor_id=getattr(actor, "id", None),
            actor_label=getattr(actor, "email", None) or "system",
            action=str(action),
            subject_type=subject_type,
            subject_id=subject_id,
            before=_normalised(before),
            after=_normalised(after),
            ip_address=ip_address,
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = event_hash(event)
        rows.append({column: getattr(event, column) for column in _EVENT_COLUMNS})
    # Rows, not objects: one statement for all of them on every database.
    db.session.execute(insert(AuditEvent.__table__), rows)
    db.session.execute(
        update(AuditChainHead).where(AuditChainHead.id == CHAIN_ID).values(last_hash=prev_hash)
    )
    return len(changes)


_EVENT_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_id",
    "before",
    "after",
    "ip_address",
    "prev_hash",
    "hash",
)


def record_created(obj, action: AuditAction, *, by, after: Any = None):
    """Add a new row and record its creation, so the event names the row's id."""
    db.session.add(obj)
    db.session.flush()
    record_event(action, actor=by, subject=obj, after=after)
    return obj


def fields_of(obj, *names: str, **more: Any) -> dict:
    """An audit payload of the row's own attributes (by name), and `more` besides."""
    return {name: getattr(obj, name) for name in names} | more


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.sequence}"
        if self.event_id is not None:
            where += f" (id {self.event_id})"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    first_break: ChainBreak | None

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def _events_in_order(batch_size: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.sequence > last)
            .order_by(AuditEvent.sequence)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence
        db.session.expunge_all()


def verify_chain() -> ChainReport:
    """Walk the chain from the start; the first event that does not hold is the break."""
    expected_sequence = 1
    expected_prev = GENESIS_HASH
    checked = 0
    for event in _events_in_order():
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                ChainBreak(expected_sequence, None, "missing: the event was deleted"),
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked, ChainBreak(event.sequence, event.id, "does not follow the event before")
            )
        if event_hash(event) != event.hash:
            return ChainReport(
                checked, ChainBreak(event.sequence, event.id, "changed after it was written")
            )
        checked += 1
        expected_sequence += 1
        expected_prev = event.hash
    head = db.session.get(AuditChainHead, CHAIN_ID)
    if head is not None and (head.sequence != checked or head.last_hash != expected_prev):
        return ChainReport(
            checked,
            ChainBreak(checked + 1, None, f"missing: the chain records {head.sequence} events"),
        )
    return ChainReport(checked, None)
