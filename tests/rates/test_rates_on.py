"""The rate on a date: the latest entry effective on or before it, for a set of homes."""

from datetime import date
from decimal import Decimal

from dps_portal.extensions import db
from dps_portal.rates.models import RateCardEntry
from dps_portal.rates.queries import rate_on, rates_on
from tests.contracts.factories import category
from tests.factories import make_home
from tests.onboarding.factories import ready_framework


def _entry(home, rate, day, setting):
    db.session.add(
        RateCardEntry(
            care_home_id=home.id,
            category_id=category("MH").id,
            setting_id=setting.id,
            weekly_rate=Decimal(rate),
            effective_from=day,
        )
    )


def test_the_rate_in_force_on_a_date(db):
    setting = ready_framework().settings[0]
    home, other, none = make_home(), make_home(), make_home()
    _entry(home, "1234.57", date(2026, 4, 1), setting)
    _entry(home, "1277.78", date(2027, 4, 1), setting)
    _entry(other, "999.00", date(2027, 5, 1), setting)
    db.session.flush()
    mh = category("MH").id
    assert rates_on([home.id, other.id, none.id], mh, setting.id, date(2027, 3, 31)) == {
        home.id: Decimal("1234.57")
    }
    assert rates_on([home.id, other.id], mh, setting.id, date(2027, 5, 1)) == {
        home.id: Decimal("1277.78"),
        other.id: Decimal("999.00"),
    }
    assert rate_on(home.id, mh, setting.id, date(2026, 3, 31)) is None
    assert rates_on([], mh, setting.id, date(2027, 1, 1)) == {}
