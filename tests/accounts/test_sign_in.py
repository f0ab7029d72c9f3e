import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import LoginFailure, User
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

HOMES = {
    Role.provider: "/provider",
    Role.contracts_officer: "/officer",
    Role.quality_monitor: "/quality",
    Role.administrator: "/admin",
}


def post_sign_in(client, email, password, **query):
    return client.post(
        "/account/sign-in", query_string=query, data={"email": email, "password": password}
    )


def error_text(response) -> str:
    """The error summary's text, so two refusals can be compared word for word."""
    html = response.get_data(as_text=True)
    match = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_to_its_home(client, db, role):
    user = make_user(role)
    db.session.commit()
    response = post_sign_in(client, user.email.upper() + " ", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.signed_in")
    ).all()
    assert [e.subject_id for e in events] == [str(user.id)]


def test_signing_in_starts_a_new_session(client, db):
    user = make_user()
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    post_sign_in(client, user.email, DEFAULT_PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_wrong_password_and_unknown_email_get_the_same_message(client, db):
    user = make_user()
    db.session.commit()
    wrong_password = post_sign_in(client, user.email, "not the password at all")
    unknown_email = post_sign_in(client, "nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert error_text(wrong_password) == error_text(unknown_email)
    assert "Enter a correct email address and password" in error_text(wrong_password)
    # What was typed is kept, except the password.
    assert 'value="nobody@example.org"' in unknown_email.get_data(as_text=True)
    assert "not the password at all" not in unknown_email.get_data(as_text=True)


def test_ten_failures_lock_the_account_for_fifteen_minutes(client, db):
    user = make_user()
    db.session.commit()
    start = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    with clock.frozen(start) as frozen:
        for _ in range(10):
            frozen.advance(timedelta(seconds=30))
            post_sign_in(client, user.email, "wrong password here")
        locked = post_sign_in(client, user.email, DEFAULT_PASSWORD)
        assert locked.status_code == 200, "the right password must not get in while locked"
        unknown = post_sign_in(client, "nobody@example.org", "wrong password here")
        assert error_text(locked) == error_text(unknown)
        db.session.expire_all()
        assert db.session.get(User, user.id).is_locked()
        frozen.advance(timedelta(minutes=15, seconds=1))
        assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.sequence)).all()
    assert actions.count("user.sign_in_failed") == 11
    assert actions.count("user.locked") == 1


def test_failures_spread_beyond_fifteen_minutes_do_not_lock(client, db):
    user = make_user()
    db.session.commit()
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)) as frozen:
        for _ in range(12):
            frozen.advance(timedelta(minutes=2))
            post_sign_in(client, user.email, "wrong password here")
        assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_count(client, db):
    user = make_user()
    db.session.commit()
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)) as frozen:
        for _ in range(9):
            frozen.advance(timedelta(seconds=10))
            post_sign_in(client, user.email, "wrong password here")
        frozen.advance(timedelta(seconds=10))
        assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
        client.post("/account/sign-out")
        frozen.advance(timedelta(seconds=10))
        post_sign_in(client, user.email, "wrong password here")
        frozen.advance(timedelta(seconds=10))
        assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_failures_from_one_address_are_throttled(client, db):
    for number in range(100):
        db.session.add(LoginFailure(email=f"x{number}@example.org", ip_address="127.0.0.1"))
    db.session.commit()
    response = post_sign_in(client, "someone@example.org", "a password of some length")
    assert response.status_code == 429
    assert "too many attempts" in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in_and_loses_the_session(client, db):
    user = make_user()
    db.session.commit()
    sign_in(client, user)
    assert client.get("/officer").status_code == 200
    user.is_active = False
    db.session.commit()
    assert client.get("/officer").status_code == 302
    assert post_sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 200


def test_next_only_goes_to_paths_on_this_site(client, db):
    user = make_user()
    db.session.commit()
    response = post_sign_in(client, user.email, DEFAULT_PASSWORD, next="//evil.example/x")
    assert response.headers["Location"] == "/officer"
    client.post("/account/sign-out")
    response = post_sign_in(client, user.email, DEFAULT_PASSWORD, next="/admin/users?x=1")
    assert response.headers["Location"] == "/admin/users?x=1"


def test_sign_out_ends_the_session(client, db):
    user = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, user)
    response = client.post("/account/sign-out")
    assert response.headers["Location"] == "/account/signed-out"
    assert client.get("/quality").status_code == 302


def test_unconfirmed_provider_is_asked_to_confirm_first(client, db):
    user = make_user(Role.provider, email_confirmed_at=None)
    db.session.commit()
    response = post_sign_in(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert "Confirm your email address" in response.get_data(as_text=True)
    assert client.get("/provider").status_code == 302
