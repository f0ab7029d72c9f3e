"""The provider answers an action: text and optional evidence, kept across a page with
errors; the action then waits for verification and the visit's monitor is told."""

import io

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.quality.actions import operations
from dps_portal.quality.models import ActionResponse, ActionState
from tests.conftest import sign_in
from tests.documents import samples
from tests.onboarding.factories import sample_pdf
from tests.onboarding.helpers import error_summary, input_value, page_text, textarea_value
from tests.quality.actions.factories import (
    make_action,
    make_finalised_visit,
    provider_user_with_home,
)

HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def answering(client, db, frozen_clock):
    user, home = provider_user_with_home()
    visit = make_finalised_visit(home)
    action = make_action(visit)
    db.session.commit()
    sign_in(client, user)
    return user, action


def _url(action) -> str:
    return f"/quality/actions/{action.id}/respond"


def test_the_page_shows_the_action(client, answering):
    _user, action = answering

    response = client.get(_url(action))

    text = page_text(response)
    assert response.status_code == 200
    assert "Respond to an action" in text
    assert "Sign every MAR chart at each round" in text
    assert "Open Priority: High. Due by 1 April 2026." in text
    assert "What you have done" in text


def test_a_response_with_evidence_waits_for_verification_and_tells_the_monitor(
    client, db, answering
):
    user, action = answering

    response = client.post(
        _url(action),
        data={
            "text": "  Night staff retrained on 2 March.  ",
            "evidence": (io.BytesIO(sample_pdf()), "training record.pdf"),
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/quality/visits/{action.visit_id}#action-{action.id}"
    )
    db.session.refresh(action)
    assert action.state is ActionState.awaiting_verification
    [answer] = action.responses
    assert answer.text == "Night staff retrained on 2 March."
    assert answer.responded_by_id == user.id
    assert answer.document.original_filename == "training record.pdf"
    assert answer.document.provider_id == user.provider_id
    assert answer.document.kind == "action_evidence"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "action.responded")
    ).one()
    assert event.subject_id == str(action.id)
    assert event.before == {"state": "open"}
    assert event.after["state"] == "awaiting_verification"
    assert event.after["document_id"] == answer.document_id
    monitor = action.visit.monitor
    told = db.session.scalars(select(Notification).where(Notification.user_id == monitor.id)).one()
    assert told.title == (
        f"{action.visit.provider.display_name} has answered an action for "
        f"{action.visit.care_home.name}"
    )
    assert told.link == f"/quality/actions/{action.id}/verify"
    assert db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.to_address == monitor.email))
    page = page_text(client.get(f"/quality/visits/{action.visit_id}"))
    assert "Waiting for verification" in page
    assert "Night staff retrained on 2 March. Evidence: training record.pdf" in page


def test_a_response_without_evidence_is_accepted(client, db, answering):
    _user, action = answering

    response = client.post(_url(action), data={"text": "Policy rewritten."})

    assert response.status_code == 302
    db.session.refresh(action)
    [answer] = action.responses
    assert answer.document_id is None
    assert action.state is ActionState.awaiting_verification


