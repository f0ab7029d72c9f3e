"""The rate card pages, the uplift preview and the uplift job at any size: as many statements
for ten times the homes, rates and placements, and the pages never more than 30."""

import itertools
from datetime import UTC, date, datetime, timedelta

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.statements import count_statements
from dps_portal.extensions import db as _db
from dps_portal.providers.models import ProviderOrganisation
from dps_portal.rates.tasks import apply_uplifts
from dps_portal.tenders.models import Tender
from tests.conftest import sign_in
from tests.contracts.factories import category
from tests.factories import make_provider, make_user
from tests.query_counts import statements_of as page_statements
from tests.rates.factories import add_placement, add_rate, planned_uplift, rated_home
from tests.tenders.factories import make_tender

_days = itertools.count(1)


class County:
    """One provider whose homes grow, other providers' homes, their placements and users."""

    def __init__(self):
        self.provider_id = make_provider().id
        self.officer_id = make_user(Role.contracts_officer).id
        self.tender_id = make_tender("MH", officer=self.officer).id
        self.home_id = None

    @property
    def officer(self):
        return _db.session.get(User, self.officer_id)

    def grow(self, homes: int) -> None:
        provider = _db.session.get(ProviderOrganisation, self.provider_id)
        tender = _db.session.get(Tender, self.tender_id)
        for number in range(homes):
            home = rated_home("1000.00", provider=provider)
            add_rate(home, "1100.00", effective_from=date(2026, 10, 1), source="officer")
            add_rate(home, "1500.00", setting_code="nursing")
            other = rated_home("1200.00")
            make_user(Role.provider, provider=other.provider)
            add_placement(home, "1000.00", tender=tender)
            add_placement(other, "1200.00", tender=tender)
            if number % 3 == 0:
                # Uplifts of another category, later in the year: the list grows.
                planned_uplift(
                    self.officer,
                    "2",
                    code="LDA",
                    effective_on=date(2027, 5, 1) + timedelta(days=next(_days)),
                )
            self.home_id = self.home_id or home.id
        _db.session.commit()


def _statements(client, url: str) -> int:
    _db.session.remove()
    count, _page = page_statements(client, url)
    return count


def test_the_pages_ask_as_much_of_ten_times_the_data(client, db):
    county = County()
    county.grow(2)
    provider_id, home_id, officer = county.provider_id, county.home_id, county.officer
    preview = (
        f"/rates/uplifts/preview?category={category('MH').id}&percent=3.5"
        "&effective_on=2027-04-01&reason=Fee"
    )
    urls = [
        f"/rates/providers/{provider_id}",
        f"/rates/homes/{home_id}",
        "/rates",
        preview,
        "/rates/current.csv",
        f"/rates/providers/{provider_id}/rate-card.csv",
    ]
    sign_in(client, officer)
    small = {url: _statements(client, url) for url in urls}
    county.grow(20)
    large = {url: _statements(client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= 30, small


def test_the_job_asks_as_much_of_ten_times_the_homes(db):
    county = County()
    planned_uplift(county.officer, "3.5", effective_on=date(2027, 4, 1))

    def run(homes: int) -> tuple[int, dict]:
        county.grow(homes)
        _db.session.remove()
        with clock.frozen(datetime(2027, 4, 1, 9, 0, tzinfo=UTC)), count_statements() as counted:
            made = apply_uplifts()
        _db.session.rollback()
        return counted.count, made

    small, made = run(2)
    assert made["rates"] == 2 * 3 and made["placements"] == 2 * 2 and made["told"] == 2
    large, made = run(18)
    assert made["rates"] == 20 * 3 and made["placements"] == 20 * 2 and made["told"] == 20
    assert large == small
