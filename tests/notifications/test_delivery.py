"""Delivering the outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.documents.storage import store_document
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.notifications.operations import notify_and_email, queue_email
from dps_portal.notifications.tasks import deliver_outbox, retry_delay
from tests.factories import make_user
from tests.notifications.smtp_server import REFUSED_DOMAIN, RecordingSmtpServer

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _queue(db, to="ann@example.org", subject="A tender closes soon", **fields) -> OutboxEmail:
    user = make_user(email=to, full_name="Ann Example")
    email = queue_email(
        to,
        subject,
        "notification",
        user=user,
        title=subject,
        body=fields.pop("body", "Bids close on Friday."),
        link_url="",
        **fields,
    )
    db.session.commit()
    return email


def _reload(db, email_id: int) -> OutboxEmail:
    db.session.expire_all()
    return db.session.get(OutboxEmail, email_id)


def _events(db, action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (8, 60), (12, 60)],
)
def test_retries_back_off_exponentially_up_to_an_hour(attempts, minutes):
    assert retry_delay(attempts) == timedelta(minutes=minutes)


def test_an_email_reaches_the_server_with_its_subject_body_and_attachment(app, db, smtp_server):
    with clock.frozen(START):
        document = store_document(PDF, original_filename="Decision notice.pdf", kind="notice")
        email = _queue(db, attachment=document, dedupe_key="decision-1")
        counts = deliver_outbox()

    assert counts == {"sent": 1, "retrying": 0, "failed": 0}
    [received] = smtp_server.received
    assert received.mail_from == "no-reply@dps.example.gov.uk"
    assert received.rcpt_tos == ["ann@example.org"]
    message = received.message
    assert message["Subject"] == "A tender closes soon"
    assert message["From"] == "no-reply@dps.example.gov.uk"
    assert message["To"] == "ann@example.org"
    stamp = int(START.timestamp())
    assert message["Message-ID"] == f"<outbox-{email.id}.{stamp}@dps.example.gov.uk>"
    assert message["Date"] == "Tue, 03 Mar 2026 10:00:00 +0000"
    text_part = message.get_body(preferencelist=("plain",))
    assert "Dear Ann Example," in text_part.get_content()
    assert "Bids close on Friday." in text_part.get_content()
    assert "https://dps.example.gov.uk/account/sign-in" in text_part.get_content()
    html_part = message.get_body(preferencelist=("html",))
    assert "<strong>A tender closes soon</strong>" in html_part.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Decision notice.pdf"
    assert attachment.get_content() == PDF

    sent = _reload(db, email.id)
    assert sent.state is OutboxState.sent
    assert sent.sent_at == START
    assert sent.attempts == 1
    [event] = _events(db, "email.sent")
    assert event.subject_id == str(email.id)
    assert event.actor_label == "system"


def test_while_the_server_is_down_the_email_waits_and_is_then_sent_exactly_once(
    app, db, idle_smtp_server
):
    with clock.frozen(START) as frozen:
        email = _queue(db)

        assert deliver_outbox() == {"sent": 0, "retrying": 1, "failed": 0}
        waiting = _reload(db, email.id)
        assert waiting.state is OutboxState.queued
        assert waiting.attempts == 1
        assert waiting.next_attempt_at == START + timedelta(minutes=1)
        assert "ConnectionRefusedError" in waiting.last_error

        # The server is back, but the email is not due for another half a minute.
        idle_smtp_server.start()
        frozen.advance(timedelta(seconds=30))
        assert deliver_outbox() == {"sent": 0, "retrying": 0, "failed": 0}
        assert idle_smtp_server.received == []
        assert _reload(db, email.id).attempts == 1

        frozen.advance(timedelta(seconds=31))
        assert deliver_outbox() == {"sent": 1, "retrying": 0, "failed": 0}
        assert deliver_outbox() == {"sent": 0, "retrying": 0, "failed": 0}
        frozen.advance(timedelta(hours=2))
        assert deliver_outbox() == {"sent": 0, "retrying": 0, "failed": 0}

    assert len(idle_smtp_server.received) == 1
    sent = _reload(db, email.id)
    assert sent.state is OutboxState.sent
    assert sent.attempts == 2
    assert sent.sent_at == START + timedelta(seconds=61)


def test_a_server_that_is_down_is_not_tried_again_for_every_email_in_the_run(
    app, db, idle_smtp_server
):
    with clock.frozen(START):
        first = _queue(db, to="first@example.org")
        second = _queue(db, to="second@example.org")
        assert deliver_outbox() == {"sent": 0, "retrying": 1, "failed": 0}

    assert _reload(db, first.id).attempts == 1
    assert _reload(db, second.id).attempts == 0


@pytest.mark.app_config(OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_the_email_fails_and_that_is_audited(app, db, idle_smtp_server):
    with clock.frozen(START) as frozen:
        email = _queue(db)
        outcomes = []
        for _ in range(3):
            outcomes.append(deliver_outbox())
            frozen.set(_reload(db, email.id).next_attempt_at)
        outcomes.append(deliver_outbox())

    assert outcomes == [
        {"sent": 0, "retrying": 1, "failed": 0},
        {"sent": 0, "retrying": 1, "failed": 0},
        {"sent": 0, "retrying": 0, "failed": 1},
        {"sent": 0, "retrying": 0, "failed": 0},
    ]
    failed = _reload(db, email.id)
    assert failed.state is OutboxState.failed
    assert failed.attempts == 3
    [event] = _events(db, "email.failed")
    assert event.subject_type == "outbox_email"
    assert event.subject_id == str(email.id)
    assert event.after["attempts"] == 3
    assert "ConnectionRefusedError" in event.after["error"]


def test_a_recipient_refused_for_good_fails_at_once_and_the_rest_are_still_sent(
    app, db, smtp_server
):
    with clock.frozen(START):
        refused = _queue(db, to=f"nobody@{REFUSED_DOMAIN}")
        accepted = _queue(db, to="ann@example.org")
        counts = deliver_outbox()

    assert counts == {"sent": 1, "retrying": 0, "failed": 1}
    failed = _reload(db, refused.id)
    assert failed.state is OutboxState.failed
    assert failed.attempts == 1
    assert "550" in failed.last_error
    assert _reload(db, accepted.id).state is OutboxState.sent
    assert [received.rcpt_tos for received in smtp_server.received] == [["ann@example.org"]]
    assert len(_events(db, "email.failed")) == 1


def test_emails_go_oldest_first(app, db, smtp_server):
    with clock.frozen(START) as frozen:
        for number in range(3):
            _queue(db, to=f"person{number}@example.org")
            frozen.advance(timedelta(seconds=1))
        assert deliver_outbox() == {"sent": 3, "retrying": 0, "failed": 0}

    assert [received.rcpt_tos[0] for received in smtp_server.received] == [
        "person0@example.org",
        "person1@example.org",
        "person2@example.org",
    ]


def test_a_job_that_queues_twice_with_one_dedupe_key_sends_once(app, db, smtp_server):
    user = make_user(email="ann@example.org")
    with clock.frozen(START):
        for _ in range(2):
            notify_and_email(
                user, "Your visit is booked", "", "", dedupe_key=f"visit-booked-{user.id}"
            )
            db.session.commit()
            deliver_outbox()

    assert len(smtp_server.received) == 1
    assert db.session.scalar(select(text("count(*)")).select_from(OutboxEmail)) == 1


@pytest.mark.app_config(SMTP_HOST=None)
def test_without_a_mail_server_nothing_is_sent_and_the_counts_say_so(app, db):
    with clock.frozen(START):
        email = _queue(db)
        counts = deliver_outbox()

    assert counts == {"sent": 0, "retrying": 0, "failed": 0, "queued": 1, "smtp": "not configured"}
    waiting = _reload(db, email.id)
    assert waiting.state is OutboxState.queued
    assert waiting.attempts == 0


@pytest.mark.app_config(SMTP_STARTTLS=True)
def test_with_starttls_required_nothing_is_sent_in_the_clear(app, db, smtp_server):
    with clock.frozen(START):
        email = _queue(db)
        assert deliver_outbox() == {"sent": 0, "retrying": 1, "failed": 0}

    assert smtp_server.received == []
    assert "STARTTLS" in _reload(db, email.id).last_error


@pytest.mark.app_config(SMTP_USERNAME="portal", SMTP_PASSWORD="s3cret-for-tests")
def test_the_sender_signs_in_when_a_username_is_configured(app, db, smtp_port):
    server = RecordingSmtpServer(smtp_port, credentials=("portal", "s3cret-for-tests")).start()
    try:
        with clock.frozen(START):
            _queue(db)
            assert deliver_outbox() == {"sent": 1, "retrying": 0, "failed": 0}
    finally:
        server.stop()
    assert [received.login for received in server.received] == ["portal"]


@pytest.mark.app_config(SMTP_USERNAME="portal", SMTP_PASSWORD="wrong")
def test_a_refused_sign_in_leaves_the_email_queued(app, db, smtp_port):
    server = RecordingSmtpServer(smtp_port, credentials=("portal", "s3cret-for-tests")).start()
    try:
        with clock.frozen(START):
            email = _queue(db)
            assert deliver_outbox() == {"sent": 0, "retrying": 1, "failed": 0}
    finally:
        server.stop()
    assert server.received == []
    assert "SMTPAuthenticationError" in _reload(db, email.id).last_error


def test_an_email_locked_by_another_deliverer_is_skipped(app, db, smtp_server):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers instead")
    with clock.frozen(START):
        locked = _queue(db, to="locked@example.org")
        free = _queue(db, to="free@example.org")
        with db.engine.connect() as other_deliverer:
            other_deliverer.execute(
                select(OutboxEmail.id).where(OutboxEmail.id == locked.id).with_for_update()
            )
            assert deliver_outbox() == {"sent": 1, "retrying": 0, "failed": 0}
            other_deliverer.rollback()

    assert [received.rcpt_tos for received in smtp_server.received] == [["free@example.org"]]
    assert _reload(db, locked.id).state is OutboxState.queued
    assert _reload(db, free.id).state is OutboxState.sent
