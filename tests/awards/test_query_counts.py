"""The direct-award search, and the pages that read awards, ask the database a fixed number
of statements however many homes, awards and offers there are (small and ten times more)."""

from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.awards import operations
from dps_portal.awards.models import ChoiceReason, DirectAward
from dps_portal.awards.queries import Search, search
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.statements import count_statements
from dps_portal.extensions import db as _db
from dps_portal.onboarding.models import AdmittedHome
from dps_portal.providers.models import CareHome
from tests.awards.helpers import NOW, START, add_rate, add_vacancy, setting, start
from tests.conftest import sign_in
from tests.contracts.factories import category
from tests.query_counts import statements_of
from tests.tenders.factories import County


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW):
        yield


class Market:
    def __init__(self):
        self.county = County()
        self.officer_id = self.county.officer.id
        self.priced: set[int] = set()

    def grow(self, providers: int, awards: int) -> None:
        self.county.grow(providers)
        homes = _db.session.scalars(
            select(CareHome).where(
                CareHome.id.in_(select(AdmittedHome.care_home_id)),
                CareHome.id.not_in(self.priced or {0}),
            )
        ).all()
        for number, home in enumerate(homes):
            add_rate(home, f"{900 + number % 50}.00", effective_from=date(2026, 4, 1))
            add_vacancy(home, 2)
            self.priced.add(home.id)
        officer = _db.session.get(User, self.officer_id)
        for number in range(awards):
            award = start(officer, person_reference=f"QC-{len(self.priced)}-{number}")
            operations.make_offer(
                award, award.listings[0], reason=ChoiceReason.lowest_rate, by=officer
            )
        _db.session.commit()


def _search_statements() -> tuple[int, int]:
    _db.session.remove()
    criteria = Search(category("MH"), setting(), START)
    with count_statements() as counted:
        found = search(criteria)
    return counted.count, len(found)


def test_the_search_and_the_pages_ask_a_fixed_number_of_statements(app, db):
    market = Market()
    market.grow(3, 2)
    small, small_found = _search_statements()
    client = app.test_client()
    officer = _db.session.get(User, market.officer_id)
    sign_in(client, officer)
    award_id = _db.session.scalars(select(DirectAward.id).order_by(DirectAward.id)).first()
    urls = [
        "/direct-awards",
        f"/direct-awards/{award_id}",
        "/direct-awards/register",
        "/direct-awards/register/providers",
    ]
    before = {url: _page(client, url) for url in urls}

    market.grow(27, 20)
    large, large_found = _search_statements()
    assert large_found >= 10 * small_found > 0
    assert large == small
    after = {url: _page(client, url) for url in urls}
    assert after == before
    assert max(after.values()) <= 30


def _page(client, url: str) -> int:
    _db.session.remove()
    count, _ = statements_of(client, url)
    return count


def test_a_provider_s_offers_page_is_fixed(app, db):
    market = Market()
    market.grow(2, 1)
    offer_provider = _db.session.scalars(select(User).where(User.role == Role.provider)).first()
    client = app.test_client()
    sign_in(client, offer_provider)
    small = _page(client, "/offers")
    market.grow(20, 10)
    assert _page(client, "/offers") == small
