"""The notifications page and the administrators' outbox: what each user may reach."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxState
from dps_portal.notifications.operations import notify, queue_email
from tests.conftest import sign_in
from tests.factories import make_user

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _email(to="ann@example.org", subject="Reset your password", body="Open https://x/reset/abc"):
    user = make_user(email=to, full_name="Ann Example")
    return queue_email(
        to, subject, "notification", user=user, title=subject, body=body, link_url=""
    )


# Who may reach the pages.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/notifications"),
        ("post", "/notifications/1/read"),
        ("post", "/notifications/read-all"),
        ("get", "/admin/outbox"),
        ("get", "/admin/outbox/1"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("role", [Role.provider, Role.contracts_officer, Role.quality_monitor])
@pytest.mark.parametrize("path", ["/admin/outbox", "/admin/outbox/{email_id}"])
def test_only_administrators_see_the_outbox(app, db, client, role, path):
    email = _email()
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    assert client.get(path.format(email_id=email.id)).status_code == 403


# Notifications.


def test_users_see_their_own_notifications_newest_first_with_unread_marked(app, db, client):
    user = make_user(Role.provider)
    other = make_user(Role.provider)
    with clock.frozen(START) as frozen:
        notify(user, "Older and read", body="Read already")
        db.session.flush()
        frozen.advance(timedelta(hours=1))
        notify(user, "Newer and unread", body="Bids close on Friday", link="/notifications")
        notify(other, "Someone else's news")
        older = db.session.scalars(
            select(Notification).where(Notification.title == "Older and read")
        ).one()
        older.read_at = START
    db.session.commit()
    sign_in(client, user)

    response = client.get("/notifications")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index("Newer and unread") < page.index("Older and read")
    assert "Someone else" not in page
    assert page.count("govuk-tag--blue") == 1
    assert "You have 1 unread notification." in page
    assert "3 March 2026 at 11:00am (GMT)" in page


def test_a_user_marks_their_own_notification_read(app, db, client):
    user = make_user(Role.contracts_officer)
    notification = notify(user, "Moderation needed")
    db.session.commit()
    sign_in(client, user)

    with clock.frozen(START):
        response = client.post(f"/notifications/{notification.id}/read")

    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at == START


def test_a_user_cannot_mark_another_users_notification_read(app, db, client):
    user = make_user(Role.provider)
    other = make_user(Role.provider)
    theirs = notify(other, "Your bid was received")
    db.session.commit()
    sign_in(client, user)

    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_mark_all_read(app, db, client):
    user = make_user(Role.quality_monitor)
    notify(user, "One")
    notify(user, "Two")
    db.session.commit()
    sign_in(client, user)

    assert client.post("/notifications/read-all").headers["Location"] == "/notifications"

    page = client.get("/notifications").get_data(as_text=True)
    assert "All your notifications are marked as read." in page
    assert "You have read all your notifications." in page


def test_no_notifications(app, db, client):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    assert "You have no notifications." in client.get("/notifications").get_data(as_text=True)


# The outbox.


def test_administrators_see_the_outbox_and_filter_it_by_state(app, db, client):
    admin = make_user(Role.administrator)
    with clock.frozen(START):
        waiting = _email(to="waiting@example.org", subject="Confirm your email address")
        sent = _email(to="sent@example.org", subject="You have been invited")
        sent.state = OutboxState.sent
        sent.sent_at = START + timedelta(minutes=1)
        failed = _email(to="failed@example.org", subject="Your visit is booked")
        failed.state = OutboxState.failed
        failed.attempts = 8
        failed.last_error = "SMTPRecipientsRefused: 550 No such user"
    db.session.commit()
    sign_in(client, admin)

    page = client.get("/admin/outbox").get_data(as_text=True)
    for email in (waiting, sent, failed):
        assert email.to_address in page
        assert f"/admin/outbox/{email.id}" in page
    assert "1 queued, 1 sent, 1 failed." in page
    assert "550 No such user" in page
    assert "3 March 2026 at 10:01am (GMT)" in page

    only_failed = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert "failed@example.org" in only_failed
    assert "waiting@example.org" not in only_failed
    assert "sent@example.org" not in only_failed
    # An unknown state shows everything rather than failing.
    assert "sent@example.org" in client.get("/admin/outbox?state=lost").get_data(as_text=True)


@pytest.mark.app_config(SMTP_HOST=None)
def test_without_a_mail_server_an_administrator_reads_an_email_and_it_is_audited(app, db, client):
    admin = make_user(Role.administrator)
    email = _email(body="To choose a new password, open https://dps.example.gov.uk/reset/abc123")
    db.session.commit()
    sign_in(client, admin)

    response = client.get(f"/admin/outbox/{email.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "https://dps.example.gov.uk/reset/abc123" in page
    assert "ann@example.org" in page
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.viewed"))
    assert event.actor_id == admin.id
    assert event.subject_id == str(email.id)


def test_a_missing_email_is_not_found(app, db, client):
    admin = make_user(Role.administrator)
    db.session.commit()
    sign_in(client, admin)
    assert client.get("/admin/outbox/999999").status_code == 404


def test_the_outbox_is_paged(app, db, client):
    admin = make_user(Role.administrator)
    with clock.frozen(START) as frozen:
        for number in range(51):
            _email(to=f"person{number}@example.org")
            frozen.advance(timedelta(seconds=1))
    db.session.commit()
    sign_in(client, admin)

    first = client.get("/admin/outbox").get_data(as_text=True)
    second = client.get("/admin/outbox?page=2").get_data(as_text=True)

    assert "person50@example.org" in first
    assert "person0@example.org" not in first
    assert "person0@example.org" in second
    assert 'href="/admin/outbox?page=2"' in first


def test_with_a_mail_server_the_outbox_hides_email_text(client, db):
    from dps_portal.core.roles import Role
    from dps_portal.notifications.operations import queue_email
    from tests.conftest import sign_in
    from tests.factories import make_user

    admin = make_user(Role.administrator)
    email = queue_email(
        admin.email,
        "Secret link",
        "notification",
        user=admin,
        title="Your link",
        body="https://x/secret-token",
    )
    db.session.commit()
    sign_in(client, admin)
    page = client.get(f"/admin/outbox/{email.id}").get_data(as_text=True)
    assert "secret-token" not in page
    assert "text is not shown here" in page
