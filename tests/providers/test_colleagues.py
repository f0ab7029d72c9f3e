"""Inviting a colleague into the same organisation, from the form to their first sign-in."""

import re

import pytest
from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.audit.actions import AuditAction
from dps_portal.core.roles import STAFF_ROLES, Role
from dps_portal.notifications.models import OutboxEmail
from tests.conftest import sign_in
from tests.factories import make_provider, make_user
from tests.providers.factories import audit_events, make_provider_user

PATH = "/organisation/colleagues/invite"
PASSWORD = "lantern orchard velvet"


def emails_to(db, address):
    return db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
    ).all()


def link_path(email: OutboxEmail) -> str:
    match = re.search(r"https?://[^/\s]+(/account/invitation/[^\s]+)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def count_users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def manager(db):
    user = make_provider_user(make_provider(legal_name="Peakland Care Ltd"), full_name="Mo Manager")
    db.session.commit()
    return user


def test_an_invited_colleague_joins_the_same_organisation(client, db, manager):
    sign_in(client, manager)
    assert client.get(PATH).status_code == 200
    response = client.post(
        PATH,
        data={"full_name": "Colin Colleague", "email": " Colin@Example.org ", "can_manage": "no"},
    )
    assert response.headers["Location"] == "/organisation"
    colleague = db.session.scalars(select(User).where(User.email == "colin@example.org")).one()
    assert colleague.role is Role.provider
    assert colleague.provider_id == manager.provider_id
    assert not colleague.is_active
    assert not colleague.can_manage_organisation
    assert colleague.password_hash is None
    [event] = audit_events(AuditAction.colleague_invited)
    assert event.actor_id == manager.id
    assert (event.subject_type, event.subject_id) == ("user_account", str(colleague.id))
    assert event.after["provider_id"] == manager.provider_id
    assert event.after["can_manage_organisation"] is False
    page = client.get("/organisation").get_data(as_text=True)
    assert "Invitation sent to colin@example.org." in page
    assert "Colin Colleague" in page and "Invited" in page

    [email] = emails_to(db, "colin@example.org")
    assert "Mo Manager has invited you" in email.body_text
    path = link_path(email)
    client.post("/account/sign-out")
    welcome = client.get(path).get_data(as_text=True)
    assert "Welcome, Colin Colleague" in welcome
    chosen = client.post(path, data={"password": PASSWORD, "password_again": PASSWORD})
    assert chosen.headers["Location"] == "/account/sign-in"
    signed_in = client.post(
        "/account/sign-in", data={"email": "colin@example.org", "password": PASSWORD}
    )
    assert signed_in.headers["Location"] == "/provider"
    home = client.get("/provider").get_data(as_text=True)
    assert "Peakland Care Ltd" in home
    organisation = client.get("/organisation").get_data(as_text=True)
    assert "Mo Manager" in organisation
    # A colleague who does not manage the organisation cannot invite others.
    assert client.get(PATH).status_code == 403


def test_a_colleague_may_be_made_a_manager(client, db, manager):
    sign_in(client, manager)
    client.post(PATH, data={"full_name": "Mia", "email": "mia@example.org", "can_manage": "yes"})
    colleague = db.session.scalars(select(User).where(User.email == "mia@example.org")).one()
    assert colleague.can_manage_organisation


def test_inviting_an_address_with_an_account_elsewhere_reveals_nothing(client, db, manager):
    other = make_user(Role.provider, email="taken@example.org", full_name="Tia Taken")
    db.session.commit()
    users = count_users(db)
    sign_in(client, manager)
    taken = client.post(
        PATH,
        data={"full_name": "Tia", "email": "Taken@example.org", "can_manage": "no"},
        follow_redirects=True,
    )
    new = client.post(
        PATH,
        data={"full_name": "Nia", "email": "New@example.org", "can_manage": "no"},
        follow_redirects=True,
    )
    assert "Invitation sent to taken@example.org." in taken.get_data(as_text=True)
    assert "Invitation sent to new@example.org." in new.get_data(as_text=True)
    assert "already" not in taken.get_data(as_text=True).lower()
    assert count_users(db) == users + 1  # only the new address became a user
    [told] = emails_to(db, other.email)
    assert told.subject == "Someone tried to invite you"
    assert "Mo Manager" in told.body_text
    invited = [e.subject_id for e in audit_events(AuditAction.colleague_invited)]
    assert len(invited) == 1 and str(other.id) not in invited


def test_inviting_a_user_of_ones_own_organisation_says_so(client, db, manager):
    make_provider_user(manager.provider, email="here@example.org", full_name="Hal Here")
    db.session.commit()
    users = count_users(db)
    sign_in(client, manager)
    response = client.post(
        PATH, data={"full_name": "Hal", "email": "here@example.org", "can_manage": "no"}
    )
    assert response.status_code == 200
    assert "Hal Here is already a user of your organisation" in response.get_data(as_text=True)
    assert count_users(db) == users
    assert emails_to(db, "here@example.org") == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "a@example.org", "can_manage": "no"}, "Enter your colleague’s full name"),
        ({"full_name": "Al", "can_manage": "no"}, "Enter your colleague’s work email address"),
        (
            {"full_name": "Al", "email": "not an email", "can_manage": "no"},
            "Enter an email address in the correct format",
        ),
        (
            {"full_name": "Al", "email": "a@example.org"},
            "Select yes if they can change the organisation’s details",
        ),
    ],
)
def test_the_form_says_what_is_missing(client, db, manager, form, message):
    sign_in(client, manager)
    users = count_users(db)
    response = client.post(PATH, data=form)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count(message) == 2
    assert count_users(db) == users


def test_a_user_who_does_not_manage_the_organisation_cannot_invite(client, db, manager):
    member = make_provider_user(manager.provider, manages=False)
    db.session.commit()
    sign_in(client, member)
    users = count_users(db)
    assert client.get(PATH).status_code == 403
    response = client.post(
        PATH, data={"full_name": "Eve", "email": "eve@example.org", "can_manage": "yes"}
    )
    assert response.status_code == 403
    assert count_users(db) == users


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_people_are_sent_to_sign_in(client, db, method):
    response = client.open(PATH, method=method, data={})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_staff_cannot_invite_provider_users(client, db, role, method):
    staff = make_user(role)
    db.session.commit()
    sign_in(client, staff)
    users = count_users(db)
    data = {"full_name": "Eve", "email": "eve@example.org", "can_manage": "yes"}
    assert client.open(PATH, method=method, data=data).status_code == 403
    assert count_users(db) == users
