"""Fifty submissions from separate connections at once, around the deadline (PostgreSQL,
where requests really run side by side): each is checked with the tender's row locked
against the clock read then, so exactly the on-time ones are stored, each once."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dps_portal.core import clock
from dps_portal.tenders import operations
from dps_portal.tenders.models import Bid, BidVersion
from tests.concurrency import at_once
from tests.conftest import sign_in
from tests.tenders.factories import County, bid_form, make_published_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")


def test_fifty_submissions_around_the_deadline_store_exactly_the_on_time_ones(app, db, monkeypatch):
    with clock.frozen(NOW):
        county = County()
        county.grow(25)
        tender = make_published_tender("MH", officer=county.officer)
        providers = sorted(
            {invitation_home.provider for invitation_home in county_homes(db, county)},
            key=lambda provider: provider.id,
        )
        posts, expected = [], {}
        for number, provider in enumerate(providers):
            user = next(user for user in provider_users(db, provider))
            home = next(
                home for home in county_homes(db, county) if home.provider_id == provider.id
            )
            data = bid_form(tender, home)
            # Each provider sends two at once: the first a second before the deadline, the
            # second a second before (odd providers) or a second after it (even ones).
            late = number % 2 == 0
            posts.append((_at(user, tender.closes_at - timedelta(seconds=1)), data))
            posts.append((_at(user, tender.closes_at + timedelta(seconds=1 if late else -1)), data))
            expected[provider.id] = 1 if late else 2
        db.session.commit()
        url = f"/opportunities/{tender.id}/bid"
        tender_id, closes_at = tender.id, tender.closes_at

    # Each thread's clock reads the instant its request arrives at (set as it signs in).
    instants = threading.local()
    clock.set_source(lambda: getattr(instants, "now", NOW))
    # Hold each submission a moment after its checks, before it writes: without the lock,
    # two from one provider would both number their version 1.
    real_eligibility = operations.eligibility

    def slow_eligibility(*args, **kwargs):
        time.sleep(0.05)
        return real_eligibility(*args, **kwargs)

    monkeypatch.setattr(operations, "eligibility", slow_eligibility)
    try:
        pages = at_once(
            app,
            [
                (
                    lambda client, at=at, user=user: _sign_in_at(client, user, at, instants),
                    url,
                    data,
                )
                for (at, user), data in posts
            ],
        )
    finally:
        clock.set_source(None)

    assert len(pages) == 50
    assert all(not isinstance(page, BaseException) for page in pages), pages
    assert [page.status_code for page in pages] == [200] * 50
    texts = [page.get_data(as_text=True) for page in pages]
    late = [text for text in texts if "bids can no longer be submitted" in text]
    received = [text for text in texts if "Receipt " in text and "What was received" in text]
    assert len(late) == 13 and len(received) == 37
    assert "The deadline was " + clock.format_datetime(closes_at) in late[0]
    db.session.expire_all()
    stored = dict(
        db.session.execute(
            select(Bid.provider_id, func.count(BidVersion.id))
            .join(BidVersion, BidVersion.bid_id == Bid.id)
            .where(Bid.tender_id == tender_id)
            .group_by(Bid.provider_id)
        ).all()
    )
    assert stored == expected
    numbers = db.session.execute(
        select(BidVersion.bid_id, BidVersion.number).order_by(BidVersion.bid_id, BidVersion.number)
    ).all()
    assert len(numbers) == len(set(numbers)) == 37
    assert all(
        version.submitted_at < closes_at for version in db.session.scalars(select(BidVersion))
    )


def _at(user, instant):
    return (instant, user)


def _sign_in_at(client, user, instant, instants) -> None:
    instants.now = instant
    sign_in(client, user)


def county_homes(db, county):
    from dps_portal.tenders.models import TenderInvitedHome

    return [
        row.care_home
        for row in db.session.scalars(select(TenderInvitedHome).order_by(TenderInvitedHome.id))
    ]


def provider_users(db, provider):
    from dps_portal.accounts.models import User

    return db.session.scalars(select(User).where(User.provider_id == provider.id).order_by(User.id))
