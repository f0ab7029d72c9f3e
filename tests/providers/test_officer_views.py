"""The council's view of providers: every organisation, its homes, beds and users."""

import pytest

from dps_portal.core.roles import STAFF_ROLES, Role
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.factories import make_home, make_provider, make_user
from tests.providers.factories import make_complete_provider, make_provider_user


@pytest.fixture
def market(db):
    peakland = make_complete_provider(legal_name="Peakland Care Ltd", trading_name="Peakland")
    make_home(peakland, name="Ashgate Lodge", registered_beds=12, cqc_rating=CqcRating.good)
    make_home(
        peakland, name="Brook House", registered_beds=20, cqc_rating=CqcRating.requires_improvement
    )
    highmoor = make_provider(legal_name="Highmoor Specialist Services Ltd")
    make_home(highmoor, name="Cressbrook View", registered_beds=7)
    empty = make_provider(legal_name="New_Start 100% Care Ltd")
    make_provider_user(peakland, full_name="Priya Provider", email="priya@peakland.example")
    db.session.commit()
    return peakland, highmoor, empty


def rows_of(page: str) -> list[str]:
    """The table's body rows (the first row is the header)."""
    return page.split('<tr class="govuk-table__row">')[2:]


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_see_every_provider_with_its_homes_and_beds(client, db, market, role):
    peakland, _, _ = market
    staff = make_user(role)
    db.session.commit()
    sign_in(client, staff)
    page = client.get("/providers").get_data(as_text=True)
    assert "3 providers" in page
    rows = rows_of(page)
    assert "Highmoor" in rows[0] and ">1<" in rows[0] and ">7<" in rows[0]
    assert "New_Start" in rows[1] and rows[1].count(">0<") == 2
    assert "Peakland" in rows[2] and ">2<" in rows[2] and ">32<" in rows[2]
    assert f'href="/providers/{peakland.id}"' in rows[2]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("peak", ["Peakland"]),
        ("LTD", ["Highmoor", "New_Start", "Peakland"]),
        ("100%", ["New_Start"]),
        ("_", ["New_Start"]),
        ("nobody", []),
        ("  ", ["Highmoor", "New_Start", "Peakland"]),
    ],
)
def test_the_list_filters_by_name(client, db, market, name, expected):
    sign_in(client, make_user(Role.contracts_officer))
    db.session.commit()
    page = client.get("/providers", query_string={"name": name}).get_data(as_text=True)
    shown = [n for n in ("Highmoor", "New_Start", "Peakland") if any(n in r for r in rows_of(page))]
    assert shown == expected


def test_the_trading_name_is_searched_too(client, db, market):
    peakland, _, _ = market
    peakland.trading_name = "Derwent Homes"
    db.session.commit()
    sign_in(client, make_user(Role.quality_monitor))
    db.session.commit()
    page = client.get("/providers", query_string={"name": "derwent"}).get_data(as_text=True)
    assert "1 provider" in page and "Derwent Homes" in page


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_see_a_providers_details_users_and_homes(client, db, market, role):
    peakland, _, _ = market
    staff = make_user(role)
    db.session.commit()
    sign_in(client, staff)
    page = client.get(f"/providers/{peakland.id}").get_data(as_text=True)
    assert "Peakland Care Ltd" in page
    assert peakland.companies_house_number in page
    assert "Ashgate Lodge" in page and "Brook House" in page and "Cressbrook" not in page
    assert "Requires improvement" in page
    assert "Priya Provider" in page and "priya@peakland.example" in page
    assert ("audit trail" in page) is (role is Role.administrator)


def test_an_unknown_provider_is_not_found(client, db):
    sign_in(client, make_user(Role.contracts_officer))
    db.session.commit()
    assert client.get("/providers/999999").status_code == 404


@pytest.mark.parametrize("path", ["/providers", "/providers/{id}"])
def test_providers_cannot_see_the_council_view(client, db, market, path):
    peakland, highmoor, _ = market
    user = make_provider_user(peakland)
    db.session.commit()
    sign_in(client, user)
    for provider in (peakland, highmoor):
        response = client.get(path.format(id=provider.id))
        assert response.status_code == 403
        assert "Highmoor" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/providers", "/providers/{id}"])
def test_anonymous_people_are_sent_to_sign_in(client, db, market, path):
    response = client.get(path.format(id=market[0].id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")
