"""The direct-award pages: officers start, offer (the price cannot be sent), record a
telephone acceptance, close and read the fairness register (and its CSV); providers answer
their own offers only; everyone else is refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.awards import operations
from dps_portal.awards.models import (
    ChoiceReason,
    DirectAward,
    DirectAwardState,
    OfferState,
)
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.placements.models import Placement
from dps_portal.vacancies.models import Vacancy
from tests.awards.helpers import NOW, START, listed_home, start, start_form
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import page_text


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def market(db):
    cheap = listed_home("1000.00", beds=1, name="Cheap House")
    dear = listed_home("1200.00", beds=2, name="Dear House")
    officer = make_user(Role.contracts_officer)
    cheap_user = make_user(Role.provider, provider=cheap.provider)
    dear_user = make_user(Role.provider, provider=dear.provider)
    _db.session.commit()
    return {
        "cheap": cheap,
        "dear": dear,
        "officer": officer,
        "cheap_user": cheap_user,
        "dear_user": dear_user,
    }


def _award(market):
    award = start(market["officer"])
    _db.session.commit()
    return award


def _offered(market):
    award = _award(market)
    offer = operations.make_offer(
        award, award.listings[0], reason=ChoiceReason.lowest_rate, by=market["officer"]
    )
    _db.session.commit()
    return award, offer


def test_an_officer_starts_a_direct_award_and_sees_the_stored_list(client, market):
    sign_in(client, market["officer"])
    response = client.post("/direct-awards/new", data=start_form(), follow_redirects=True)
    text = page_text(response)
    assert response.status_code == 200
    award = _db.session.scalars(select(DirectAward)).one()
    assert f"Direct award {award.reference}" in text
    assert text.index("Cheap House") < text.index("Dear House")
    assert "£1,000.00" in text and "£1,200.00" in text
    by_district = client.get(f"/direct-awards/{award.id}?sort=district")
    assert by_district.status_code == 200


def test_the_start_form_says_what_is_wrong_and_keeps_what_was_typed(client, market):
    sign_in(client, market["officer"])
    text = page_text(client.post("/direct-awards/new", data=start_form(justification="respite")))
    assert "Enter the end date of the respite stay" in text
    assert 'value="MH-2027-001"' in client.post(
        "/direct-awards/new", data=start_form(justification="respite")
    ).get_data(as_text=True)
    end = START
    text = page_text(
        client.post(
            "/direct-awards/new",
            data=start_form(
                justification="respite", end_on=[str(end.day), str(end.month), str(end.year)]
            ),
        )
    )
    assert "The end date must be after the start date" in text
    text = page_text(client.post("/direct-awards/new", data=start_form(person_reference="Ann Lee")))
    assert "This looks like a name" in text
    assert _db.session.scalars(select(DirectAward)).all() == []


def test_a_tampered_price_is_ignored(client, market):
    award = _award(market)
    listing = award.listings[0]
    sign_in(client, market["officer"])
    response = client.post(
        f"/direct-awards/{award.id}/listings/{listing.id}/offer",
        data={"reason": "lowest_rate", "weekly_rate": "1.00", "price": "1.00"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    offer = _db.session.get(DirectAward, award.id).offers[0]
    assert offer.weekly_rate == Decimal("1000.00")
    assert "Offered to Cheap House" in page_text(response)


def test_the_offer_form_needs_a_reason(client, market):
    award = _award(market)
    sign_in(client, market["officer"])
    url = f"/direct-awards/{award.id}/listings/{award.listings[0].id}/offer"
    assert "Choose why you are offering" in page_text(client.post(url, data={}))
    assert "Enter the reason for choosing" in page_text(client.post(url, data={"reason": "other"}))


def test_the_provider_accepts_in_the_portal(client, market):
    award, offer = _offered(market)
    sign_in(client, market["cheap_user"])
    page = page_text(client.get(f"/offers/{offer.id}"))
    assert "£1,000.00" in page and "Accept the placement" in page
    assert "Direct award offer" in page_text(client.get("/offers"))
    response = client.post(f"/offers/{offer.id}/accept", follow_redirects=True)
    assert response.status_code == 200
    placement = _db.session.scalars(select(Placement)).one()
    assert placement.direct_award_id == award.id
    vacancy = _db.session.scalars(
        select(Vacancy).where(Vacancy.care_home_id == market["cheap"].id)
    ).one()
    assert vacancy.beds_free == 0


def test_the_last_bed_taken_is_refused_with_a_clear_message_on_the_page(client, market):
    _award, offer = _offered(market)
    other = start(market["officer"], person_reference="MH-2027-002")
    other_offer = operations.make_offer(
        other, other.listings[0], reason=ChoiceReason.lowest_rate, by=market["officer"]
    )
    operations.accept_offer(offer, by=market["cheap_user"])
    _db.session.commit()
    sign_in(client, market["cheap_user"])
    response = client.post(f"/offers/{other_offer.id}/accept", follow_redirects=True)
    assert "The last bed was just taken" in page_text(response)
    assert _db.session.get(DirectAward, other.id).state is DirectAwardState.open


def test_the_provider_declines_with_a_reason(client, market):
    _award, offer = _offered(market)
    sign_in(client, market["cheap_user"])
    assert "Enter why you are declining" in page_text(
        client.post(f"/offers/{offer.id}/decline", data={"reason": ""})
    )
    client.post(f"/offers/{offer.id}/decline", data={"reason": "No staff"})
    _db.session.expire_all()
    assert _db.session.get(type(offer), offer.id).state is OfferState.declined


def test_an_officer_records_a_telephone_acceptance(client, market, _now):
    award, offer = _offered(market)
    _now.advance(timedelta(minutes=40))
    sign_in(client, market["officer"])
    url = f"/direct-awards/{award.id}/offers/{offer.id}/telephone"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={"contact": "Helen, manager", "said_on": ["1", "3", "2027"], "said_time": "10:30"},
        follow_redirects=True,
    )
    assert "Accepted by telephone" in page_text(response)
    _db.session.expire_all()
    assert _db.session.get(DirectAward, award.id).state is DirectAwardState.placed


def test_an_officer_closes_without_a_placement(client, market):
    award = _award(market)
    sign_in(client, market["officer"])
    assert "Enter why" in page_text(client.post(f"/direct-awards/{award.id}/close", data={}))
    client.post(f"/direct-awards/{award.id}/close", data={"reason": "Went home"})
    _db.session.expire_all()
    assert _db.session.get(DirectAward, award.id).state is DirectAwardState.closed


def test_the_fairness_register_and_its_csv(client, market):
    award, offer = _offered(market)
    operations.accept_offer(offer, by=market["cheap_user"])
    second = start(market["officer"], person_reference="MH-2027-002")
    declined = operations.make_offer(
        second, second.listings[0], reason=ChoiceReason.nearest_family, by=market["officer"]
    )
    operations.decline_offer(declined, reason="Full", by=market["dear_user"])
    _db.session.commit()
    sign_in(client, market["officer"])
    text = page_text(client.get("/direct-awards/register"))
    assert award.reference in text and second.reference in text
    assert "1 of 1 placed direct award (100%) went to the cheapest listed home" in text
    html = client.get("/direct-awards/register").get_data(as_text=True)
    assert f'href="/direct-awards/{award.id}"' in html
    csv = client.get("/direct-awards/register.csv")
    assert csv.mimetype == "text/csv"
    body = csv.get_data(as_text=True)
    assert award.reference in body and "Cheap House" in body and "Lowest rate" in body
    later = client.get("/direct-awards/register?from=2027-03-02")
    assert award.reference not in page_text(later)
    assert client.get("/direct-awards/register?from=nonsense&category=abc").status_code == 200


def test_provider_fairness_counts(market):
    from dps_portal.awards.queries import RegisterFilters, provider_fairness

    award, offer = _offered(market)
    operations.decline_offer(offer, reason="Full", by=market["cheap_user"])
    operations.make_offer(
        award, award.listings[1], reason=ChoiceReason.specialist_fit, by=market["officer"]
    )
    page, listed = provider_fairness(RegisterFilters())
    assert page.total == len(listed) == 2
    rows = {row.provider_id: row for row in listed}
    cheap = rows[market["cheap"].provider_id]
    dear = rows[market["dear"].provider_id]
    assert (cheap.listed, cheap.offered, cheap.declined, cheap.beds_declared) == (1, 1, 1, 1)
    assert (dear.listed, dear.offered, dear.accepted, dear.beds_declared) == (1, 1, 0, 2)
    # A page at a time, the most often listed first (ties by name): its total counts them all.
    first, on_first = provider_fairness(RegisterFilters(), per_page=1)
    second, on_second = provider_fairness(RegisterFilters(), page=2, per_page=1)
    assert first.total == second.total == 2 and first.pages == 2
    assert {on_first[0].provider_id, on_second[0].provider_id} == set(rows)
    assert on_first[0].provider_name < on_second[0].provider_name
    beyond, none = provider_fairness(RegisterFilters(), page=3, per_page=1)
    assert none == [] and beyond.total == 2


def test_provider_fairness_page(market, client):
    _offered(market)
    sign_in(client, market["officer"])
    text = page_text(client.get("/direct-awards/register/providers"))
    assert "2 providers listed" in text
    assert "Cheap House" not in text  # providers, not homes
    assert client.get("/direct-awards/register/providers?page=9&from=x").status_code == 200


# Wrong users.

OFFICER_URLS = [
    ("get", "/direct-awards"),
    ("get", "/direct-awards/new"),
    ("post", "/direct-awards/new"),
    ("get", "/direct-awards/register"),
    ("get", "/direct-awards/register.csv"),
    ("get", "/direct-awards/register/providers"),
    ("get", "/direct-awards/{award}"),
    ("get", "/direct-awards/{award}/listings/{listing}/offer"),
    ("post", "/direct-awards/{award}/listings/{listing}/offer"),
    ("get", "/direct-awards/{award}/offers/{offer}/telephone"),
    ("post", "/direct-awards/{award}/offers/{offer}/telephone"),
    ("get", "/direct-awards/{award}/close"),
    ("post", "/direct-awards/{award}/close"),
]
PROVIDER_URLS = [
    ("get", "/offers/{offer}"),
    ("post", "/offers/{offer}/accept"),
    ("get", "/offers/{offer}/decline"),
    ("post", "/offers/{offer}/decline"),
]


def _urls(urls, award, offer):
    return [
        (method, url.format(award=award.id, listing=award.listings[0].id, offer=offer.id))
        for method, url in urls
    ]


@pytest.mark.parametrize("role", [Role.quality_monitor, Role.administrator, Role.provider])
def test_only_officers_reach_the_officer_pages(client, market, role):
    award, offer = _offered(market)
    user = market["cheap_user"] if role is Role.provider else make_user(role)
    _db.session.commit()
    sign_in(client, user)
    for method, url in _urls(OFFICER_URLS, award, offer):
        assert getattr(client, method)(url).status_code == 403, (method, url)


def test_anonymous_people_are_sent_to_sign_in(client, market):
    award, offer = _offered(market)
    for method, url in _urls([*OFFICER_URLS, *PROVIDER_URLS, ("get", "/offers")], award, offer):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/sign-in" in response.location, url


def test_another_provider_cannot_see_or_answer_the_offer(client, market):
    award, offer = _offered(market)
    sign_in(client, market["dear_user"])
    for method, url in _urls(PROVIDER_URLS, award, offer):
        assert getattr(client, method)(url, data={"reason": "x"}).status_code == 404, url
    assert "No offers yet" in page_text(client.get("/offers"))
    _db.session.expire_all()
    assert _db.session.get(type(offer), offer.id).state is OfferState.offered


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor])
def test_staff_cannot_answer_for_the_provider(client, market, role):
    award, offer = _offered(market)
    user = make_user(role)
    _db.session.commit()
    sign_in(client, user)
    for method, url in _urls([*PROVIDER_URLS, ("get", "/offers")], award, offer):
        assert getattr(client, method)(url).status_code == 403, url


def test_unknown_rows_are_not_found(client, market):
    award, offer = _offered(market)
    other = start(market["officer"], person_reference="MH-2027-009")
    _db.session.commit()
    sign_in(client, market["officer"])
    assert client.get("/direct-awards/999999").status_code == 404
    # A listing or offer of another award is not this award's.
    assert (
        client.get(f"/direct-awards/{other.id}/listings/{award.listings[0].id}/offer").status_code
        == 404
    )
    assert client.get(f"/direct-awards/{other.id}/offers/{offer.id}/telephone").status_code == 404
