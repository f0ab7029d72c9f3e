"""Bids: the home offered must pass the eligibility rule at the moment of submission; the
total is worked out on the server; each submission is a kept version with a receipt whose
SHA-256 the provider can recompute; edit or withdraw until the deadline; or decline with a
reason. The deadline is exact to the second, across the clock changes, and a late bid is
refused with everything typed still on the page."""

import hashlib
import html
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import OutboxEmail
from dps_portal.tenders import operations
from dps_portal.tenders.models import (
    Bid,
    BidState,
    BidVersion,
    DeclineReason,
    TenderInvitation,
)
from tests.conftest import sign_in
from tests.contracts.factories import suspend
from tests.factories import make_home, make_user
from tests.tenders.factories import (
    Market,
    bid_form,
    bid_values,
    invitation_of,
    make_published_tender,
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
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_published_tender("MH", officer=officer)
    db.session.commit()
    return {
        "tender": tender,
        "home": market.homes[0],
        "other_home": market.homes[1],
        "user": market.users[0],
        "other_user": market.users[1],
        "officer": officer,
        "invitation": invitation_of(tender, market.homes[0].provider),
    }


def _bid_page(client, tender_id) -> str:
    return client.get(f"/opportunities/{tender_id}/bid").get_data(as_text=True)


def test_a_provider_bids_and_gets_a_receipt_it_can_check(client, setup, db):
    tender = setup["tender"]
    sign_in(client, setup["user"])
    page = _bid_page(client, tender.id)
    assert setup["home"].name in page
    # Only its own homes: never another provider's.
    assert setup["other_home"].name not in page
    response = client.post(f"/opportunities/{tender.id}/bid", data=bid_form(tender, setup["home"]))
    assert response.status_code == 302
    version = db.session.scalars(select(BidVersion)).one()
    assert response.location.endswith(f"/opportunities/{tender.id}/receipts/{version.id}")
    # The total worked out on the server: 1,850.00 + 10 hours at 21.50.
    assert version.extra_cost == Decimal("215.00")
    assert version.total_weekly_cost == Decimal("2065.00")
    assert version.submitted_at == NOW
    assert version.receipt_reference == f"{tender.reference}-B{setup['invitation'].id}-V1"
    # The receipt's hash is the SHA-256 of the canonical text it shows.
    receipt = client.get(response.location).get_data(as_text=True)
    shown = html.unescape(receipt.split('id="canonical">', 1)[1].split("</pre>", 1)[0])
    assert shown == version.canonical_content
    assert hashlib.sha256(shown.encode("utf-8")).hexdigest() == version.content_sha256
    assert version.content_sha256 in receipt
    assert "4 March 2026 at 10:00am (GMT)" in receipt
    content = json.loads(shown)
    assert content["total_weekly_cost"] == "2065.00"
    assert content["submitted_at"] == "2026-03-04T10:00:00Z"
    assert content["answers"][0] == {"answer": "Our answer to question 1.", "question": 1}
    assert shown == json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # The downloaded file hashes to the same value, byte for byte.
    download = client.get(f"/opportunities/{tender.id}/receipts/{version.id}/content")
    assert hashlib.sha256(download.data).hexdigest() == version.content_sha256


def test_the_receipt_email_and_audit_event_carry_the_hash_but_no_price(setup, db):
    version = operations.submit_bid(
        setup["invitation"], **bid_values(setup["tender"], setup["home"]), by=setup["user"]
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "bid.submitted")).one()
    assert event.after == {
        "receipt": version.receipt_reference,
        "version": 1,
        "sha256": version.content_sha256,
    }
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.like("Bid received%"))
    ).first()
    assert version.content_sha256 in email.body_text
    assert "1850" not in email.body_text and "1,850" not in email.body_text


def test_editing_keeps_every_version_and_the_last_counts(client, setup, db, _now):
    tender = setup["tender"]
    sign_in(client, setup["user"])
    client.post(f"/opportunities/{tender.id}/bid", data=bid_form(tender, setup["home"]))
    _now.advance(timedelta(hours=1))
    # The form starts from the last version.
    page = _bid_page(client, tender.id)
    assert "1850.00" in page and "Our answer to question 2." in page
    client.post(
        f"/opportunities/{tender.id}/bid",
        data=bid_form(tender, setup["home"], weekly_core_fee="1795", extra_hours_per_week=""),
    )
    bid = db.session.scalars(select(Bid)).one()
    assert [(v.number, v.total_weekly_cost) for v in bid.versions] == [
        (1, Decimal("2065.00")),
        (2, Decimal("1795.00")),
    ]
    assert bid.state is BidState.submitted
    assert bid.versions[0].content_sha256 != bid.versions[1].content_sha256


