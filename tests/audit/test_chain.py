import itertools
import threading

from sqlalchemy import select, text, update

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import GENESIS_HASH, record_event, verify_chain
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_provider, make_user


def make_events(db, count=5):
    actor = make_user(Role.administrator)
    provider = make_provider()
    for number in range(count):
        record_event(
            AuditAction.provider_registered,
            actor=actor,
            subject=provider,
            before={"n": number},
            after={"n": number + 1, "note": "ünïcode £"},
        )
    db.session.commit()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.sequence)).all()


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_events_are_chained(app, db):
    events = make_events(db)
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    result = verify(app)
    assert result.exit_code == 0
    assert "intact: 5 events checked" in result.output


def test_changing_one_row_breaks_the_chain_at_that_event(app, db):
    events = make_events(db)
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == events[2].id).values(after={"n": 999})
    )
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"event 3 (id {events[2].id}): changed after it was written" in result.output


def test_rehashing_a_changed_row_is_caught_by_the_next_event(app, db):
    from dps_portal.audit.operations import event_hash

    events = make_events(db)
    forged = db.session.get(AuditEvent, events[1].id)
    forged.actor_label = "someone-else@example.org"
    forged.hash = event_hash(forged)
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert "event 3" in result.output and "does not follow" in result.output


def test_deleting_a_row_is_caught(app, db):
    events = make_events(db)
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert "event 2: missing" in result.output


def test_deleting_the_last_row_is_caught(app, db):
    events = make_events(db)
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[-1].id})
    db.session.commit()
    report = verify_chain()
    assert not report.is_intact
    assert report.first_break.sequence == 5


def test_concurrent_writers_do_not_fork_the_chain(app, db):
    provider = make_provider()
    db.session.commit()
    provider_id = provider.id
    errors = []

    def writer():
        try:
            with app.app_context():
                for _ in range(10):
                    record_event(
                        AuditAction.provider_registered,
                        subject=("provider_organisation", provider_id),
                    )
                    db.session.commit()
        except Exception as error:  # pragma: no cover - the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert verify_chain().events_checked == 40
    assert verify_chain().is_intact


def test_a_failed_change_leaves_no_event(app, db):
    make_events(db, count=1)
    record_event(AuditAction.provider_registered, subject=("provider_organisation", 1))
    db.session.rollback()
    assert verify_chain().events_checked == 1
    assert verify_chain().is_intact


def test_administrators_filter_the_trail(client, db):
    admin = make_user(Role.administrator)
    make_events(db, count=3)
    record_event(AuditAction.user_invited, actor=admin, subject=admin)
    db.session.commit()
    sign_in(client, admin)
    page = client.get("/admin/audit", query_string={"action": "user.invited"}).get_data(
        as_text=True
    )
    assert "1 event" in page
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "4 events" in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.sequence == 2)).one()
    detail = client.get(f"/admin/audit/{event.id}").get_data(as_text=True)
    assert event.hash in detail and "ünïcode £" in detail


def test_filters_by_date_in_uk_time_and_explain_bad_dates(client, db):
    admin = make_user(Role.administrator)
    make_events(db, count=2)
    db.session.commit()
    sign_in(client, admin)
    today = client.get("/admin/audit", query_string={"from_date": "1/1/2000"}).get_data(
        as_text=True
    )
    assert "2 events" in today
    none = client.get("/admin/audit", query_string={"to_date": "1/1/2000"}).get_data(as_text=True)
    assert "0 events" in none
    bad = client.get("/admin/audit", query_string={"from_date": "31/2/2026"}).get_data(as_text=True)
    assert "From date must be a real date, like 27/3/2026" in bad
