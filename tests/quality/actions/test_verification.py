"""The monitor reads the provider's response and closes the action or sends it back;
contracts officers read the same pages; providers reach none of them."""

from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import InvalidTransition, OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.quality.actions import operations
from dps_portal.quality.models import ActionState
from tests.conftest import sign_in
from tests.contracts.factories import make_visit
from tests.factories import make_user
from tests.onboarding.helpers import error_summary, page_text
from tests.providers.factories import make_provider_user
from tests.quality.actions.factories import (
    make_action,
    make_finalised_visit,
    provider_user_with_home,
)


@pytest.fixture
def answered(db, frozen_clock):
    provider_user, home = provider_user_with_home()
    colleague = make_provider_user(home.provider)
    action = make_action(make_finalised_visit(home), state=ActionState.awaiting_verification)
    db.session.commit()
    return action, [provider_user, colleague]


def _provider_notifications(db, users) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id.in_([u.id for u in users]))
            .order_by(Notification.id)
        )
    )


def test_the_monitor_closes_an_answered_action(client, db, answered):
    action, provider_users = answered
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    page = client.get(f"/quality/actions/{action.id}/verify")
    assert "The provider's responses" in page_text(page)
    assert "All MAR charts are now signed." in page_text(page)

    response = client.post(
        f"/quality/actions/{action.id}/verify",
        data={"decision": "close", "note": "Checked ten MAR charts on site."},
    )

    assert response.status_code == 302
    db.session.refresh(action)
    assert action.state is ActionState.closed
    assert action.closed_by_id == monitor.id
    assert action.closed_at is not None
    assert action.verification_note == "Checked ten MAR charts on site."
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "action.closed")).one()
    assert (event.actor_id, event.before, event.after["state"]) == (
        monitor.id,
        {"state": "awaiting_verification"},
        "closed",
    )
    told = _provider_notifications(db, provider_users)
    assert len(told) == 2
    assert {n.title for n in told} == {
        f"The council has closed an action for {action.visit.care_home.name}"
    }
    assert told[0].link == f"/quality/visits/{action.visit_id}"


def test_the_monitor_sends_an_action_back_with_a_note(client, db, answered):
    action, provider_users = answered
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    missing = client.post(f"/quality/actions/{action.id}/verify", data={"decision": "send_back"})
    assert error_summary(missing) == ["Enter what the provider still needs to do"]
    db.session.refresh(action)
    assert action.state is ActionState.awaiting_verification

    response = client.post(
        f"/quality/actions/{action.id}/verify",
        data={"decision": "send_back", "note": "Send the audit of March's charts."},
    )

    assert response.status_code == 302
    db.session.refresh(action)
    assert action.state is ActionState.open
    assert action.closed_at is None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "action.reopened")
    ).one()
    assert event.after == {"state": "open", "note": "Send the audit of March's charts."}
    told = _provider_notifications(db, provider_users)
    assert len(told) == 2
    assert "Send the audit of March's charts." in told[0].body

    # The provider sees what is still needed and answers again.
    provider_client = client.application.test_client()
    sign_in(provider_client, provider_users[0])
    page = page_text(provider_client.get(f"/quality/visits/{action.visit_id}"))
    assert "What the council still needs: Send the audit of March's charts." in page
    again = provider_client.post(
        f"/quality/actions/{action.id}/respond", data={"text": "Audit attached."}
    )
    assert again.status_code == 302
    db.session.refresh(action)
    assert action.state is ActionState.awaiting_verification
    assert len(action.responses) == 2


def test_a_decision_must_be_chosen(client, db, answered):
    action, _users = answered
    sign_in(client, make_user(Role.quality_monitor))
    db.session.commit()

    response = client.post(f"/quality/actions/{action.id}/verify", data={"note": "Fine"})

    assert error_summary(response) == ["Select whether to close the action or send it back"]


@pytest.mark.parametrize("state", [ActionState.open, ActionState.closed])
def test_only_an_answered_action_can_be_verified(client, db, frozen_clock, state):
    _user, home = provider_user_with_home()
    action = make_action(make_finalised_visit(home), state=state)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    page = client.get(f"/quality/actions/{action.id}/verify")
    response = client.post(f"/quality/actions/{action.id}/verify", data={"decision": "close"})

    assert page.status_code == response.status_code == 302
    assert response.headers["Location"].endswith(f"/quality/actions/{action.id}")
    db.session.refresh(action)
    assert action.state is state


# (from, operation, allowed?)
TRANSITIONS = [
    (ActionState.open, "respond", True),
    (ActionState.open, "close", False),
    (ActionState.open, "send_back", False),
    (ActionState.awaiting_verification, "respond", True),
    (ActionState.awaiting_verification, "close", True),
    (ActionState.awaiting_verification, "send_back", True),
    (ActionState.closed, "respond", False),
    (ActionState.closed, "close", False),
    (ActionState.closed, "send_back", False),
]


