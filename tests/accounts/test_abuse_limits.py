"""Abuse limits on the forms anyone can post: emails per recipient and per client address,
registration that reveals no account by its answer or its work, the client address from a
proxy only when configured, a shared address that does not lock out a right password, and
Flask-Limiter's request rates with their GOV.UK page."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from dps_portal.accounts import operations
from dps_portal.accounts.models import LoginFailure, RequestedEmail, User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import OutboxEmail
from dps_portal.providers.models import ProviderOrganisation
from tests.accounts.test_links import NEW_PASSWORD, emails_to, link_path, register
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.providers.factories import make_provider_user

START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def page_text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def ask_for_reset(client, email, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/account/forgotten-password", data={"email": email}, headers=headers)


def post_sign_in(client, email, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post(
        "/account/sign-in", data={"email": email, "password": password}, headers=headers
    )


@pytest.fixture
def frozen():
    with clock.frozen(START) as frozen:
        yield frozen


# Emails per recipient and per client address.


def test_a_flood_of_reset_requests_queues_three_emails_an_hour(client, db, frozen):
    user = make_user()
    db.session.commit()
    for _ in range(10):
        response = ask_for_reset(client, user.email)
        assert response.headers["Location"] == "/account/check-your-email"
        assert "If <strong>" in client.get("/account/check-your-email").get_data(as_text=True)
    emails = emails_to(db, user.email)
    assert len(emails) == 3
    # The requests past the limit made no new link, so the last one sent still works.
    assert client.get(link_path(emails[-1])).status_code == 200
    assert client.get(link_path(emails[0])).status_code == 410

    frozen.advance(timedelta(minutes=61))
    ask_for_reset(client, user.email)
    assert len(emails_to(db, user.email)) == 4


@pytest.mark.app_config(REQUESTED_EMAILS_PER_RECIPIENT=1, REQUESTED_EMAIL_WINDOW=timedelta(days=1))
def test_the_limit_per_recipient_is_configurable(client, db, frozen):
    user = make_user()
    db.session.commit()
    ask_for_reset(client, user.email)
    frozen.advance(timedelta(hours=2))
    ask_for_reset(client, user.email)
    assert len(emails_to(db, user.email)) == 1


@pytest.mark.app_config(PROXY_FIX_X_FOR=1, REQUESTED_EMAILS_PER_ADDRESS=4)
def test_one_client_address_gets_a_few_emails_sent_to_anyone(client, db, frozen):
    users = [make_user() for _ in range(6)]
    db.session.commit()
    for user in users:
        response = ask_for_reset(client, user.email, address="198.51.100.7")
        assert response.headers["Location"] == "/account/check-your-email"
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 4
    # Another address is not held back by the first one's requests.
    ask_for_reset(client, users[-1].email, address="198.51.100.8")
    assert len(emails_to(db, users[-1].email)) == 1


def test_a_flood_of_registrations_queues_at_most_three_emails(client, db, frozen):
    for _ in range(8):
        assert register(client).headers["Location"] == "/account/check-your-email"
    emails = emails_to(db, "first@newcare.example")
    assert [email.subject for email in emails] == [
        "Confirm your email address",
        "You already have an account",
        "You already have an account",
    ]
    assert db.session.scalar(select(func.count(ProviderOrganisation.id))) == 1


def test_signing_in_unconfirmed_again_and_again_sends_three_confirmations(client, db, frozen):
    user = make_user(Role.provider, email_confirmed_at=None)
    db.session.commit()
    for _ in range(6):
        page = post_sign_in(client, user.email, DEFAULT_PASSWORD)
        assert "Confirm your email address" in page.get_data(as_text=True)
    assert len(emails_to(db, user.email)) == 3


def test_requested_emails_are_counted_in_the_database(client, db, frozen):
    """So that every web worker sees the same counts, as the sign-in lockout does."""
    user = make_user()
    db.session.commit()
    ask_for_reset(client, user.email.upper())
    [counted] = db.session.scalars(select(RequestedEmail)).all()
    assert (counted.to_address, counted.ip_address) == (user.email, "127.0.0.1")


# Registration reveals no account, by its page or by its work.


def test_registration_does_the_same_work_whether_or_not_the_address_is_known(
    client, db, monkeypatch
):
    make_user(email="taken@example.org")
    db.session.commit()
    hashed = []

    def counting_hash(password):
        hashed.append(password)
        return real_hash(password)

    real_hash = operations.hash_password
    monkeypatch.setattr(operations, "hash_password", counting_hash)

    known = register(client, email="taken@example.org")
    known_page = page_text(client.get("/account/check-your-email"))
    hashes_for_known = len(hashed)
    unknown = register(client, email="new@example.org")
    unknown_page = page_text(client.get("/account/check-your-email"))

    assert hashes_for_known == 1
    assert len(hashed) == 2, "an unknown address must cost one hash too"
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known_page.replace("taken@example.org", "X") == unknown_page.replace(
        "new@example.org", "X"
    )
    assert [e.subject for e in emails_to(db, "taken@example.org")] == [
        "You already have an account"
    ]


# Inviting a colleague reveals no one's account.


def test_an_invited_address_with_an_account_is_told_and_the_inviter_is_not(client, db):
    inviter = make_provider_user(full_name="Ivy Inviter")
    someone_else = make_provider_user(email="elsewhere@example.org")
    db.session.commit()
    operations.tell_invited_account_holder(someone_else, by=inviter)
    [email] = emails_to(db, someone_else.email)
    assert email.subject == "Someone tried to invite you"
    assert "Ivy Inviter" in email.body_text
    assert inviter.provider.display_name in email.body_text
    assert "no invitation was sent" in email.body_text
    # How to reach the council, from its framework's data (none here: the team by name).
    assert "contact the council’s contracts team." in email.body_text
    # Nothing about the account reaches the inviter, and no user was made.
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_repeated_invitations_of_an_account_holder_send_a_few_emails(client, db):
    inviter = make_provider_user()
    someone_else = make_user(Role.contracts_officer)
    db.session.commit()
    for _ in range(6):
        operations.tell_invited_account_holder(someone_else, by=inviter)
    assert len(emails_to(db, someone_else.email)) == 3


# The client address: from a proxy's header only when configured.


def test_a_forwarded_for_header_is_ignored_unless_proxies_are_configured(client, db):
    post_sign_in(client, "nobody@example.org", "a wrong password", address="203.0.113.9")
    assert db.session.scalars(select(LoginFailure.ip_address)).all() == ["127.0.0.1"]


@pytest.mark.app_config(PROXY_FIX_X_FOR=1)
def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw(client, db):
    # The client may write anything on the left; the proxy appends the address it saw.
    post_sign_in(client, "nobody@example.org", "a wrong password", address="6.6.6.6, 203.0.113.9")
    assert db.session.scalars(select(LoginFailure.ip_address)).all() == ["203.0.113.9"]


# A shared address with many failures.


def many_failures_from(db, address: str, count: int = 100) -> None:
    for number in range(count):
        db.session.add(
            LoginFailure(email=f"x{number}@example.org", ip_address=address, failed_at=clock.now())
        )
    db.session.commit()


@pytest.mark.app_config(PROXY_FIX_X_FOR=1)
def test_a_right_password_gets_in_from_an_address_with_many_failures(client, db, frozen):
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    many_failures_from(db, "192.0.2.50")
    response = post_sign_in(client, officer.email, DEFAULT_PASSWORD, address="192.0.2.50")
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer"


@pytest.mark.app_config(PROXY_FIX_X_FOR=1)
def test_a_wrong_password_from_that_address_is_told_to_wait(client, db, frozen):
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    many_failures_from(db, "192.0.2.50")
    response = post_sign_in(client, officer.email, "not the password", address="192.0.2.50")
    assert response.status_code == 429
    assert "Wait 15 minutes, then try again" in page_text(response)
    # The failure is still counted towards the account's lockout.
    assert (
        db.session.scalar(
            select(func.count(LoginFailure.id)).where(LoginFailure.user_id == officer.id)
        )
        == 1
    )
    # Another address is not affected.
    other = post_sign_in(client, officer.email, "not the password", address="192.0.2.51")
    assert other.status_code == 200


@pytest.mark.app_config(PROXY_FIX_X_FOR=1)
def test_a_locked_account_stays_locked_from_an_address_with_many_failures(client, db, frozen):
    officer = make_user(Role.contracts_officer, locked_until=START + timedelta(minutes=10))
    db.session.commit()
    many_failures_from(db, "192.0.2.50")
    response = post_sign_in(client, officer.email, DEFAULT_PASSWORD, address="192.0.2.50")
    assert response.status_code == 429
    with client.session_transaction() as session:
        assert "_user_id" not in session


# Request rates (Flask-Limiter), off for the rest of the suite.


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
def test_sign_in_posts_past_the_rate_get_the_too_many_attempts_page(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(3):
        assert post_sign_in(client, user.email, "a wrong password").status_code == 200
    response = post_sign_in(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    text = page_text(response)
    assert "Sorry, there have been too many attempts" in text
    assert "Wait 15 minutes, then try again" in text
    assert 'class="govuk-header' in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    # Reading the form is not limited, and GET is never counted.
    assert client.get("/account/sign-in").status_code == 200
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, PROXY_FIX_X_FOR=1, EMAIL_REQUEST_RATE_LIMIT="2 per minute"
)
def test_reset_and_registration_posts_are_rate_limited_per_client_address(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(2):
        assert ask_for_reset(client, user.email, address="198.51.100.1").status_code == 302
    assert ask_for_reset(client, user.email, address="198.51.100.1").status_code == 429
    assert ask_for_reset(client, user.email, address="198.51.100.2").status_code == 302

    def register_from(address):
        return client.post(
            "/account/register",
            data={
                "organisation_name": "New Care Homes Ltd",
                "full_name": "Morgan Lee",
                "email": "morgan@newcare.example",
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
            headers={"X-Forwarded-For": address},
        )

    for _ in range(2):
        assert register_from("198.51.100.3").status_code == 302
    assert register_from("198.51.100.3").status_code == 429


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_the_default_rates_let_a_person_through(client, db):
    user = make_user()
    db.session.commit()
    for _ in range(5):
        post_sign_in(client, user.email, "a wrong password")
    assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
