"""The rules follow the framework's data, not configuration: when a vacancy goes stale, the
direct-award offers' windows, the award approval threshold, a new tender's abnormally low
line, and the council's contact details; the words that name them read the data too."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.awards import rules as award_rules
from dps_portal.awards.models import Justification
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.framework.models import council_contact, current_framework
from dps_portal.tenders.award import operations as award_operations
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.rules import fresh_since
from tests.awards.helpers import NOW, add_vacancy, listed_home
from tests.conftest import sign_in
from tests.contracts.factories import admit_home
from tests.factories import make_home, make_user
from tests.onboarding.factories import ready_framework
from tests.onboarding.helpers import page_text
from tests.tenders.award.factories import Moderated
from tests.tenders.factories import make_tender


@pytest.fixture
def now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


def _fresh_ids() -> list[int]:
    """The fresh vacancies, asked in SQL (as lists and direct awards ask)."""
    since = fresh_since()
    return list(_db.session.scalars(select(Vacancy.id).where(Vacancy.is_fresh_since(since))))


def test_a_vacancy_goes_stale_after_the_framework_s_days(now):
    home = listed_home("1000.00")
    vacancy = add_vacancy(home, setting_index=1, confirmed_at=NOW - timedelta(days=8))
    framework = current_framework()
    assert framework.vacancy_stale_days == 7
    assert not vacancy.is_fresh_since(fresh_since())
    assert vacancy.id not in _fresh_ids()

    framework.vacancy_stale_days = 10
    assert vacancy.is_fresh_since(fresh_since())
    assert vacancy.id in _fresh_ids()

    framework.vacancy_stale_days = 8
    now.advance(timedelta(minutes=1))
    assert vacancy.id not in _fresh_ids()


def test_the_provider_reads_the_stale_days_on_its_vacancies_page(app, db, now):
    home = admit_home(make_home(), "MH")
    owner = make_user(Role.provider, provider=home.provider)
    ready_framework().vacancy_stale_days = 10
    db.session.commit()
    client = app.test_client()
    sign_in(client, owner)
    text = page_text(client.get(f"/homes/{home.id}/vacancies"))
    assert "A vacancy you have not confirmed for 10 days is stale" in text


def test_the_offer_windows_follow_the_framework(db, now):
    framework = ready_framework()
    framework.emergency_offer_hours = 6
    framework.respite_offer_working_days = 1
    assert award_rules.respond_by(Justification.emergency, NOW) == NOW + timedelta(hours=6)
    assert award_rules.window_in_words(Justification.emergency) == "6 hours"
    friday = datetime(2027, 3, 5, 15, 0, tzinfo=NOW.tzinfo)
    monday = datetime(2027, 3, 8, 15, 0, tzinfo=NOW.tzinfo)
    assert award_rules.respond_by(Justification.respite, friday) == monday
    assert award_rules.window_in_words(Justification.respite) == "1 working day"
    framework.emergency_offer_hours = 1
    assert award_rules.window_in_words(Justification.emergency) == "1 hour"


def test_the_award_approval_threshold_follows_the_framework(db):
    # 1,000 a week is 52,000 a year.
    at = Moderated()
    at.tender.category.framework.award_approval_threshold = Decimal("52000.00")
    award = award_operations.recommend_award(at.tender, note="On the line", by=at.officer)
    assert not award.needs_approval
    above = Moderated()
    current_framework().award_approval_threshold = Decimal("51999.99")
    award = award_operations.recommend_award(above.tender, note="A penny over", by=above.officer)
    assert award.needs_approval


def test_a_new_tender_takes_the_framework_s_abnormally_low_line(db):
    framework = ready_framework()
    assert make_tender().abnormally_low_percent == 70
    framework.abnormally_low_percent = 62
    tender = make_tender()
    assert tender.abnormally_low_percent == 62
    framework.abnormally_low_percent = 80
    assert tender.abnormally_low_percent == 62  # a drafted tender keeps its line


def test_the_criteria_form_names_the_framework_s_line(app, db):
    officer = make_user(Role.contracts_officer)
    tender = make_tender(officer=officer)
    ready_framework().abnormally_low_percent = 64
    db.session.commit()
    client = app.test_client()
    sign_in(client, officer)
    text = page_text(client.get(f"/tenders/{tender.id}/criteria"))
    assert "The framework’s line, which a new tender starts from, is 64." in text


def test_the_council_s_contact_details_come_from_the_framework(app, db):
    framework = ready_framework()
    framework.contracts_team_name = "Care Contracts Team"
    framework.contact_email = "care@testshire.gov.uk"
    framework.contact_phone = "01632 960 123"
    db.session.commit()
    assert council_contact().in_words() == (
        "the Care Contracts Team at care@testshire.gov.uk or 01632 960 123"
    )
    text = page_text(app.test_client().get("/accessibility"))
    assert "ask the Care Contracts Team and tell us the format" in text
    assert "tell the Care Contracts Team at care@testshire.gov.uk or 01632 960 123." in text


def test_the_configuration_no_longer_holds_the_thresholds(app):
    for key in (
        "AWARD_APPROVAL_THRESHOLD",
        "VACANCY_STALE_AFTER",
        "EMERGENCY_OFFER_WINDOW",
        "RESPITE_OFFER_WORKING_DAYS",
    ):
        assert key not in app.config
