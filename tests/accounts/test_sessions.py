"""Sessions end when they should: signing out ends them on the server (a copy of the cookie
signs no one in), as do a password reset and a deactivation; every session ends 12 hours after
signing in, and after 30 idle minutes for staff and 60 for provider users, with the reason
said and the way back to where the person was."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from dps_portal.core import clock
from dps_portal.core.roles import STAFF_ROLES, Role
from tests.factories import DEFAULT_PASSWORD, make_user

HOMES = {
    Role.provider: "/provider",
    Role.contracts_officer: "/officer",
    Role.quality_monitor: "/quality",
    Role.administrator: "/admin",
}
IDLE_MINUTES = {Role.provider: 60, **{role: 30 for role in STAFF_ROLES}}
START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
SIGN_IN_PAGE = "/account/sign-in"


def sign_in_through_the_form(client, user, **query):
    response = client.post(
        SIGN_IN_PAGE,
        query_string=query,
        data={"email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(client, cookie: str) -> None:
    """Send a copy of an earlier session cookie, as someone who kept one would."""
    client.set_cookie("session", cookie)


def sent_to_sign_in(response, next_path: str | None = None) -> bool:
    """Redirected to the sign-in page (with `next_path` to come back to, when given)."""
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    if location.path != SIGN_IN_PAGE:
        return False
    return next_path is None or parse_qs(location.query) == {"next": [next_path]}


def page_text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def frozen():
    with clock.frozen(START) as frozen:
        yield frozen


# Signing out.


@pytest.mark.parametrize("role", list(Role))
def test_a_cookie_replayed_after_signing_out_gets_the_sign_in_page(client, db, frozen, role):
    user = make_user(role)
    db.session.commit()
    sign_in_through_the_form(client, user)
    assert client.get(HOMES[role]).status_code == 200
    kept = session_cookie(client)

    response = client.post("/account/sign-out")
    assert response.headers["Location"] == "/account/signed-out"
    replay(client, kept)
    replayed = client.get(HOMES[role])
    assert sent_to_sign_in(replayed, HOMES[role])
    assert "Sign in" in page_text(client.get(replayed.headers["Location"]))


def test_signing_out_ends_the_sessions_on_other_devices_and_says_so(client, db, frozen):
    user = make_user(Role.provider)
    db.session.commit()
    laptop, phone = client, client.application.test_client()
    sign_in_through_the_form(laptop, user)
    sign_in_through_the_form(phone, user)
    signed_out = laptop.post("/account/sign-out", follow_redirects=True)
    assert "You are signed out on every device and browser" in page_text(signed_out)
    assert sent_to_sign_in(phone.get("/provider"))
    # Signing in again starts a session that works.
    sign_in_through_the_form(phone, user)
    assert phone.get("/provider").status_code == 200


def test_a_password_reset_ends_every_session(client, db, frozen):
    from tests.accounts.test_links import choose, emails_to, link_path

    user = make_user(Role.provider)
    db.session.commit()
    other = client.application.test_client()
    sign_in_through_the_form(other, user)
    kept = session_cookie(other)
    client.post("/account/forgotten-password", data={"email": user.email})
    assert choose(client, link_path(emails_to(db, user.email)[-1])).status_code == 302
    assert sent_to_sign_in(other.get("/provider"))
    replay(other, kept)
    assert sent_to_sign_in(other.get("/provider"))


def test_a_deactivation_ends_the_session_for_good(client, db, frozen):
    officer = make_user(Role.contracts_officer)
    admin = make_user(Role.administrator)
    db.session.commit()
    sign_in_through_the_form(client, officer)
    kept = session_cookie(client)
    administrator = client.application.test_client()
    sign_in_through_the_form(administrator, admin)
    for active in ("no", "yes"):
        response = administrator.post(f"/admin/users/{officer.id}/active", data={"active": active})
        assert response.status_code == 302
    # Active again, but the session from before the deactivation stays ended.
    replay(client, kept)
    assert sent_to_sign_in(client.get("/officer"))
    sign_in_through_the_form(client, officer)
    assert client.get("/officer").status_code == 200


def test_no_remember_me_cookie_outlives_the_session(client, db, frozen):
    user = make_user(Role.provider)
    db.session.commit()
    response = sign_in_through_the_form(client, user)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all(cookie.startswith("session=") for cookie in cookies)
    assert client.get_cookie("remember_token") is None
    # The session cookie is a browser-session cookie: it has no expiry of its own.
    assert "Expires" not in cookies[0]


# The absolute lifetime.


@pytest.mark.parametrize("role", [Role.provider, Role.contracts_officer])
def test_a_session_ends_twelve_hours_after_signing_in_however_busy(client, db, frozen, role):
    user = make_user(role)
    db.session.commit()
    sign_in_through_the_form(client, user)
    # Busy all day: a request every 20 minutes, never idle.
    for _ in range(35):
        frozen.advance(timedelta(minutes=20))
        assert client.get(HOMES[role]).status_code == 200
    kept = session_cookie(client)  # 11 hours 40 minutes after signing in
    frozen.advance(timedelta(minutes=20, seconds=1))
    response = client.get(HOMES[role])
    assert sent_to_sign_in(response, HOMES[role])
    page = page_text(client.get(response.headers["Location"]))
    assert "You were signed out because you signed in more than 12 hours ago" in page
    # A copy of the cookie kept from before the end is as expired.
    replay(client, kept)
    assert sent_to_sign_in(client.get(HOMES[role]))


@pytest.mark.app_config(SESSION_ABSOLUTE_LIFETIME=timedelta(hours=2))
def test_the_absolute_lifetime_is_configurable(client, db, frozen):
    user = make_user(Role.provider)
    db.session.commit()
    sign_in_through_the_form(client, user)
    for _ in range(4):
        frozen.advance(timedelta(minutes=29))
        assert client.get("/provider").status_code == 200
    frozen.advance(timedelta(minutes=5))
    response = client.get("/provider", follow_redirects=True)
    assert "signed in more than 2 hours ago" in page_text(response)


# The idle timeout.


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_signed_out_after_its_idle_time_and_comes_back(client, db, frozen, role):
    user = make_user(role)
    db.session.commit()
    minutes = IDLE_MINUTES[role]
    home = HOMES[role]
    sign_in_through_the_form(client, user)
    frozen.advance(timedelta(minutes=minutes - 1))
    assert client.get(home).status_code == 200, "a request within the idle time keeps it"
    frozen.advance(timedelta(minutes=minutes - 1))
    assert client.get(f"{home}?a=1").status_code == 200
    kept = session_cookie(client)

    frozen.advance(timedelta(minutes=minutes, seconds=1))
    response = client.get(f"{home}?a=2")
    assert sent_to_sign_in(response, f"{home}?a=2")
    sign_in_page = client.get(response.headers["Location"])
    assert f"You were signed out after {minutes} minutes without activity" in page_text(
        sign_in_page
    )
    # The copy kept from before is expired too.
    replay(client, kept)
    assert sent_to_sign_in(client.get(home))

    # Signing in again (the form posts to the same address, with its next) comes back.
    back = sign_in_through_the_form(client, user, next=f"{home}?a=2")
    assert back.headers["Location"] == f"{home}?a=2"


def test_an_idle_provider_is_kept_for_an_hour_where_staff_are_not(client, db, frozen):
    officer = make_user(Role.contracts_officer)
    provider_user = make_user(Role.provider)
    db.session.commit()
    other = client.application.test_client()
    sign_in_through_the_form(client, officer)
    sign_in_through_the_form(other, provider_user)
    frozen.advance(timedelta(minutes=45))
    assert sent_to_sign_in(client.get("/officer"))
    assert other.get("/provider").status_code == 200


@pytest.mark.app_config(PROVIDER_IDLE_TIMEOUT=timedelta(minutes=10))
def test_the_provider_idle_time_is_configurable(client, db, frozen):
    user = make_user(Role.provider)
    db.session.commit()
    sign_in_through_the_form(client, user)
    frozen.advance(timedelta(minutes=10, seconds=1))
    response = client.get("/provider", follow_redirects=True)
    assert "You were signed out after 10 minutes without activity" in page_text(response)


def test_a_busy_session_is_sent_a_new_cookie_at_most_once_a_minute(client, db, frozen):
    """The time last seen is written to the minute: requests within a minute of it leave the
    cookie as it was (no Set-Cookie), and the idle time counts from the last one written."""
    user = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in_through_the_form(client, user)
    client.get("/officer")  # The first page keeps the sign-out form's CSRF token in the session.
    frozen.advance(timedelta(seconds=30))
    assert "Set-Cookie" not in client.get("/officer").headers
    frozen.advance(timedelta(seconds=30))
    assert "Set-Cookie" in client.get("/officer").headers, "a minute on: last seen now"
    frozen.advance(timedelta(seconds=59))
    assert "Set-Cookie" not in client.get("/officer").headers
    # 30 minutes after the last time written (29 after the last request): signed out.
    frozen.advance(timedelta(minutes=29, seconds=2))
    assert sent_to_sign_in(client.get("/officer"))


def test_a_form_sent_after_the_idle_time_returns_to_its_page(client, db, frozen):
    user = make_user(Role.provider)
    db.session.commit()
    sign_in_through_the_form(client, user)
    frozen.advance(timedelta(minutes=61))
    response = client.post(
        "/notifications/read-all",
        headers={"Referer": "http://localhost/notifications?page=2"},
    )
    assert sent_to_sign_in(response, "/notifications?page=2")


def test_a_referrer_from_another_site_is_not_where_the_person_returns(client, db, frozen):
    user = make_user(Role.provider)
    db.session.commit()
    sign_in_through_the_form(client, user)
    frozen.advance(timedelta(minutes=61))
    response = client.post(
        "/notifications/read-all", headers={"Referer": "https://evil.example/steal"}
    )
    assert response.headers["Location"] == SIGN_IN_PAGE
