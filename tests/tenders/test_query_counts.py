"""The tender pages at any size: officers' list and a tender's page (with its invitees),
a provider's opportunities and one opportunity send as many statements for ten times the
tenders, providers and bids, and never more than 30."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.tenders import operations
from dps_portal.tenders.models import Tender, TenderInvitation
from tests.conftest import sign_in
from tests.query_counts import statements_of as page_statements
from tests.tenders.factories import County, bid_values, make_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW):
        yield


def statements_of(client, url: str) -> int:
    _db.session.remove()
    count, _page = page_statements(client, url)
    return count


class Tenders:
    def __init__(self):
        self.county = County()
        self.officer_id = self.county.officer.id

    def grow(self, providers: int, tenders: int) -> None:
        self.county.grow(providers)
        officer = _db.session.get(User, self.officer_id)
        for _ in range(tenders):
            tender = make_tender("MH", officer=officer)
            operations.publish_tender(tender, by=officer)
            # Every invitee views it; half of them bid.
            invitations = _db.session.scalars(
                select(TenderInvitation).where(TenderInvitation.tender_id == tender.id)
            ).all()
            for number, invitation in enumerate(invitations):
                user = _db.session.scalars(
                    select(User).where(User.provider_id == invitation.provider_id)
                ).first()
                operations.record_viewed(invitation, by=user)
                if number % 2 == 0:
                    operations.submit_bid(
                        invitation,
                        **bid_values(tender, invitation.homes[0].care_home),
                        by=user,
                    )
        _db.session.commit()

    def urls(self) -> dict[str, list[str]]:
        # The newest: published to the whole county as it is now.
        tender_id = _db.session.scalar(select(Tender.id).order_by(Tender.id.desc()))
        return {
            "officer": {
                "list": "/tenders",
                "open": "/tenders?show=open",
                "tender": f"/tenders/{tender_id}",
            },
            "provider": {
                "opportunities": "/opportunities",
                "closing soon": "/opportunities?show=closing_soon",
                "opportunity": f"/opportunities/{tender_id}",
                "bid": f"/opportunities/{tender_id}/bid",
            },
        }

    def counts(self, client) -> dict[str, int]:
        officer = _db.session.get(User, self.officer_id)
        provider_user = _db.session.scalars(
            select(User).where(User.role == Role.provider).order_by(User.id)
        ).first()
        counts = {}
        for who, user in (("officer", officer), ("provider", provider_user)):
            for name, url in self.urls()[who].items():
                sign_in(client, user)
                counts[name] = statements_of(client, url)
        return counts


def test_the_tender_pages_do_not_grow_with_the_county(client, db):
    tenders = Tenders()
    tenders.grow(providers=2, tenders=2)
    small = tenders.counts(client)
    tenders.grow(providers=18, tenders=18)
    large = tenders.counts(client)
    assert small == large, {url: (small[url], large[url]) for url in small}
    assert max(large.values()) <= 30, large
