"""Clarifications until the cut-off (answered to every invitee without the asker's name, or
privately), extending the deadline (every invitee told, bids kept), and cancelling before
award with a reason sent to the invitees."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import InvalidTransition, OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.tenders import operations
from dps_portal.tenders.models import (
    BidVersion,
    ClarificationState,
    Tender,
    TenderClarification,
    TenderState,
)
from tests.conftest import sign_in
from tests.factories import make_user
from tests.tenders.factories import (
    Market,
    bid_values,
    invitation_of,
    make_published_tender,
    make_tender,
    sign_in_again,
)

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def setup(db):
    market = Market(providers=2)
    officer = make_user(Role.contracts_officer, password=None, full_name="Olive Officer")
    tender = make_published_tender("MH", officer=officer)
    db.session.commit()
    return {
        "tender": tender,
        "market": market,
        "officer": officer,
        "asker": market.users[0],
        "other": market.users[1],
        "invitation": invitation_of(tender, market.homes[0].provider),
    }


def _told(db, user, since_id=0) -> list[Notification]:
    return db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.id > since_id)
        .order_by(Notification.id)
    ).all()


def _last_notification_id(db) -> int:
    return db.session.scalar(select(Notification.id).order_by(Notification.id.desc())) or 0


def test_a_public_answer_reaches_every_invitee_without_the_askers_name(client, setup, db):
    tender = setup["tender"]
    sign_in(client, setup["asker"])
    client.post(
        f"/opportunities/{tender.id}/ask", data={"question": "Is a ground-floor room needed?"}
    )
    question = db.session.scalars(select(TenderClarification)).one()
    assert question.state is ClarificationState.asked
    # Officers are told, and answer.
    assert any("Clarification question" in n.title for n in _told(db, setup["officer"]))
    before = _last_notification_id(db)
    sign_in(client, setup["officer"])
    assert "Is a ground-floor room needed?" in client.get(f"/tenders/{tender.id}").get_data(
        as_text=True
    )
    response = client.post(
        f"/tenders/{tender.id}/clarifications/{question.id}",
        data={"answer": "Yes, on the ground floor.", "visibility": "public"},
    )
    assert response.status_code == 302
    for user in (setup["asker"], setup["other"]):
        notes = _told(db, user, before)
        assert [n.title for n in notes] == [f"Clarification published: {tender.reference}"]
        assert "Yes, on the ground floor." in notes[0].body
        provider_name = setup["asker"].provider.display_name
        assert provider_name not in notes[0].body and setup["asker"].full_name not in notes[0].body
    sign_in(client, setup["other"])
    page = client.get(f"/opportunities/{tender.id}").get_data(as_text=True)
    assert "Yes, on the ground floor." in page
    assert setup["asker"].provider.display_name not in page


def test_a_private_answer_reaches_the_asker_only(setup, db):
    question = operations.ask_clarification(
        setup["invitation"], question="Would you accept our price list?", by=setup["asker"]
    )
    before = _last_notification_id(db)
    operations.answer_clarification(
        question, answer="We cannot say.", is_public=False, by=setup["officer"]
    )
    assert [n.title for n in _told(db, setup["asker"], before)] == [
        f"Your question answered: {setup['tender'].reference}"
    ]
    assert _told(db, setup["other"], before) == []


def test_an_unanswered_question_is_not_shown_to_other_invitees(client, setup, db):
    operations.ask_clarification(
        setup["invitation"], question="Can we visit the person first?", by=setup["asker"]
    )
    db.session.commit()
    sign_in(client, setup["other"])
    page = client.get(f"/opportunities/{setup['tender'].id}").get_data(as_text=True)
    assert "Can we visit the person first?" not in page


def test_no_questions_after_the_cut_off(client, setup, db, _now):
    tender = setup["tender"]
    _now.set(tender.clarifications_close_at)
    with pytest.raises(OperationRefused, match="Questions could be asked until"):
        operations.ask_clarification(setup["invitation"], question="Late?", by=setup["asker"])
    db.session.rollback()
    sign_in_again(client, setup["asker"])
    response = client.post(f"/opportunities/{tender.id}/ask", data={"question": "Late?"})
    assert response.status_code == 302
    assert db.session.scalars(select(TenderClarification)).all() == []


def test_extending_the_deadline_tells_every_invitee_and_keeps_bids(client, setup, db):
    tender = setup["tender"]
    version = operations.submit_bid(
        setup["invitation"], **bid_values(tender, setup["market"].homes[0]), by=setup["asker"]
    )
    db.session.commit()
    before = _last_notification_id(db)
    sign_in(client, setup["officer"])
    response = client.post(
        f"/tenders/{tender.id}/extend",
        data={
            "closes_on": ["9", "3", "2026"],
            "closes_time": "12:00",
            "reason": "A bank holiday in the week.",
        },
    )
    assert response.status_code == 302
    tender = db.session.get(Tender, tender.id)
    assert tender.closes_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    for user in (setup["asker"], setup["other"]):
        notes = _told(db, user, before)
        assert [n.title for n in notes] == [f"Deadline extended: {tender.reference}"]
        assert "9 March 2026 at 12:00pm (GMT)" in notes[0].body or "midday" in notes[0].body
    assert db.session.get(BidVersion, version.id) is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.deadline_extended")
    ).one()
    assert event.before["closes_at"].startswith("2026-03-06 17:00")
    assert event.after["reason"] == "A bank holiday in the week."


def test_a_deadline_cannot_be_brought_forward_or_extended_once_closed(setup, db, _now):
    tender = setup["tender"]
    with pytest.raises(OperationRefused, match="later than the current one"):
        operations.extend_deadline(
            tender,
            closes_at=tender.closes_at - timedelta(hours=1),
            clarifications_close_at=None,
            reason="Sooner",
            by=setup["officer"],
        )
    _now.set(tender.closes_at)
    with pytest.raises(OperationRefused, match="has closed"):
        operations.extend_deadline(
            tender,
            closes_at=tender.closes_at + timedelta(days=1),
            clarifications_close_at=None,
            reason="Reopen",
            by=setup["officer"],
        )


def test_cancelling_tells_every_invitee_the_reason_and_stops_bids(client, setup, db):
    tender = setup["tender"]
    before = _last_notification_id(db)
    sign_in(client, setup["officer"])
    response = client.post(f"/tenders/{tender.id}/cancel", data={"reason": "The person moved."})
    assert response.status_code == 302
    tender = db.session.get(Tender, tender.id)
    assert tender.state is TenderState.cancelled
    assert tender.cancelled_at == NOW and tender.cancel_reason == "The person moved."
    for user in (setup["asker"], setup["other"]):
        notes = _told(db, user, before)
        assert [n.title for n in notes] == [f"Mini-tender cancelled: {tender.reference}"]
        assert "The person moved." in notes[0].body
    emails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.like("Mini-tender cancelled%"))
    ).all()
    users = db.session.scalars(
        select(User).where(User.provider_id.in_([h.provider_id for h in setup["market"].homes]))
    ).all()
    assert {email.to_address for email in emails} == {user.email for user in users}
    with pytest.raises(OperationRefused, match="cancelled"):
        operations.submit_bid(
            setup["invitation"], **bid_values(tender, setup["market"].homes[0]), by=setup["asker"]
        )
    db.session.rollback()  # as a refused request does: its row locks go with it
    sign_in(client, setup["asker"])
    assert "The person moved." in client.get(f"/opportunities/{tender.id}").get_data(as_text=True)


def test_a_cancelled_tender_cannot_be_cancelled_again(setup, db):
    operations.cancel_tender(setup["tender"], reason="First", by=setup["officer"])
    with pytest.raises(InvalidTransition):
        operations.cancel_tender(setup["tender"], reason="Second", by=setup["officer"])


def test_a_draft_can_be_cancelled_without_telling_anyone(db):
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_tender(officer=officer)
    before = _last_notification_id(db)
    operations.cancel_tender(tender, reason="Entered twice", by=officer)
    assert tender.state is TenderState.cancelled
    assert db.session.scalars(select(Notification).where(Notification.id > before)).all() == []


def test_a_provider_cannot_act_on_another_providers_invitation(client, setup, db):
    stranger = make_user(Role.provider, password=None)
    db.session.commit()
    sign_in(client, stranger)
    tender_id = setup["tender"].id
    for url in ("", "/ask", "/bid", "/decline"):
        assert client.get(f"/opportunities/{tender_id}{url}").status_code == 404
        assert client.post(f"/opportunities/{tender_id}{url}", data={}).status_code in (404, 405)
    assert client.post(f"/opportunities/{tender_id}/withdraw").status_code == 404
