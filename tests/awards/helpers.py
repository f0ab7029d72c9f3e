"""Building direct awards in tests: eligible homes with a rate and a vacancy, and an
award started from them."""

from datetime import UTC, date, datetime
from decimal import Decimal

from dps_portal.awards import operations
from dps_portal.awards.models import Justification
from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.rates.models import RateCardEntry
from dps_portal.tenders.models import Funding
from dps_portal.vacancies.models import Vacancy
from tests.contracts.factories import category, make_eligible_home
from tests.onboarding.factories import ready_framework

# Monday 1 March 2027, 10:00 UTC.
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
START = date(2027, 3, 2)


def setting(index: int = 0):
    return ready_framework().settings[index]


def add_rate(home, amount, *, code="MH", setting_index=0, effective_from=date(2026, 4, 1)):
    entry = RateCardEntry(
        care_home_id=home.id,
        category_id=category(code).id,
        setting_id=setting(setting_index).id,
        weekly_rate=Decimal(amount),
        effective_from=effective_from,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def add_vacancy(
    home, beds=1, *, code="MH", setting_index=0, available_from=date(2027, 2, 1), confirmed_at=None
):
    vacancy = Vacancy(
        care_home_id=home.id,
        category_id=category(code).id,
        setting_id=setting(setting_index).id,
        beds_free=beds,
        available_from=available_from,
        confirmed_at=confirmed_at or clock.now(),
    )
    db.session.add(vacancy)
    db.session.flush()
    return vacancy


def listed_home(amount, beds=1, *, name=None, district=None, **vacancy):
    """An eligible MH home with a rate and a fresh vacancy: it appears in a search."""
    home = make_eligible_home("MH")
    if name:
        home.name = name
    if district is not None:
        home.district_id = district.id
    add_rate(home, amount)
    add_vacancy(home, beds, **vacancy)
    return home


def start(officer, **overrides):
    values = {
        "justification": Justification.emergency,
        "person_reference": "MH-2027-001",
        "needs_summary": "Needs a quiet room.",
        "category": category("MH"),
        "setting": setting(),
        "districts": [],
        "start_on": START,
        "end_on": None,
        "funding": Funding.council,
        "include_stale": False,
    }
    values.update(overrides)
    return operations.start_direct_award(by=officer, **values)


def start_form(**overrides) -> dict:
    """The start form as a browser sends it."""
    data = {
        "justification": "emergency",
        "person_reference": "MH-2027-001",
        "needs_summary": "Needs a quiet room.",
        "category": str(category("MH").id),
        "setting": str(setting().id),
        "start_on": [str(START.day), str(START.month), str(START.year)],
        "funding": "council",
    }
    data.update(overrides)
    return data
