"""The bench's county dataset (`flask seed-county`, PostgreSQL only) built small: its buying
rows hold together, and the buying lists answer on it. One test: the demo it builds on
draws its PDFs, which takes a while."""

import pytest
from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.awards.models import DirectAward, DirectAwardOffer, DirectAwardState, OfferState
from dps_portal.demo.county import seed_county
from dps_portal.demo.seed import seed_demo
from dps_portal.placements.models import Placement, PlacementCost, PlacementState
from dps_portal.tenders.models import Bid, Tender, TenderInvitation, TenderState
from dps_portal.vacancies.models import Vacancy
from tests.conftest import sign_in


@pytest.fixture
def county(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the county dataset is built with COPY, on PostgreSQL only")
    seed_demo()
    db.session.commit()
    counts = seed_county(scale=0.03, log=lambda _line: None)
    db.session.commit()
    return counts


def count(db, *where, model):
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_the_county_buys_through_both_routes(db, county, client):
    assert county["tender"] == 9 and county["direct_award"] == 27
    assert county["vacancy"] == 21
    # Each tender went to the providers admitted to its category; bids only on invitations.
    assert count(db, model=TenderInvitation) > county["tender"] * 3
    assert count(db, Bid.invitation_id.is_(None), model=Bid) == 0
    # The newest tenders are open, none of the county's cancelled ones has a bid.
    assert count(db, Tender.state == TenderState.published, model=Tender) >= 1
    cancelled_with_bids = db.session.scalar(
        select(func.count(Bid.id)).join(Tender).where(Tender.state == TenderState.cancelled)
    )
    assert cancelled_with_bids == 0
    # Every placed award has its accepted offer and its placement; open ones an offer waiting.
    placed = count(db, DirectAward.state == DirectAwardState.placed, model=DirectAward)
    accepted = count(db, DirectAwardOffer.state == OfferState.accepted, model=DirectAwardOffer)
    from_awards = count(db, Placement.direct_award_id.is_not(None), model=Placement)
    assert placed == accepted == from_awards > 0
    waiting = count(db, DirectAwardOffer.state == OfferState.offered, model=DirectAwardOffer)
    assert waiting == count(db, DirectAward.state == DirectAwardState.open, model=DirectAward)
    # One cost row a placement; references unique and in the demo's numbering.
    assert count(db, model=PlacementCost) >= count(db, model=Placement)
    references = db.session.scalars(select(Placement.reference)).all()
    assert len(references) == len(set(references))
    assert all(reference.startswith("PL-") for reference in references)
    assert count(db, Placement.state == PlacementState.active, model=Placement) > 0
    assert count(db, Vacancy.beds_free > 0, model=Vacancy) > 0
    # The buying lists answer on it (the bench measures them).
    officer = db.session.scalars(select(User).where(User.email == "officer@council.example")).one()
    sign_in(client, officer)
    for url in (
        "/tenders",
        "/direct-awards",
        "/direct-awards/register",
        "/placements/register",
        "/vacancies",
    ):
        assert client.get(url).status_code == 200, url
