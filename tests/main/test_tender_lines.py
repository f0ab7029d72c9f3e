"""The officers' and providers' home pages say where the mini-tenders are, each line a link
to the filtered list."""

from datetime import timedelta

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.tenders import operations
from dps_portal.tenders.models import DeclineReason
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import page_text
from tests.tenders.factories import Market, bid_values, invitation_of, make_published_tender


def sign_in_afresh(client, user) -> None:
    """A new session at the clock's time (the earlier one has timed out)."""
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user)


def test_the_officer_home_counts_open_and_closed_tenders(client, db):
    Market(2)
    officer = make_user(Role.contracts_officer)
    make_published_tender(officer=officer)
    closing = make_published_tender(officer=officer, closes_at=clock.now() + timedelta(hours=3))
    db.session.commit()
    sign_in(client, officer)

    text = page_text(client.get("/officer"))
    assert "Mini-tenders open for bids: 2 The next closes on" in text
    assert "Mini-tenders closed with bids to open:" not in text

    with clock.frozen(closing.closes_at + timedelta(minutes=1)):
        sign_in_afresh(client, officer)
        text = page_text(client.get("/officer"))
    assert "Mini-tenders open for bids: 1 The next closes on" in text
    assert "Mini-tenders closed with bids to open: 1" in text


def test_the_provider_home_counts_invitations_to_answer_and_bids_in(client, db):
    market = Market(2)
    tender = make_published_tender()
    other = make_published_tender()
    db.session.commit()
    user = market.users[0]
    sign_in(client, user)
    assert "Open invitations to answer: 2" in page_text(client.get("/provider"))

    operations.submit_bid(
        invitation_of(tender, user.provider), **bid_values(tender, market.homes[0]), by=user
    )
    db.session.commit()
    text = page_text(client.get("/provider"))
    assert "Open invitations to answer: 1" in text
    assert "Bids in for open tenders: 1" in text

    operations.decline_tender(
        invitation_of(other, user.provider), reason=DeclineReason.price, detail="", by=user
    )
    db.session.commit()
    text = page_text(client.get("/provider"))
    assert "Open invitations to answer" not in text
    assert "Bids in for open tenders: 1" in text

    with clock.frozen(max(tender.closes_at, other.closes_at) + timedelta(minutes=1)):
        sign_in_afresh(client, user)
        text = page_text(client.get("/provider"))
    assert "Open invitations to answer" not in text and "Bids in" not in text


def test_the_provider_home_counts_placements_waiting_for_their_start(client, db):
    from tests.placements.factories import add_placements

    market = Market(1)
    tender = make_published_tender()
    user = market.users[0]
    add_placements(tender, market.homes[0], 2)
    db.session.commit()
    sign_in(client, user)
    text = page_text(client.get("/provider"))
    assert "waiting for you to confirm the start: 2" in text
    other = make_user(Role.provider)
    db.session.commit()
    sign_in_afresh(client, other)
    assert "confirm the start" not in page_text(client.get("/provider"))


def test_direct_award_offers_show_on_the_officer_and_provider_homes(client, db):
    from tests.awards.factories import access_matrix_values

    officer = make_user(Role.contracts_officer)
    provider_user = make_user(Role.provider)
    access_matrix_values(provider_user, officer)
    db.session.commit()

    sign_in(client, officer)
    text = page_text(client.get("/officer"))
    assert "Direct-award offers waiting for a provider's answer: 1" in text
    assert "Direct awards with no offer waiting:" not in text

    sign_in_afresh(client, provider_user)
    text = page_text(client.get("/provider"))
    assert "Placement offers waiting for your answer: 1" in text

    stranger = make_user(Role.provider)
    db.session.commit()
    sign_in_afresh(client, stranger)
    assert "Placement offers waiting" not in page_text(client.get("/provider"))

    # Once the window has passed, the award waits for the officer's next offer.
    with clock.frozen(clock.now() + timedelta(hours=5)):
        sign_in_afresh(client, officer)
        text = page_text(client.get("/officer"))
    assert "Direct-award offers waiting for a provider's answer:" not in text
    assert "Direct awards with no offer waiting: 1" in text
