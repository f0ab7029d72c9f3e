"""The providers pages at any size: the staff's providers list and a provider's page, the
provider's own homes, home and evidence, with as many statements for ten times the rows."""

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.providers.models import CareHome, ProviderOrganisation
from tests.conftest import sign_in
from tests.contracts.test_query_counts import Market, statements_of
from tests.contracts.test_query_counts import _today as _today
from tests.factories import make_home, make_provider, make_user


@pytest.fixture
def market(db):
    return Market()


def test_the_providers_list(client, market):
    market.grow(3)
    sign_in(client, market.officer)
    small = [statements_of(client, url)[0] for url in ("/providers", "/providers?name=market")]
    market.grow(60)
    large = [statements_of(client, url) for url in ("/providers", "/providers?name=market")]

    assert small == [count for count, _page in large]
    assert max(small) <= 30
    every, named = (page for _count, page in large)
    assert "63 providers" in every and "/providers?page=2" in every
    assert "63 providers whose name contains" in named
    assert "/providers?page=2&amp;name=market" in named or "name=market&amp;page=2" in named


class Group:
    """One provider with homes, users, evidence and suspensions: a provider's own pages."""

    def __init__(self, market: Market):
        self.market = market
        provider = make_provider(legal_name="Group Care Ltd")
        self.provider_id = provider.id
        self.user_id = make_user(Role.provider, provider=provider, password=None).id
        _db.session.commit()

    @property
    def user(self) -> User:
        return _db.session.get(User, self.user_id)

    def grow(self, homes: int) -> None:
        provider = _db.session.get(ProviderOrganisation, self.provider_id)
        market = self.market
        market.grow(0)
        framework = market.framework
        for number in range(homes):
            home = make_home(
                provider,
                district=framework.districts[number % 2],
                setting=framework.settings[number % 2],
            )
            market.admit(home)
            market._suspension(provider, home, market.active)
            market._evidence(provider, home, expires_on=market.expired)
            make_user(Role.provider, provider=provider, password=None)
        _db.session.commit()

    def first_home_id(self) -> int:
        return _db.session.scalars(
            select(CareHome.id).where(CareHome.provider_id == self.provider_id).limit(1)
        ).one()


def _flat(client, user, urls, grow) -> list[str]:
    sign_in(client, user)
    small = [statements_of(client, url)[0] for url in urls]
    grow()
    large = [statements_of(client, url) for url in urls]
    for url, count, (count_after, _page) in zip(urls, small, large, strict=True):
        assert count == count_after <= 30, (url, count, count_after)
    return [page for _count, page in large]


def test_a_providers_page_for_staff(client, market):
    group = Group(market)
    group.grow(3)
    urls = [f"/providers/{group.provider_id}", f"/providers/{group.provider_id}/evidence"]

    page, evidence = _flat(client, market.officer, urls, lambda: group.grow(27))

    assert page.count("Suspend this home") == 30
    assert evidence.count("data-evidence=") == 30


def test_the_providers_own_pages(client, market):
    group = Group(market)
    group.grow(3)
    home_id = group.first_home_id()
    urls = ["/homes", f"/homes/{home_id}", "/organisation/evidence"]

    homes, home, evidence = _flat(client, group.user, urls, lambda: group.grow(27))

    assert homes.count('href="/homes/') >= 30
    # Each home's eligibility, asked once for the page: flat like the rest.
    assert homes.count("Not eligible</strong>") >= 30
    assert "Not eligible" in home
    assert evidence.count("data-evidence=") == 30
