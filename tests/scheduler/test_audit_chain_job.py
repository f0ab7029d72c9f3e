"""The nightly audit-chain check and who it tells about a break."""

from sqlalchemy import select, update

from dps_portal.admin.tasks import verify_audit_chain
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import record_event
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.scheduler.models import JobOutcome
from dps_portal.scheduler.runner import run_job
from tests.factories import make_user


def _write_events(count: int) -> list[AuditEvent]:
    return [
        record_event(AuditAction.framework_seeded, subject=("framework", number))
        for number in range(count)
    ]


def test_an_intact_chain_tells_nobody(app, db):
    make_user(Role.administrator)
    _write_events(3)
    db.session.commit()

    assert verify_audit_chain() == {"events_checked": 3, "intact": 1}
    assert db.session.scalars(select(Notification)).all() == []
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_a_break_tells_every_active_administrator_once(app, db):
    first = make_user(Role.administrator, email="first-admin@example.org")
    second = make_user(Role.administrator, email="second-admin@example.org")
    make_user(Role.administrator, email="gone-admin@example.org", is_active=False)
    make_user(Role.contracts_officer, email="officer@example.org")
    events = _write_events(4)
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == events[2].id).values(after={"changed": True})
    )
    db.session.commit()

    run = run_job(app, "verify_audit_chain")
    again = run_job(app, "verify_audit_chain")

    assert run.outcome is JobOutcome.succeeded
    assert run.counts == {"events_checked": 2, "intact": 0}
    assert again.counts == {"events_checked": 2, "intact": 0}
    notifications = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [notification.user_id for notification in notifications] == [first.id, second.id]
    assert notifications[0].title == "The audit trail check found a break"
    assert "event 3" in notifications[0].body
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.to_address)).all()
    assert [email.to_address for email in emails] == [
        "first-admin@example.org",
        "second-admin@example.org",
    ]
    assert "Where it breaks: event 3" in emails[0].body_text
    assert "changed after it was written" in emails[0].body_text