def test_the_text_is_required_and_the_file_is_kept_for_the_next_try(client, db, answering):
    user, action = answering

    first = client.post(
        _url(action),
        data={"text": "", "evidence": (io.BytesIO(sample_pdf()), "policy.pdf")},
    )

    assert first.status_code == 200
    assert error_summary(first) == ["Enter what you have done about the action"]
    assert "Uploaded: policy.pdf" in page_text(first)
    [kept] = input_value(first, "kept_document")
    assert db.session.get(StoredDocument, int(kept)).provider_id == user.provider_id
    db.session.refresh(action)
    assert action.state is ActionState.open and action.responses == []

    second = client.post(_url(action), data={"text": "Policy updated.", "kept_document": kept})

    assert second.status_code == 302
    db.session.refresh(action)
    [answer] = action.responses
    assert answer.document_id == int(kept)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (HTML_PAGE, "evidence.pdf"),
        (samples.exe_bytes(), "evidence.pdf"),
        (b"", "empty.pdf"),
    ],
    ids=["html-named-pdf", "program-named-pdf", "empty"],
)
def test_evidence_is_judged_by_its_content_and_the_typed_text_is_kept(
    client, db, answering, content, name
):
    _user, action = answering

    response = client.post(
        _url(action),
        data={"text": "We retrained staff.", "evidence": (io.BytesIO(content), name)},
    )

    assert response.status_code == 200
    [message] = error_summary(response)
    assert message.startswith("The selected file")
    assert textarea_value(response, "text") == "We retrained staff."
    db.session.refresh(action)
    assert action.state is ActionState.open
    assert db.session.scalars(select(ActionResponse)).all() == []
    evidence = select(StoredDocument).where(StoredDocument.kind == "action_evidence")
    assert db.session.scalars(evidence).all() == []


def test_another_organisations_evidence_cannot_be_claimed(client, db, answering):
    _user, action = answering
    other = samples.store_sample(provider_user_with_home()[0].provider)
    db.session.commit()

    response = client.post(_url(action), data={"text": "Done.", "kept_document": str(other.id)})

    assert response.status_code == 302
    db.session.refresh(action)
    assert action.responses[0].document_id is None


def test_a_closed_action_cannot_be_answered(client, db, frozen_clock):
    user, home = provider_user_with_home()
    action = make_action(make_finalised_visit(home), state=ActionState.closed)
    db.session.commit()
    sign_in(client, user)

    for response in (client.get(_url(action)), client.post(_url(action), data={"text": "More"})):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/quality/visits/{action.visit_id}")
    db.session.refresh(action)
    assert action.state is ActionState.closed
    assert len(action.responses) == 1
    page = page_text(client.get(f"/quality/visits/{action.visit_id}"))
    assert "This action has been closed: it cannot be answered." in page
    assert "Respond to action 1" not in page


def test_another_organisations_action_is_not_found(client, db, frozen_clock):
    user, _home = provider_user_with_home()
    _other, other_home = provider_user_with_home()
    action = make_action(make_finalised_visit(other_home))
    db.session.commit()
    sign_in(client, user)

    assert client.get(_url(action)).status_code == 404
    assert client.post(_url(action), data={"text": "Sneaky"}).status_code == 404
    db.session.refresh(action)
    assert action.state is ActionState.open and action.responses == []


def test_an_answer_waiting_for_verification_can_be_added_to(client, db, frozen_clock):
    user, home = provider_user_with_home()
    action = make_action(make_finalised_visit(home), state=ActionState.awaiting_verification)
    db.session.commit()
    sign_in(client, user)

    response = client.post(_url(action), data={"text": "And the audit is attached."})

    assert response.status_code == 302
    db.session.refresh(action)
    assert [r.text for r in action.responses][-1] == "And the audit is attached."
    assert action.state is ActionState.awaiting_verification


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor])
def test_staff_cannot_answer_for_the_provider(app, db, answering, role):
    from tests.factories import make_user

    _user, action = answering
    staff = make_user(role)
    db.session.commit()
    client = app.test_client()
    sign_in(client, staff)

    assert client.get(_url(action)).status_code == 403
    assert client.post(_url(action), data={"text": "x"}).status_code == 403


def test_the_operation_refuses_a_closed_action_and_another_organisations_user(db, frozen_clock):
    user, home = provider_user_with_home()
    closed = make_action(make_finalised_visit(home), state=ActionState.closed)
    open_action = make_action(make_finalised_visit(home))
    stranger, _ = provider_user_with_home()

    with pytest.raises(OperationRefused, match="has been closed"):
        operations.respond_to_action(closed, text="x", document=None, by=user)
    with pytest.raises(OperationRefused, match="provider's own users"):
        operations.respond_to_action(open_action, text="x", document=None, by=stranger)
