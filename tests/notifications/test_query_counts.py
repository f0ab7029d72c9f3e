"""The notifications and the email outbox send as many statements for ten times the rows,
and show 50 a page."""

from datetime import timedelta

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail, OutboxState
from tests.conftest import sign_in
from tests.factories import make_framework, make_user
from tests.query_counts import statements_of


def add_notifications(db, user, count: int) -> None:
    for number in range(count):
        db.session.add(
            Notification(
                user_id=user.id,
                title=f"Notice {number}",
                read_at=clock.now() if number % 2 else None,
            )
        )
    db.session.commit()


def add_emails(db, count: int) -> None:
    states = list(OutboxState)
    for number in range(count):
        db.session.add(
            OutboxEmail(
                to_address=f"person{number}@example.org",
                subject=f"Email {number}",
                body_text="Hello",
                state=states[number % len(states)],
                created_at=clock.now() - timedelta(minutes=number),
            )
        )
    db.session.commit()


def test_the_notifications_page(client, db):
    user = make_user(Role.quality_monitor)
    other = make_user(Role.quality_monitor)
    add_notifications(db, user, 6)
    sign_in(client, user)
    small, _ = statements_of(client, "/notifications")
    add_notifications(db, user, 54)
    add_notifications(db, other, 60)
    large, page = statements_of(client, "/notifications")
    assert small == large <= 30
    assert page.count('<h2 class="govuk-heading-s') == 50
    assert "govuk-pagination" in page


def test_the_email_outbox(client, db):
    admin = make_user(Role.administrator)
    add_emails(db, 6)
    sign_in(client, admin)
    small, _ = statements_of(client, "/admin/outbox")
    small_filtered, _ = statements_of(client, "/admin/outbox?state=failed")
    add_emails(db, 54)
    large, page = statements_of(client, "/admin/outbox")
    large_filtered, failed = statements_of(client, "/admin/outbox?state=failed")
    assert small == large <= 30
    assert small_filtered == large_filtered <= 30
    assert "60 emails" in page and "20 emails: failed" in failed
    assert page.count("/admin/outbox/") == 50


def test_the_header_is_read_with_the_user_in_one_statement(client, db):
    """Every page's header (the council's name, the user's organisation, the unread count)
    costs the one statement that loads the user for the session."""
    make_framework(buyer_name="Peak District Council")
    user = make_user(Role.provider)
    add_notifications(db, user, 5)  # 3 of them unread
    sign_in(client, user)
    count, page = statements_of(client, "/accessibility")
    assert count == 1
    assert "Peak District Council" in page
    assert user.provider.display_name in page
    assert 'data-unread="3"' in page