def test_withdraw_and_bid_again_before_the_deadline(client, setup, db):
    tender = setup["tender"]
    sign_in(client, setup["user"])
    client.post(f"/opportunities/{tender.id}/bid", data=bid_form(tender, setup["home"]))
    response = client.post(f"/opportunities/{tender.id}/withdraw", follow_redirects=True)
    assert "Your bid is withdrawn" in response.get_data(as_text=True)
    bid = db.session.scalars(select(Bid)).one()
    assert bid.state is BidState.withdrawn and bid.withdrawn_at == NOW
    client.post(f"/opportunities/{tender.id}/bid", data=bid_form(tender, setup["home"]))
    db.session.expire_all()
    bid = db.session.scalars(select(Bid)).one()
    assert bid.state is BidState.submitted
    assert len(bid.versions) == 2
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "bid").order_by(AuditEvent.id)
    ).all()
    assert actions == ["bid.submitted", "bid.withdrawn", "bid.submitted"]


def test_a_home_that_stopped_being_eligible_cannot_be_offered(setup, db):
    suspend(setup["home"].provider, setup["home"])
    db.session.flush()
    with pytest.raises(OperationRefused, match="is not eligible for Mental Health now"):
        operations.submit_bid(
            setup["invitation"], **bid_values(setup["tender"], setup["home"]), by=setup["user"]
        )


def test_a_home_that_stopped_being_eligible_is_not_offered_on_the_page(client, setup, db):
    suspend(setup["home"].provider, setup["home"])
    db.session.commit()
    sign_in(client, setup["user"])
    page = _bid_page(client, setup["tender"].id)
    assert "None of your care homes is eligible for Mental Health now" in page
    response = client.post(
        f"/opportunities/{setup['tender'].id}/bid", data=bid_form(setup["tender"], setup["home"])
    )
    assert response.status_code == 200
    assert "Choose the home you offer" in response.get_data(as_text=True)
    assert db.session.scalars(select(BidVersion)).all() == []


@pytest.mark.parametrize(
    ("kind", "home_of"),
    [("another provider's home", "other_home"), ("a home not admitted", None)],
)
def test_only_own_eligible_homes_can_be_offered(setup, db, kind, home_of):
    home = setup[home_of] if home_of else make_home(setup["home"].provider)
    with pytest.raises(OperationRefused):
        operations.submit_bid(
            setup["invitation"], **bid_values(setup["tender"], home), by=setup["user"]
        )
    assert db.session.scalars(select(BidVersion)).all() == []


def test_answers_over_the_word_limit_are_refused_with_the_text_kept(client, setup, db):
    tender = setup["tender"]
    question = tender.questions[0]
    long_answer = " ".join(["word"] * (question.word_limit + 1))
    sign_in(client, setup["user"])
    response = client.post(
        f"/opportunities/{tender.id}/bid",
        data=bid_form(tender, setup["home"], **{f"answer_{question.id}": long_answer}),
    )
    page = response.get_data(as_text=True)
    assert f"has {question.word_limit + 1} words: the limit is {question.word_limit}" in page
    assert long_answer in page
    assert db.session.scalars(select(BidVersion)).all() == []


def test_a_total_above_the_maximum_weekly_price_is_refused(db):
    market = Market(providers=1)
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_published_tender("MH", officer=officer, max_weekly_price=Decimal("2000"))
    invitation = invitation_of(tender, market.homes[0].provider)
    with pytest.raises(OperationRefused, match=r"£2,065\.00, is above the maximum weekly price"):
        operations.submit_bid(invitation, **bid_values(tender, market.homes[0]), by=market.users[0])


def test_decline_with_a_reason_then_change_of_mind(client, setup, db):
    tender = setup["tender"]
    sign_in(client, setup["user"])
    response = client.post(
        f"/opportunities/{tender.id}/decline", data={"reason": "other", "detail": ""}
    )
    assert "Enter why you are declining" in response.get_data(as_text=True)
    client.post(f"/opportunities/{tender.id}/decline", data={"reason": "no_vacancy"})
    invitation = db.session.get(TenderInvitation, setup["invitation"].id)
    assert invitation.decline_reason is DeclineReason.no_vacancy
    assert invitation.declined_at == NOW
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender_invitation.declined")
    ).one()
    assert event.after == {"reason": "no_vacancy", "detail": ""}
    # A change of mind before the deadline: the bid replaces the decline.
    client.post(f"/opportunities/{tender.id}/bid", data=bid_form(tender, setup["home"]))
    db.session.expire_all()
    invitation = db.session.get(TenderInvitation, setup["invitation"].id)
    assert invitation.declined_at is None
    assert invitation.bid.is_submitted


def test_a_provider_with_a_bid_must_withdraw_before_declining(setup, db):
    operations.submit_bid(
        setup["invitation"], **bid_values(setup["tender"], setup["home"]), by=setup["user"]
    )
    with pytest.raises(OperationRefused, match="Withdraw your bid before declining"):
        operations.decline_tender(
            setup["invitation"], reason=DeclineReason.price, detail="", by=setup["user"]
        )


