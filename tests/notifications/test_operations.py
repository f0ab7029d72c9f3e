"""Queuing emails and notifying people."""

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.notifications.emails import external_url, portal_path
from dps_portal.notifications.models import Notification, OutboxEmail, OutboxState
from dps_portal.notifications.operations import (
    mark_all_read,
    mark_read,
    notify,
    notify_and_email,
    queue_email,
)
from tests.factories import make_user

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_queue_email_renders_the_template_in_the_layout_and_audits_it(app, db):
    user = make_user(full_name="Ann Example", email="ann@example.org")
    with clock.frozen(START):
        email = queue_email(
            " ann@example.org ",
            "Your visit\nis booked",
            "notification",
            user=user,
            title="Your visit is booked",
            body="On 5 March at 10am.",
            link_url="",
        )

    assert email.to_address == "ann@example.org"
    # A line break would end the Subject header: it is folded into one line.
    assert email.subject == "Your visit is booked"
    assert email.state is OutboxState.queued
    assert email.attempts == 0
    assert email.next_attempt_at == START
    assert email.body_text.startswith("Dear Ann Example,\n\nYour visit is booked\n\nOn 5 March")
    assert "Specialist care placements" in email.body_text
    sign_in_url = "https://dps.example.gov.uk/account/sign-in"
    assert f"Sign in to see this and your other messages: {sign_in_url}" in email.body_text
    assert "<strong>Your visit is booked</strong>" in email.body_html
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.queued"))
    assert event.subject_id == str(email.id)
    assert event.after["to"] == "ann@example.org"
    assert event.after["template"] == "notification"


def test_an_email_without_an_html_template_is_plain_text_only(app, db):
    user = make_user()
    email = queue_email(
        user.email,
        "The audit trail check found a break",
        "audit_chain_broken",
        user=user,
        chain_break="event 3 (id 3): changed after it was written",
        events_checked=2,
        link_url="https://dps.example.gov.uk/admin",
    )
    assert email.body_html is None
    assert "Where it breaks: event 3 (id 3): changed after it was written" in email.body_text


def test_html_in_the_context_is_escaped_in_the_html_body(app, db):
    user = make_user(full_name="<script>alert(1)</script>")
    email = queue_email(
        user.email, "Hello", "notification", user=user, title="Hi", body="", link_url=""
    )
    assert "<script>" not in email.body_html
    assert "&lt;script&gt;" in email.body_html
    # The text body is plain text: nothing to escape.
    assert "<script>alert(1)</script>" in email.body_text


@pytest.mark.parametrize("address", ["", "not-an-address", "two words@example.org"])
def test_queue_email_refuses_what_is_not_an_address(app, db, address):
    with pytest.raises(ValueError, match="not an email address"):
        queue_email(address, "Hello", "notification", user=make_user(), title="", body="")


def test_a_dedupe_key_queues_one_email(app, db):
    user = make_user()
    context = {"user": user, "title": "Reminder", "body": "", "link_url": ""}
    first = queue_email(user.email, "Reminder", "notification", dedupe_key="reminder-7", **context)
    db.session.commit()
    second = queue_email(user.email, "Reminder", "notification", dedupe_key="reminder-7", **context)

    assert first is not None
    assert second is None
    assert _count(db, OutboxEmail) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "email.queued")
        )
        == 1
    )


def test_notify_and_email_tells_the_user_in_both_places_once_per_key(app, db):
    user = make_user(email="ann@example.org")
    link = portal_path("notifications.list_notifications")
    notification = notify_and_email(
        user, "Your application was admitted", "To the MH category.", link, dedupe_key="admit-1"
    )
    again = notify_and_email(
        user, "Your application was admitted", "To the MH category.", link, dedupe_key="admit-1"
    )

    assert again is None
    assert notification.user_id == user.id
    assert notification.link == "/notifications"
    [email] = db.session.scalars(select(OutboxEmail)).all()
    assert email.to_address == "ann@example.org"
    assert email.subject == "Your application was admitted"
    assert "See it in the portal: https://dps.example.gov.uk/notifications" in email.body_text
    assert _count(db, Notification) == 1


@pytest.mark.parametrize(
    "link", ["https://elsewhere.example.com/", "//elsewhere.example.com/", "javascript:alert(1)"]
)
def test_a_notification_links_only_inside_the_portal(app, db, link):
    with pytest.raises(ValueError, match="inside the portal"):
        notify(make_user(), "Look", link=link)


def test_marking_read_keeps_the_first_time_read(app, db):
    user = make_user()
    notification = notify(user, "One")
    with clock.frozen(START):
        mark_read(notification)
    with clock.frozen(datetime(2026, 3, 4, tzinfo=UTC)):
        mark_read(notification)
    assert notification.read_at == START


def test_mark_all_read_marks_only_that_users_notifications(app, db):
    user, other = make_user(), make_user()
    notify(user, "One")
    notify(user, "Two")
    theirs = notify(other, "Theirs")
    db.session.commit()

    assert mark_all_read(user) == 2
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert mark_all_read(user) == 0


def test_links_in_emails_use_the_external_url_whatever_host_the_request_came_to(app, db):
    with app.test_request_context("/", base_url="http://10.0.0.5:8000"):
        assert external_url("accounts.sign_in") == "https://dps.example.gov.uk/account/sign-in"
    assert (
        external_url("notifications.list_outbox", state="failed")
        == "https://dps.example.gov.uk/admin/outbox?state=failed"
    )


def test_templates_can_show_the_unread_count(app, db):
    user, other = make_user(), make_user()
    notify(user, "One")
    notify(user, "Two")
    mark_read(notify(user, "Three"))
    notify(other, "Theirs")
    db.session.commit()

    with app.test_request_context("/"):
        assert render_template_string("{{ unread_notification_count() }}") == "0"
        login_user(user)
        assert render_template_string("{{ unread_notification_count() }}") == "2"