@pytest.mark.parametrize(("state", "operation", "allowed"), TRANSITIONS)
def test_transitions(db, frozen_clock, state, operation, allowed):
    provider_user, home = provider_user_with_home()
    action = make_action(make_finalised_visit(home), state=state)
    monitor = make_user(Role.quality_monitor)
    expected = {
        "respond": ActionState.awaiting_verification,
        "close": ActionState.closed,
        "send_back": ActionState.open,
    }[operation]

    def run():
        if operation == "respond":
            operations.respond_to_action(action, text="Done", document=None, by=provider_user)
        elif operation == "close":
            operations.close_action(action, note="", by=monitor)
        else:
            operations.send_back_action(action, note="More please", by=monitor)

    if allowed:
        run()
        assert action.state is expected
    else:
        with pytest.raises((InvalidTransition, OperationRefused)):
            run()
        db.session.rollback()


def test_an_action_of_a_visit_not_finalised_is_not_found(client, db, frozen_clock):
    _user, home = provider_user_with_home()
    action = make_action(make_visit(home, outcome=None), state=ActionState.awaiting_verification)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    assert client.get(f"/quality/actions/{action.id}").status_code == 404
    assert client.get(f"/quality/actions/{action.id}/verify").status_code == 404
    assert "Sign every MAR chart" not in page_text(client.get("/quality/actions"))


def test_the_list_puts_answered_actions_first_and_flags_overdue(client, db, frozen_clock):
    _user, home = provider_user_with_home()
    visit = make_finalised_visit(home)
    overdue = make_action(visit, due_on=date(2026, 3, 1), description="Overdue thing")
    later = make_action(visit, due_on=date(2026, 5, 1), description="Later thing")
    waiting = make_action(
        visit,
        state=ActionState.awaiting_verification,
        due_on=date(2026, 6, 1),
        description="Answered thing",
    )
    closed = make_action(visit, state=ActionState.closed, description="Closed thing")
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)

    text = page_text(client.get("/quality/actions"))

    assert text.index("Answered thing") < text.index("Overdue thing") < text.index("Later thing")
    assert "Closed thing" not in text
    assert "1 March 2026 Open Overdue" in text
    assert "Waiting for verification or open (3)" in text
    html = client.get("/quality/actions?state=closed").get_data(as_text=True)
    assert f'data-action="{closed.id}"' in html
    assert f'data-action="{waiting.id}"' not in html
    html = client.get("/quality/actions?state=open").get_data(as_text=True)
    assert f'data-action="{overdue.id}"' in html and f'data-action="{later.id}"' in html
    assert f'data-action="{waiting.id}"' not in html
    # An unknown filter shows the default list.
    assert "Answered thing" in page_text(client.get("/quality/actions?state=nonsense"))


def test_contracts_officers_read_but_do_not_verify(client, db, answered):
    action, _users = answered
    sign_in(client, make_user(Role.contracts_officer))
    db.session.commit()

    listing = client.get("/quality/actions")
    page = client.get(f"/quality/actions/{action.id}")

    assert listing.status_code == page.status_code == 200
    assert "All MAR charts are now signed." in page_text(page)
    assert "Verify this action" not in page_text(page)
    assert client.get(f"/quality/actions/{action.id}/verify").status_code == 403
    assert (
        client.post(f"/quality/actions/{action.id}/verify", data={"decision": "close"}).status_code
        == 403
    )
    db.session.refresh(action)
    assert action.state is ActionState.awaiting_verification


def test_a_monitor_sees_the_verify_button_on_an_answered_action(client, db, answered):
    action, _users = answered
    sign_in(client, make_user(Role.quality_monitor))
    db.session.commit()

    page = client.get(f"/quality/actions/{action.id}")

    assert "Verify this action" in page_text(page)


@pytest.mark.parametrize(
    "path",
    ["/quality/actions", "/quality/actions/{id}", "/quality/actions/{id}/verify"],
)
def test_providers_cannot_reach_the_councils_pages(client, db, answered, path):
    action, users = answered
    sign_in(client, users[0])

    assert client.get(path.format(id=action.id)).status_code == 403
    if path.endswith("verify"):
        response = client.post(path.format(id=action.id), data={"decision": "close"})
        assert response.status_code == 403


def test_the_monitor_dashboard_counts_actions_waiting(client, db, answered):
    sign_in(client, make_user(Role.quality_monitor))
    db.session.commit()

    text = page_text(client.get("/quality"))

    assert "Actions waiting for verification: 1 Providers have answered" in text