def test_the_first_view_is_recorded_once(client, setup, db):
    sign_in(client, setup["user"])
    client.get(f"/opportunities/{setup['tender'].id}")
    client.get(f"/opportunities/{setup['tender'].id}")
    invitation = db.session.get(TenderInvitation, setup["invitation"].id)
    assert invitation.viewed_at == NOW
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender_invitation.viewed")
    ).all()
    assert len(events) == 1


# The deadline.


def test_one_second_before_the_deadline_is_accepted_and_one_second_after_refused(setup, db, _now):
    tender, invitation = setup["tender"], setup["invitation"]
    _now.set(tender.closes_at - timedelta(seconds=1))
    operations.submit_bid(invitation, **bid_values(tender, setup["home"]), by=setup["user"])
    _now.set(tender.closes_at)
    with pytest.raises(operations.DeadlinePassed, match=r"6 March 2026 at 5:00pm \(GMT\)"):
        operations.submit_bid(invitation, **bid_values(tender, setup["home"]), by=setup["user"])
    _now.set(tender.closes_at + timedelta(seconds=1))
    with pytest.raises(operations.DeadlinePassed):
        operations.submit_bid(invitation, **bid_values(tender, setup["home"]), by=setup["user"])
    with pytest.raises(operations.DeadlinePassed):
        operations.withdraw_bid(invitation, by=setup["user"])
    assert len(db.session.scalars(select(BidVersion)).all()) == 1


def test_a_late_bid_is_refused_with_the_deadline_and_everything_typed_kept(client, setup, db, _now):
    tender = setup["tender"]
    sign_in(client, setup["user"])
    _bid_page(client, tender.id)
    # The provider types for too long: the deadline passes before they press submit.
    _now.set(tender.closes_at + timedelta(seconds=1))
    sign_in_again(client, setup["user"])
    data = bid_form(
        tender,
        setup["home"],
        weekly_core_fee="1,777.77",
        **{f"answer_{tender.questions[1].id}": "A long and careful answer."},
    )
    response = client.post(f"/opportunities/{tender.id}/bid", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The deadline was 6 March 2026 at 5:00pm (GMT): bids can no longer be submitted" in page
    assert "1,777.77" in page
    assert "A long and careful answer." in page
    assert db.session.scalars(select(BidVersion)).all() == []


@pytest.mark.parametrize(
    ("uk_deadline", "utc_deadline", "shown"),
    [
        # The last Sunday of March: clocks go forward at 1am GMT.
        (
            datetime(2026, 3, 30, 17, 0),
            datetime(2026, 3, 30, 16, 0, tzinfo=UTC),
            "30 March 2026 at 5:00pm (BST)",
        ),
        (
            datetime(2026, 3, 29, 1, 30),  # 1:30am does not exist that day: it is 2:30am BST
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
            "29 March 2026 at 2:30am (BST)",
        ),
        # The last Sunday of October: clocks go back at 2am BST.
        (
            datetime(2026, 10, 26, 17, 0),
            datetime(2026, 10, 26, 17, 0, tzinfo=UTC),
            "26 October 2026 at 5:00pm (GMT)",
        ),
        (
            datetime(2026, 10, 23, 17, 0),
            datetime(2026, 10, 23, 16, 0, tzinfo=UTC),
            "23 October 2026 at 5:00pm (BST)",
        ),
    ],
)
def test_deadlines_across_the_clock_changes(db, _now, uk_deadline, utc_deadline, shown):
    market = Market(providers=1)
    officer = make_user(Role.contracts_officer, password=None)
    closes_at = clock.uk_to_utc(uk_deadline)
    assert closes_at == utc_deadline
    _now.set(closes_at - timedelta(days=2))
    tender = make_published_tender("MH", officer=officer, closes_at=closes_at)
    invitation = invitation_of(tender, market.homes[0].provider)
    _now.set(closes_at - timedelta(seconds=1))
    version = operations.submit_bid(
        invitation, **bid_values(tender, market.homes[0]), by=market.users[0]
    )
    assert version.submitted_at == utc_deadline - timedelta(seconds=1)
    _now.set(closes_at + timedelta(seconds=1))
    with pytest.raises(operations.DeadlinePassed) as refused:
        operations.submit_bid(invitation, **bid_values(tender, market.homes[0]), by=market.users[0])
    assert shown in refused.value.message


def test_an_hour_before_the_october_change_is_not_confused_with_an_hour_after(db, _now):
    # 1:30am on 25 October 2026 happens twice in England; the UTC instant is what counts.
    market = Market(providers=1)
    officer = make_user(Role.contracts_officer, password=None)
    closes_at = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # the second 1:30am (GMT)
    _now.set(closes_at - timedelta(days=2))
    tender = make_published_tender("MH", officer=officer, closes_at=closes_at)
    invitation = invitation_of(tender, market.homes[0].provider)
    # The first 1:30am (BST) is an hour before the deadline.
    _now.set(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    operations.submit_bid(invitation, **bid_values(tender, market.homes[0]), by=market.users[0])
    assert clock.format_datetime(closes_at) == "25 October 2026 at 1:30am (GMT)"
