"""The one way to move a state: the table on the enum, the guard, the stamp, the audit event."""

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import InvalidTransition, noun_of
from dps_portal.core.states import StateEnum, lock, move
from dps_portal.notifications.models import OutboxEmail, OutboxState


class DoorState(StateEnum):
    closed = "Closed"
    open = "Open"
    locked = "Locked"
    removed = "Removed"

    __transitions__ = {"closed": ("open", "locked"), "open": ("closed",), "locked": ("closed",)}
    __stamps__ = {"locked": "locked_at"}


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (DoorState.closed, DoorState.open, True),
        (DoorState.closed, DoorState.locked, True),
        (DoorState.open, DoorState.locked, False),
        (DoorState.locked, DoorState.closed, True),
        (DoorState.removed, DoorState.closed, False),
        (DoorState.closed, DoorState.closed, False),
    ],
)
def test_the_table_on_the_enum_says_which_state_may_follow(current, new, allowed):
    assert current.may_become(new) is allowed


def test_a_state_the_table_does_not_name_is_final_and_the_table_names_real_states():
    assert DoorState.removed.is_final and not DoorState.closed.is_final
    assert DoorState.locked.stamp == "locked_at" and DoorState.open.stamp is None
    DoorState.check_table()


def test_every_state_enum_of_the_portal_names_real_states():
    from dps_portal import models  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    enums = [enum for enum in subclasses(StateEnum) if enum is not DoorState]
    for enum in enums:
        enum.check_table()


class _Door:
    """A plain object standing in for a row not yet in the database (nothing to lock)."""

    __tablename__ = "door"

    def __init__(self):
        self.state = DoorState.closed
        self.locked_at = None


def test_move_refuses_what_the_table_does_not_allow_and_says_so_in_words(app):
    door = _Door()
    door.state = DoorState.open
    with pytest.raises(InvalidTransition) as refused:
        move(door, DoorState.locked)
    assert door.state is DoorState.open
    assert refused.value.message == "This door is open: it cannot be changed that way"
    assert noun_of(OutboxEmail) == "outbox email"


def test_move_stamps_the_state_s_timestamp(app, frozen_clock):
    door = _Door()
    assert move(door, DoorState.locked) is DoorState.closed
    assert door.state is DoorState.locked
    assert door.locked_at == frozen_clock()


def test_move_records_the_audit_event_with_the_states_before_and_after(app, db):
    from tests.factories import make_user

    user = make_user()
    db.session.commit()
    email = OutboxEmail(
        to_address="a@example.org",
        subject="Hello",
        body_text="Hi",
        body_html="",
        state=OutboxState.queued,
        attempts=0,
        last_error="",
    )
    db.session.add(email)
    db.session.flush()
    lock(email)
    lock(email)  # a second lock in the same transaction reads nothing again
    move(
        email,
        OutboxState.failed,
        by=user,
        event=AuditAction.email_queued,
        after={"note": "tested"},
    )
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "outbox_email")
    ).one()
    assert event.before == {"state": "queued"}
    assert event.after == {"state": "failed", "note": "tested"}
    assert event.actor_id == user.id
