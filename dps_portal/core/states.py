"""The one way to move a state. Each state enum declares which states may follow which (and
which timestamp a state stamps); `move` locks the row, checks the table, stamps and audits.

    class VisitState(StateEnum):
        scheduled = "Scheduled"
        finalised = "Finalised"
        cancelled = "Cancelled"

        __transitions__ = {"scheduled": ("finalised", "cancelled")}
        __stamps__ = {"finalised": "finalised_at"}

    move(visit, VisitState.finalised, by=monitor, event=AuditAction.visit_finalised)
"""

import enum
import weakref
from typing import Any

from sqlalchemy import inspect

from dps_portal.audit.operations import record_event
from dps_portal.core import clock
from dps_portal.core.errors import InvalidTransition, noun_of
from dps_portal.extensions import db


class StateEnum(enum.Enum):
    """An enum whose members know the states that may follow them (`__transitions__`, by
    member name; a state not named there is final) and the timestamp each state sets on the
    object reaching it (`__stamps__`, member name to attribute)."""

    @property
    def next_states(self) -> frozenset["StateEnum"]:
        table = type(self).__dict__.get("__transitions__", {})
        return frozenset(type(self)[name] for name in table.get(self.name, ()))

    def may_become(self, new: "StateEnum") -> bool:
        return new in self.next_states

    @property
    def is_final(self) -> bool:
        return not self.next_states

    @property
    def stamp(self) -> str | None:
        """The attribute set to the time an object reaches this state, if any."""
        return type(self).__dict__.get("__stamps__", {}).get(self.name)

    @classmethod
    def check_table(cls) -> None:
        """Raise KeyError if the table names a state the enum does not have."""
        for source, targets in cls.__dict__.get("__transitions__", {}).items():
            cls[source]
            for target in targets:
                cls[target]


# The rows locked by the transaction that holds them, so a second lock in one transaction
# does not read the row again (and drop changes made since the first).
_locked: "weakref.WeakKeyDictionary[Any, set[tuple[type, Any]]]" = weakref.WeakKeyDictionary()


def lock(obj: Any) -> None:
    """Take `obj`'s row lock for the rest of the transaction and read it afresh, so two
    requests changing it at once act one after the other (SELECT … FOR UPDATE on PostgreSQL;
    SQLite serialises writers). A row not yet in the database needs no lock."""
    state = inspect(obj, raiseerr=False)
    identity = state.identity if state is not None else None
    if identity is None:
        return
    key = (type(obj), identity)
    session = db.session()
    transaction = session.get_transaction()
    if transaction is not None and key in _locked.get(transaction, ()):
        return
    session.refresh(obj, with_for_update=True)
    _locked.setdefault(session.get_transaction(), set()).add(key)


def move(
    obj: Any,
    new: StateEnum,
    *,
    by: Any = None,
    event: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    column: str = "state",
) -> StateEnum:
    """Move `obj` to `new`: lock its row, raise InvalidTransition unless its enum's table
    allows it, stamp the state's timestamp, and record `event` (an AuditAction) with the
    state before and after plus `before`/`after`. Answers the state it left."""
    lock(obj)
    current = getattr(obj, column)
    if not current.may_become(new):
        raise InvalidTransition(current, new, noun_of(obj))
    setattr(obj, column, new)
    if new.stamp is not None:
        setattr(obj, new.stamp, clock.now())
    if event is not None:
        record_event(
            event,
            actor=by,
            subject=obj,
            before={column: current.name, **(before or {})},
            after={column: new.name, **(after or {})},
        )
    return current
