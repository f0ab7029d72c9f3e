"""What the register changes: only the audit trail, when someone takes a copy of it."""

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.register.queries import RegisterFilters

# The audit trail's name for the register, which is no one row.
SUBJECT = ("dps_register", None)


def record_export(filters: RegisterFilters, *, by) -> None:
    """Exporting the register is a read of every provider's standing: the trail says who took
    a copy, and of which search."""
    record_event(
        AuditAction.register_exported,
        actor=by,
        subject=SUBJECT,
        after={"filters": filters.as_args(), "sort": filters.sort.name},
    )
