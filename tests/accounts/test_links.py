"""Emailed single-use links: forgotten password, provider registration, staff invitations."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import OutboxEmail
from dps_portal.providers.models import ProviderOrganisation
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "lantern orchard velvet"


def emails_to(db, address):
    return db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
    ).all()


def link_path(email: OutboxEmail) -> str:
    match = re.search(r"https?://[^/\s]+(/account/[^\s]+)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def choose(client, path, password=NEW_PASSWORD, again=None):
    return client.post(path, data={"password": password, "password_again": again or password})


def test_forgotten_password_link_works_once(client, db):
    user = make_user()
    db.session.commit()
    response = client.post("/account/forgotten-password", data={"email": user.email})
    assert response.headers["Location"] == "/account/check-your-email"
    [email] = emails_to(db, user.email)
    assert email.subject == "Reset your password"
    path = link_path(email)
    assert client.get(path).status_code == 200
    assert choose(client, path).headers["Location"] == "/account/sign-in"
    assert client.get(path).status_code == 410
    assert choose(client, path, "another fine password").status_code == 410
    signed_in = client.post(
        "/account/sign-in", data={"email": user.email, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_forgotten_password_link_expires_after_an_hour(client, db):
    user = make_user()
    db.session.commit()
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)) as frozen:
        client.post("/account/forgotten-password", data={"email": user.email})
        path = link_path(emails_to(db, user.email)[0])
        frozen.advance(timedelta(minutes=59))
        assert client.get(path).status_code == 200
        frozen.advance(timedelta(minutes=2))
        assert client.get(path).status_code == 410
        assert choose(client, path).status_code == 410


def test_a_newer_link_cancels_the_older_one(client, db):
    user = make_user()
    db.session.commit()
    client.post("/account/forgotten-password", data={"email": user.email})
    client.post("/account/forgotten-password", data={"email": user.email})
    first, second = emails_to(db, user.email)
    assert client.get(link_path(first)).status_code == 410
    assert client.get(link_path(second)).status_code == 200


def test_unknown_email_gets_the_same_page_and_no_email(client, db):
    response = client.post("/account/forgotten-password", data={"email": "nobody@example.org"})
    assert response.headers["Location"] == "/account/check-your-email"
    page = client.get("/account/check-your-email").get_data(as_text=True)
    assert "If <strong>nobody@example.org</strong> has an account" in page
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_resetting_the_password_ends_other_sessions(client, db):
    user = make_user()
    db.session.commit()
    elsewhere = client.application.test_client()
    sign_in(elsewhere, user)
    assert elsewhere.get("/officer").status_code == 200
    client.post("/account/forgotten-password", data={"email": user.email})
    choose(client, link_path(emails_to(db, user.email)[0]))
    assert elsewhere.get("/officer").status_code == 302


def test_reset_refuses_weak_passwords_and_keeps_nothing_typed(client, db):
    user = make_user()
    db.session.commit()
    client.post("/account/forgotten-password", data={"email": user.email})
    path = link_path(emails_to(db, user.email)[0])
    short = choose(client, path, "short")
    assert "Password must be 12 characters or more" in short.get_data(as_text=True)
    common = choose(client, path, "password1234")
    assert "Password is too common" in common.get_data(as_text=True)
    mismatch = choose(client, path, NEW_PASSWORD, "something else entirely")
    assert "The passwords do not match" in mismatch.get_data(as_text=True)
    assert client.get(path).status_code == 200, "a refused password does not use the link"


def register(client, email="first@newcare.example", **overrides):
    data = {
        "organisation_name": "New Care Homes Ltd",
        "full_name": "Morgan Lee",
        "email": email,
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        **overrides,
    }
    return client.post("/account/register", data=data)


def test_provider_registers_and_confirms_email(client, db):
    assert register(client).headers["Location"] == "/account/check-your-email"
    user = db.session.scalars(select(User).where(User.email == "first@newcare.example")).one()
    assert user.role is Role.provider
    assert user.provider.legal_name == "New Care Homes Ltd"
    refused = client.post("/account/sign-in", data={"email": user.email, "password": NEW_PASSWORD})
    assert "Confirm your email address" in refused.get_data(as_text=True)
    confirmation = [e for e in emails_to(db, user.email) if "Confirm" in e.subject][-1]
    assert client.get(link_path(confirmation)).headers["Location"] == "/account/sign-in"
    signed_in = client.post(
        "/account/sign-in", data={"email": user.email, "password": NEW_PASSWORD}
    )
    assert signed_in.headers["Location"] == "/provider"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"provider.registered", "user.registered", "user.email_confirmed"} <= actions


def test_registering_an_existing_email_reveals_nothing(client, db):
    existing = make_user(email="taken@example.org")
    db.session.commit()
    response = register(client, email="taken@example.org")
    assert response.headers["Location"] == "/account/check-your-email"
    assert db.session.scalar(select(func.count(ProviderOrganisation.id))) == 0
    [email] = emails_to(db, existing.email)
    assert email.subject == "You already have an account"


def test_registration_errors_keep_what_was_typed(client, db):
    response = register(client, email="not-an-email", password="short", password_again="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter an email address in the correct format" in html
    assert "Password must be 12 characters or more" in html
    assert 'value="New Care Homes Ltd"' in html
    assert 'value="Morgan Lee"' in html
    assert 'value="not-an-email"' in html


def test_password_must_not_contain_the_persons_name(client, db):
    response = register(
        client, password="morgan lee is great", password_again="morgan lee is great"
    )
    assert "must not contain your name" in response.get_data(as_text=True)


def test_administrator_invites_staff_who_set_a_password(client, db):
    admin = make_user(Role.administrator)
    db.session.commit()
    sign_in(client, admin)
    response = client.post(
        "/admin/users/invite",
        data={
            "full_name": "Dana Reid",
            "email": "Dana.Reid@council.example",
            "role": "quality_monitor",
        },
    )
    assert response.status_code == 302
    invited = db.session.scalars(
        select(User).where(User.email == "dana.reid@council.example")
    ).one()
    assert invited.role is Role.quality_monitor and not invited.is_active
    client.post("/account/sign-out")
    path = link_path(emails_to(db, invited.email)[0])
    assert "Dana Reid" in client.get(path).get_data(as_text=True)
    assert choose(client, path).headers["Location"] == "/account/sign-in"
    signed_in = client.post(
        "/account/sign-in", data={"email": invited.email, "password": NEW_PASSWORD}
    )
    assert signed_in.headers["Location"] == "/quality"


def test_inviting_an_existing_email_is_refused_with_a_message(client, db):
    admin = make_user(Role.administrator)
    taken = make_user(email="taken@council.example")
    db.session.commit()
    sign_in(client, admin)
    response = client.post(
        "/admin/users/invite",
        data={"full_name": "Someone", "email": taken.email, "role": "contracts_officer"},
    )
    assert response.status_code == 200
    assert "There is already an account with this email address" in response.get_data(as_text=True)


def test_administrator_deactivates_and_reactivates(client, db):
    admin = make_user(Role.administrator)
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, admin)
    client.post(f"/admin/users/{officer.id}/active", data={"active": "no"})
    db.session.expire_all()
    assert not db.session.get(User, officer.id).is_active
    refused = client.post(f"/admin/users/{admin.id}/active", data={"active": "no"})
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active
    client.post(f"/admin/users/{officer.id}/active", data={"active": "yes"})
    db.session.expire_all()
    assert db.session.get(User, officer.id).is_active
    other = client.application.test_client()
    assert (
        other.post(
            "/account/sign-in", data={"email": officer.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
