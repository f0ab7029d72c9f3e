"""Renewed self-declarations: an officer asks an admitted provider, the provider confirms."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import move
from dps_portal.declarations import operations
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.declarations.queries import declaration_questions, overdue_declaration
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding.models import Admission, ApplicationState
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.review.factories import make_received_application, provider_user_of


@pytest.fixture
def admitted(db, framework):
    """A provider admitted to Mental Health on an application decided without declaring
    any exclusion ground, and its user."""
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    move(application, ApplicationState.decided)
    application.decided_at = clock.now()
    db.session.add(
        Admission(
            provider_id=application.provider_id,
            category_id=application.categories[0].category_id,
            application_id=application.id,
            admitted_by_id=officer.id,
        )
    )
    db.session.commit()
    return application.provider, provider_user_of(application), officer


def _request(client, provider, message="Annual check"):
    return client.post(f"/review/providers/{provider.id}/declaration", data={"message": message})


def test_an_officer_asks_an_admitted_provider_to_confirm(client, db, admitted, frozen_clock):
    provider, provider_user, officer = admitted
    sign_in(client, officer)
    assert "Ask the provider to confirm" in client.get(
        f"/review/providers/{provider.id}/declaration"
    ).get_data(as_text=True)

    response = _request(client, provider)

    assert response.status_code == 302
    declaration = db.session.scalars(select(DeclarationRequest)).one()
    assert declaration.provider_id == provider.id
    assert declaration.message == "Annual check"
    assert declaration.requested_by_id == officer.id
    # Ten working days after 3 March 2026.
    assert declaration.due_on == date(2026, 3, 17)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "declaration.requested")
    ).one()
    assert event.after["due_on"] == "2026-03-17"
    notification = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == provider_user.id)
        .order_by(Notification.id)
    ).all()[-1]
    assert notification.link == f"/declarations/{declaration.id}"
    assert "17 March 2026" in notification.title
    email = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.to_address == provider_user.email)
        .order_by(OutboxEmail.id)
    ).all()[-1]
    assert "Annual check" in email.body_text
    assert f"/declarations/{declaration.id}" in email.body_text

    again = _request(client, provider, "Another")

    assert "has not yet answered the request" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(DeclarationRequest)).all()) == 1


def test_a_provider_not_admitted_cannot_be_asked(client, db, framework, frozen_clock):
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)

    response = _request(client, application.provider)

    assert "is not admitted to any category" in response.get_data(as_text=True)
    assert db.session.scalars(select(DeclarationRequest)).all() == []


def test_the_provider_confirms_its_declaration(client, db, framework, admitted, frozen_clock):
    provider, provider_user, officer = admitted
    declaration = operations.request_declaration(
        provider, message="", framework=framework, by=officer
    )
    db.session.commit()
    sign_in(client, provider_user)
    url = f"/declarations/{declaration.id}"

    form = client.get(url).get_data(as_text=True)
    assert "mandatory exclusion ground" in form
    # The organisation's last answers are filled in.
    assert re.search(r'name="mandatory_exclusion" type="radio" value="no" checked', form)
    assert not re.search(r'value="yes" checked', form)

    unconfirmed = client.post(
        url, data={"mandatory_exclusion": "no", "discretionary_exclusion": "no"}
    )
    assert "Confirm that the declarations are true" in unconfirmed.get_data(as_text=True)
    no_details = client.post(
        url,
        data={"mandatory_exclusion": "yes", "discretionary_exclusion": "no", "confirm": "y"},
    )
    assert "Enter the details" in no_details.get_data(as_text=True)
    db.session.refresh(declaration)
    assert declaration.confirmed_at is None

    confirmed = client.post(
        url,
        data={
            "mandatory_exclusion": "no",
            "discretionary_exclusion": "no",
            "discretionary_exclusion_details": "left over from an earlier answer",
            "confirm": "y",
        },
    )

    assert confirmed.status_code == 302
    db.session.refresh(declaration)
    assert declaration.answers == {"mandatory_exclusion": "no", "discretionary_exclusion": "no"}
    assert declaration.confirmed_by_id == provider_user.id
    assert declaration.confirmed_at is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "declaration.confirmed")
    ).one()
    assert event.actor_id == provider_user.id
    officer_notes = db.session.scalars(
        select(Notification).where(Notification.user_id == officer.id)
    ).all()
    assert not [n for n in officer_notes if "exclusion ground" in n.title]
    assert "You confirmed this declaration" in client.get(url).get_data(as_text=True)


def test_officers_are_told_when_a_renewed_declaration_says_yes(
    db, framework, admitted, frozen_clock
):
    provider, provider_user, officer = admitted
    other_officer = make_user(Role.contracts_officer)
    declaration = DeclarationRequest(
        provider_id=provider.id, requested_by_id=officer.id, due_on=date(2026, 3, 17)
    )
    db.session.add(declaration)
    questions = declaration_questions(framework)

    declared = operations.confirm_declaration(
        declaration,
        {
            "mandatory_exclusion": "no",
            "discretionary_exclusion": "yes",
            "discretionary_exclusion_details": "Entered administration in 2025",
        },
        questions=questions,
        by=provider_user,
    )

    assert [q.key for q in declared] == ["discretionary_exclusion"]
    for person in (officer, other_officer):
        (note,) = db.session.scalars(
            select(Notification).where(Notification.user_id == person.id)
        ).all()
        assert note.title == f"{provider.display_name} declared an exclusion ground"
        assert note.link == f"/review/providers/{provider.id}/declaration"
    with pytest.raises(OperationRefused, match="already confirmed"):
        operations.confirm_declaration(declaration, {}, questions=questions, by=provider_user)


def test_a_declaration_is_overdue_only_after_its_due_date_and_until_answered(
    db, admitted, frozen_clock
):
    provider, _provider_user, officer = admitted
    declaration = DeclarationRequest(
        provider_id=provider.id, requested_by_id=officer.id, due_on=date(2026, 3, 17)
    )
    db.session.add(declaration)
    db.session.flush()

    assert overdue_declaration(provider, date(2026, 3, 16)) is None
    assert overdue_declaration(provider, date(2026, 3, 17)) is None
    assert overdue_declaration(provider, date(2026, 3, 18)) == declaration

    declaration.confirmed_at = clock.now()
    assert overdue_declaration(provider, date(2026, 3, 18)) is None


def test_a_provider_cannot_reach_another_providers_declaration(client, db, admitted):
    provider, _provider_user, officer = admitted
    declaration = DeclarationRequest(
        provider_id=provider.id, requested_by_id=officer.id, due_on=date(2026, 3, 17)
    )
    db.session.add(declaration)
    stranger = make_user(Role.provider)
    db.session.commit()
    sign_in(client, stranger)

    assert client.get(f"/declarations/{declaration.id}").status_code == 404
    response = client.post(
        f"/declarations/{declaration.id}",
        data={"mandatory_exclusion": "no", "discretionary_exclusion": "no", "confirm": "y"},
    )
    assert response.status_code == 404
    db.session.refresh(declaration)
    assert declaration.confirmed_at is None
