"""The officers' register: filters, counts by status, the weekly cost in force, the CSV for
finance, who may read it, and its statement count."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.placements.models import Placement, PlacementCost, PlacementState
from dps_portal.placements.queries import RegisterFilters, costs_in_force, register_rows
from tests.conftest import sign_in
from tests.placements.factories import Register, add_placements
from tests.query_counts import statements_of


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def references(page: str, world: Register) -> set[str]:
    return {p.reference for p in world.all if p.reference in page}


@pytest.fixture
def world(db):
    return Register()


def test_the_register_lists_every_placement_with_counts_by_status(app, world):
    page = client_for(app, world.officer).get("/placements/register").get_data(as_text=True)
    assert references(page, world) == {p.reference for p in world.all}
    assert "4 placements" in page
    assert 'data-status="active">2<' in page
    assert 'data-status="awarded">1<' in page
    assert 'data-status="ended">1<' in page
    assert 'data-status="cancelled">0<' in page
    assert page.count('title="Out of county"') == 2  # the two placements at Border View


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "active"}, {"active", "direct"}),
        ({"status": "ended"}, {"ended"}),
        ({"route": "direct_award"}, {"direct"}),
        ({"route": "mini_tender"}, {"awarded", "active", "ended"}),
        ({"county": "out"}, {"direct", "ended"}),
        ({"county": "in"}, {"awarded", "active"}),
        ({"home": "ashgate"}, {"awarded", "active"}),
        ({"home": "%"}, set()),
        ({"review_due": "yes"}, {"active"}),
        ({"status": "active", "county": "out"}, {"direct"}),
        ({"status": "nonsense", "route": "x", "county": "x", "category": "abc"}, None),
    ],
)
def test_the_register_filters(app, world, query, expected):
    if expected is None:  # Unknown values filter nothing.
        expected = {"awarded", "active", "direct", "ended"}
    page = (
        client_for(app, world.officer)
        .get("/placements/register", query_string=query)
        .get_data(as_text=True)
    )
    wanted = {getattr(world, name).reference for name in expected}
    assert references(page, world) == wanted


def test_filters_by_provider_district_and_category(app, world):
    client = client_for(app, world.officer)
    name = world.away.provider.legal_name
    page = client.get("/placements/register", query_string={"provider": name}).get_data(
        as_text=True
    )
    assert references(page, world) == {world.direct.reference, world.ended.reference}
    district = world.local.district_id
    page = client.get("/placements/register", query_string={"district": district}).get_data(
        as_text=True
    )
    assert references(page, world) == {world.awarded.reference, world.active.reference}
    other_category = next(
        c.id for c in world.tender.category.framework.categories if c.id != world.tender.category_id
    )
    page = client.get("/placements/register", query_string={"category": other_category})
    assert "No placement matches" in page.get_data(as_text=True)
    # The counts follow the other filters.
    page = client.get("/placements/register", query_string={"county": "out"}).get_data(as_text=True)
    assert 'data-status="active">1<' in page and 'data-status="awarded">0<' in page


def test_an_overdue_review_is_due(world):
    world.direct.next_review_on = clock.today_uk() - timedelta(days=30)
    db.session.flush()
    rows = register_rows(RegisterFilters(review_due=True), clock.today_uk())
    assert {row[0] for row in rows} == {world.active.reference, world.direct.reference}


def test_the_weekly_cost_in_force_today(world):
    today = clock.today_uk()
    placement = world.active
    db.session.add_all(
        [
            PlacementCost(
                placement_id=placement.id,
                effective_from=today - timedelta(days=10),
                weekly_cost=Decimal("850.00"),
            ),
            PlacementCost(
                placement_id=placement.id,
                effective_from=today + timedelta(days=10),
                weekly_cost=Decimal("900.00"),
            ),
        ]
    )
    world.awarded.planned_start_on = today + timedelta(days=20)
    db.session.flush()
    costs = costs_in_force([placement.id, world.awarded.id], today)
    assert costs[placement.id] == Decimal("850.00")
    # Not started yet: the cost as awarded.
    assert costs[world.awarded.id] == Decimal("800.00")
    assert costs_in_force([placement.id], today + timedelta(days=10))[placement.id] == Decimal(
        "900.00"
    )


def test_the_csv_holds_what_the_list_shows(app, world):
    world.away.provider.legal_name = '=HYPERLINK("http://evil")'
    db.session.commit()
    client = client_for(app, world.officer)
    response = client.get("/placements/register.csv", query_string={"county": "out"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "Reference",
        "Person reference",
        "Route",
        "Category",
        "Setting",
        "Home",
        "Provider",
        "District",
        "Start",
        "End",
        "Weekly cost today",
        "Funding",
        "Status",
    ]
    by_reference = {row[0]: row for row in rows[1:]}
    assert set(by_reference) == {world.direct.reference, world.ended.reference}
    direct = by_reference[world.direct.reference]
    assert direct[2] == "Direct award"
    assert direct[5] == "Border View"
    assert direct[6].startswith("'=")  # a formula is written as text
    assert direct[7] == "Out of county"
    assert direct[8] == world.direct.started_on.isoformat()
    assert direct[9] == ""
    assert direct[10] == "800.00"
    assert direct[12] == "Active"
    ended = by_reference[world.ended.reference]
    assert ended[9] == world.ended.ended_on.isoformat()
    assert ended[12] == "Ended"
    # All of them without a filter; funding where known.
    rows = list(csv.reader(io.StringIO(client.get("/placements/register.csv").get_data(True))))
    assert len(rows) == 5
    active = next(row for row in rows if row[0] == world.active.reference)
    assert active[11] == "Council"


def test_who_may_read_the_register(app, world):
    for url in ("/placements/register", "/placements/register.csv"):
        assert client_for(app, world.officer).get(url).status_code == 200
        assert client_for(app, world.monitor).get(url).status_code == 200
        assert client_for(app, world.local_user).get(url).status_code == 403
        assert client_for(app, world.admin).get(url).status_code == 403
        response = app.test_client().get(url)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_the_register_pages_fifty_at_a_time_in_a_stable_order(app, world):
    add_placements(world.tender, world.local, 55)
    db.session.commit()
    client = client_for(app, world.officer)
    first = client.get("/placements/register").get_data(as_text=True)
    second = client.get("/placements/register", query_string={"page": 2}).get_data(as_text=True)
    placements = db.session.scalars(
        db.select(Placement).order_by(Placement.awarded_at.desc(), Placement.id.desc())
    ).all()
    assert placements[0].reference in first and placements[49].reference in first
    assert placements[50].reference not in first and placements[50].reference in second
    assert "59 placements" in first


def test_the_register_and_its_csv_ask_a_fixed_number_of_statements(app, world):
    client = client_for(app, world.officer)
    query = {"county": "in", "home": "House", "review_due": "", "status": "awarded"}
    small = {
        url: statements_of(client, url)[0]
        for url in ("/placements/register", "/placements/register.csv")
    }
    small_filtered, _ = statements_of(client, "/placements/register", **query)
    small_page, _ = statements_of(client, f"/placements/{world.active.id}")
    for _ in range(2):
        add_placements(world.tender, world.local, 20)
        add_placements(world.tender, world.away, 20, state=PlacementState.active)
    db.session.commit()
    large = {
        url: statements_of(client, url)[0]
        for url in ("/placements/register", "/placements/register.csv")
    }
    large_filtered, page = statements_of(client, "/placements/register", **query)
    assert large == small
    assert large_filtered == small_filtered
    assert world.awarded.reference in page
    assert max(large.values()) <= 30
    assert statements_of(client, f"/placements/{world.active.id}")[0] == small_page
    monitor = client_for(app, world.monitor)
    assert statements_of(monitor, "/placements/register")[0] == large["/placements/register"]


def test_the_navigation_leads_to_placements(app, world):
    for user, href in (
        (world.officer, 'href="/placements/register"'),
        (world.monitor, 'href="/placements/register"'),
        (world.local_user, 'href="/placements"'),
    ):
        page = client_for(app, user).get("/notifications").get_data(as_text=True)
        assert f"{href}" in page and ">Placements<" in page.replace("\n", "").replace(" ", "")
    page = client_for(app, world.admin).get("/notifications").get_data(as_text=True)
    assert "/placements" not in page
