"""Rate cards: officers change a rate from a date (a new entry, nothing overwritten, audited,
after the latest entry's date); officers and monitors read every rate card, a provider its
own; the CSV exports carry the exact columns."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.rates import operations, queries
from dps_portal.rates.models import RateCardEntry
from tests.conftest import sign_in
from tests.contracts.factories import category
from tests.factories import make_home, make_user
from tests.onboarding.helpers import error_summary, page_text
from tests.rates.factories import add_rate, rated_home, setting


@pytest.fixture
def home(db):
    home = rated_home("1234.57", name="Ashgate House")
    db.session.commit()
    return home


@pytest.fixture
def officer(db):
    user = make_user(Role.contracts_officer)
    db.session.commit()
    return user


def _change(home, officer, rate="1300.00", on=date(2027, 4, 1), reason="Agreed at review"):
    return operations.change_rate(
        home,
        category("MH"),
        setting(),
        weekly_rate=Decimal(rate),
        effective_from=on,
        reason=reason,
        by=officer,
    )


def _rate(home, day):
    return queries.rate_on(home.id, category("MH").id, setting().id, day)


def test_a_change_is_a_new_entry_from_its_date_and_is_audited(home, officer, db):
    entry = _change(home, officer)
    assert entry.source == "officer" and entry.created_by_id == officer.id
    assert db.session.scalar(select(RateCardEntry.id).where(RateCardEntry.id != entry.id))
    assert _rate(home, date(2027, 3, 31)) == Decimal("1234.57")
    assert _rate(home, date(2027, 4, 1)) == Decimal("1300.00")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rate.changed")).one()
    assert event.subject_id == str(entry.id) and event.actor_id == officer.id
    assert event.after["previous_rate"] == "1234.57" and event.after["weekly_rate"] == "1300.00"
    assert event.after["reason"] == "Agreed at review"


def test_a_change_starts_after_the_latest_entry_which_may_be_in_the_past(home, officer, db):
    # The admission's rate is from 1 April 2026: a date before it, or the same, is refused.
    with pytest.raises(OperationRefused, match=r"£1,234\.57 already starts on 1 April 2026"):
        _change(home, officer, on=date(2026, 4, 1))
    with pytest.raises(OperationRefused, match="Enter a date after 1 April 2026"):
        _change(home, officer, on=date(2025, 1, 1))
    # A past date after it records a rate agreed late.
    _change(home, officer, rate="1250.00", on=date(2027, 2, 1))
    _change(home, officer, rate="1300.00", on=date(2027, 6, 1))
    # Now the latest is from a later date (1 June): a change must start after that.
    with pytest.raises(OperationRefused, match="after 1 June 2027"):
        _change(home, officer, on=date(2027, 5, 1))
    assert _rate(home, date(2027, 3, 1)) == Decimal("1250.00")
    assert len(db.session.scalars(select(RateCardEntry)).all()) == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "   "}, "Enter the reason"),
        ({"rate": "0"}, "more than £0"),
    ],
)
def test_a_change_needs_a_reason_and_a_rate(home, officer, changes, message):
    with pytest.raises(OperationRefused, match=message):
        _change(home, officer, **changes)


def test_only_officers_change_rates_and_only_of_admitted_categories(home, officer, db):
    for role in (Role.provider, Role.quality_monitor, Role.administrator):
        kwargs = {"provider": home.provider} if role is Role.provider else {}
        with pytest.raises(OperationRefused, match="Only contracts officers"):
            _change(home, make_user(role, **kwargs))
    with pytest.raises(OperationRefused, match="not admitted to Enhanced"):
        operations.change_rate(
            home,
            category("ENH"),
            setting(),
            weekly_rate=Decimal("1500"),
            effective_from=date(2027, 4, 1),
            reason="New",
            by=officer,
        )


def test_the_provider_rate_card_shows_today_later_and_history(client, home, officer, db):
    _change(home, officer, rate="1250.00", on=date(2027, 2, 1))
    _change(home, officer, rate="1300.00", on=date(2027, 6, 1))
    db.session.commit()
    sign_in(client, officer)
    text = page_text(client.get(f"/rates/providers/{home.provider_id}"))
    assert "Ashgate House" in text
    assert "Weekly rate today" in text
    assert "£1,250.00" in text and "1 February 2027" in text
    assert "From 1 June 2027: £1,300.00 From a later date" in text
    assert "1 April 2026: £1,234.57" in text
    text = page_text(client.get(f"/rates/homes/{home.id}"))
    assert "Rates of Ashgate House" in text and "Change a rate" in text
    assert "£1,234.57" in text and "£1,300.00" in text


def test_the_change_form_keeps_what_was_typed_and_shows_refusals(client, home, officer, db):
    sign_in(client, officer)
    url = f"/rates/homes/{home.id}/change"
    page = page_text(client.get(url))
    assert "Change a rate" in page and "£1,234.57" in page
    form = {
        "category": str(category("MH").id),
        "setting": str(setting().id),
        "weekly_rate": "lots",
        "effective_from": ["1", "4", "2027"],
        "reason": "Agreed at the contract review",
    }
    response = client.post(url, data=form)
    assert error_summary(response) == [
        "Enter the new weekly rate as an amount of money, like 1500 or 1500.50"
    ]
    assert "Agreed at the contract review" in response.get_data(as_text=True)
    response = client.post(url, data={**form, "weekly_rate": "0"})
    assert error_summary(response) == ["Enter a new weekly rate more than £0"]
    response = client.post(
        url, data={**form, "weekly_rate": "1300", "effective_from": ["1", "4", "2026"]}
    )
    assert any("already starts on 1 April 2026" in message for message in error_summary(response))
    response = client.post(url, data={**form, "weekly_rate": "1,300.00"}, follow_redirects=True)
    assert "The new rate for Mental Health, residential is saved from 1 April 2027" in page_text(
        response
    )
    assert _rate(home, date(2027, 4, 1)) == Decimal("1300.00")


def test_a_monitor_reads_but_does_not_change(client, home, db):
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    response = client.get(f"/rates/providers/{home.provider_id}")
    assert "£1,234.57" in page_text(response) and "/change" not in response.get_data(as_text=True)
    assert client.get(f"/rates/homes/{home.id}").status_code == 200
    assert client.get(f"/rates/homes/{home.id}/change").status_code == 403
    assert client.post(f"/rates/homes/{home.id}/change", data={}).status_code == 403
    assert client.get("/rates/current.csv").status_code == 403


def test_a_provider_reads_its_own_rate_card_only(client, home, db):
    owner = make_user(Role.provider, provider=home.provider)
    other = rated_home("999.00", name="Other House")
    db.session.commit()
    sign_in(client, owner)
    response = client.get("/rate-card")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rates/providers/{home.provider_id}")
    response = client.get(response.headers["Location"])
    assert "£1,234.57" in page_text(response) and "/change" not in response.get_data(as_text=True)
    assert client.get(f"/rates/homes/{home.id}").status_code == 200
    assert client.get(f"/rates/providers/{home.provider_id}/rate-card.csv").status_code == 200
    # Another provider's rate card, home or CSV is not there for it.
    assert client.get(f"/rates/providers/{other.provider_id}").status_code == 404
    assert client.get(f"/rates/homes/{other.id}").status_code == 404
    assert client.get(f"/rates/providers/{other.provider_id}/rate-card.csv").status_code == 404
    assert client.get(f"/rates/homes/{home.id}/change").status_code == 403
    assert client.get("/rates/current.csv").status_code == 403
    assert client.get("/rates").status_code == 403


@pytest.mark.parametrize("who", ["administrator", "anonymous"])
def test_administrators_and_strangers_see_no_rates(client, home, db, who):
    if who == "administrator":
        sign_in(client, make_user(Role.administrator))
        db.session.commit()
    for url in (
        f"/rates/providers/{home.provider_id}",
        f"/rates/homes/{home.id}",
        f"/rates/homes/{home.id}/change",
        f"/rates/providers/{home.provider_id}/rate-card.csv",
        "/rates/current.csv",
        "/rates",
    ):
        response = client.get(url)
        assert response.status_code == (403 if who == "administrator" else 302), url


def _csv_rows(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_exports_have_the_exact_columns(client, home, officer, db):
    _change(home, officer, rate="1300.00", on=date(2027, 6, 1))
    add_rate(home, "1400.00", setting_code="nursing", effective_from=date(2026, 5, 1))
    risky = make_home(home.provider, name='=HYPERLINK("x")', cqc_location_id="1-555")
    from tests.contracts.factories import admit_home

    admit_home(risky, "MH")
    add_rate(risky, "800.00")
    other = rated_home("999.99", name="Beech Lodge", cqc_location_id="1-777")
    db.session.commit()
    sign_in(client, officer)

    rows = _csv_rows(client.get(f"/rates/providers/{home.provider_id}/rate-card.csv"))
    assert rows[0] == [
        "Care home",
        "CQC location ID",
        "Category",
        "Care setting",
        "Weekly rate",
        "Effective from",
        "Status",
        "Source",
        "Reason",
    ]
    assert rows[1:] == [
        [
            '\'=HYPERLINK("x")',
            "1-555",
            "Mental Health",
            "Residential",
            "800.00",
            "2026-04-01",
            "In force",
            "Agreed at admission",
            "Agreed at admission: APP-TEST",
        ],
        [
            "Ashgate House",
            home.cqc_location_id,
            "Mental Health",
            "Residential",
            "1300.00",
            "2027-06-01",
            "From a later date",
            "Changed by an officer",
            "Agreed at review",
        ],
        [
            "Ashgate House",
            home.cqc_location_id,
            "Mental Health",
            "Residential",
            "1234.57",
            "2026-04-01",
            "In force",
            "Agreed at admission",
            "Agreed at admission: APP-TEST",
        ],
        [
            "Ashgate House",
            home.cqc_location_id,
            "Mental Health",
            "Nursing",
            "1400.00",
            "2026-05-01",
            "In force",
            "Agreed at admission",
            "Agreed at admission: APP-TEST",
        ],
    ]
    rows = _csv_rows(client.get("/rates/current.csv"))
    assert rows[0] == [
        "Provider",
        "Care home",
        "CQC location ID",
        "Category",
        "Care setting",
        "Weekly rate",
        "Effective from",
        "Source",
        "Reason",
    ]
    mine, theirs = home.provider.legal_name, other.provider.legal_name
    own_rows = [
        [mine, '\'=HYPERLINK("x")', "1-555", "Mental Health", "Residential", "800.00"],
        [mine, "Ashgate House", home.cqc_location_id, "Mental Health", "Residential", "1234.57"],
        [mine, "Ashgate House", home.cqc_location_id, "Mental Health", "Nursing", "1400.00"],
    ]
    other_rows = [[theirs, "Beech Lodge", "1-777", "Mental Health", "Residential", "999.99"]]
    expected = own_rows + other_rows if mine < theirs else other_rows + own_rows
    assert [row[:6] for row in rows[1:]] == expected
    assert rows[2][6:] == ["2026-04-01", "Agreed at admission", "Agreed at admission: APP-TEST"]


def test_the_provider_page_links_its_rate_card_and_the_card_links_uplifts(client, home, officer):
    sign_in(client, officer)
    html = client.get(f"/providers/{home.provider_id}").get_data(as_text=True)
    assert f'href="/rates/providers/{home.provider_id}"' in html
    html = client.get(f"/rates/providers/{home.provider_id}").get_data(as_text=True)
    assert 'href="/rates"' in html
