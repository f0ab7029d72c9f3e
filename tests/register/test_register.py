"""The officers' register: who is listed for each search, filter and order, a page at a time,
with the standing, homes, eligibility and links each row shows; bad input is a message."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dps_portal.contracts.models import SuspensionState
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.models import Admission, ApplicationState, CategoryDecision
from dps_portal.register.queries import PER_PAGE
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, category, suspend
from tests.factories import make_home, make_provider, make_user
from tests.register.world import World, add_application, district

DAY = timedelta(days=1)


@pytest.fixture
def world(app, db):
    return World()


@pytest.fixture
def officer(client, world):
    sign_in(client, world.officer)
    return client


def listed(client, **query) -> list[int]:
    """The provider ids the register lists, in order."""
    response = client.get("/register", query_string=query)
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-provider="(\d+)"', response.get_data(as_text=True))]


def ids(*providers) -> list[int]:
    return [provider.id for provider in providers]


def test_every_provider_by_name(officer, world):
    # Trading name first where there is one: "Ashgate Homes".
    assert listed(officer) == ids(world.ashgate, world.beech, world.cedar, world.damson, world.elm)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Legal name, trading name, a home's name; any case.
        ({"name": "ashgate care"}, ["ashgate"]),
        ({"name": "HOMES"}, ["ashgate", "elm"]),
        ({"name": "beech house"}, ["beech"]),
        ({"name": "100%"}, []),
        ({"name": "_"}, []),
        # A provider's CQC ID or a home's location ID, or the start of one.
        ({"cqc_id": "1-202000002"}, ["beech"]),
        ({"cqc_id": "1-30"}, ["cedar"]),
        ({"cqc_id": "1-555000001"}, ["ashgate"]),
        ({"cqc_id": "2000"}, []),
        # The start of a home's or the organisation's postcode, case and spaces ignored.
        ({"postcode": "s40"}, ["ashgate", "damson"]),
        ({"postcode": "S 4 0 1a"}, ["ashgate"]),
        ({"postcode": "s403ee"}, ["damson"]),
        ({"postcode": "DE1"}, ["ashgate"]),
        ({"postcode": "DE7"}, ["beech"]),
        ({"postcode": "40"}, []),
    ],
)
def test_searches(officer, world, query, expected):
    assert listed(officer, **query) == ids(*(getattr(world, name) for name in expected))


def test_by_district(officer, world):
    assert listed(officer, district=district("Chesterfield").id) == ids(world.ashgate, world.damson)
    assert listed(officer, district=district("Erewash").id) == ids(world.beech)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("admitted", ["ashgate", "damson"]),
        ("pending", ["beech"]),
        ("rejected", ["cedar"]),
        ("suspended", ["damson"]),
        ("not_applied", ["elm"]),
    ],
)
def test_by_status(officer, world, status, expected):
    assert listed(officer, status=status) == ids(*(getattr(world, name) for name in expected))


def test_by_category_and_status_in_it(officer, world):
    mh, lda, enh = (category(code).id for code in ("MH", "LDA", "ENH"))
    assert listed(officer, category=mh) == ids(world.ashgate, world.damson)
    assert listed(officer, category=lda) == ids(world.beech)
    assert listed(officer, category=enh) == ids(world.cedar)
    assert listed(officer, category=lda, status="admitted") == []
    assert listed(officer, category=mh, status="suspended") == ids(world.damson)
    assert listed(officer, category=enh, status="rejected") == ids(world.cedar)
    assert listed(officer, category=mh, status="rejected") == []


def test_a_rejection_is_not_a_standing_once_admitted_or_applying_again(officer, world):
    enh = category("ENH")
    add_application(world.cedar, ENH=CategoryDecision.pending)
    db.session.commit()
    assert listed(officer, status="rejected") == []
    assert listed(officer, status="pending") == ids(world.beech, world.cedar)
    admit_home(make_home(world.cedar), "ENH")
    db.session.commit()
    assert listed(officer, category=enh.id, status="admitted") == ids(world.cedar)
    assert listed(officer, status="rejected") == []


def test_suspensions_in_force_only(officer, world):
    suspend(world.beech, state=SuspensionState.lifted)
    suspend(world.cedar, state=SuspensionState.recommended)
    suspend(world.elm, make_home(world.elm), reason="fire safety")
    db.session.commit()
    assert listed(officer, status="suspended") == ids(world.damson, world.elm)
    html = officer.get("/register", query_string={"status": "suspended"}).get_data(as_text=True)
    assert "1 home" in html


def test_counts_by_status_follow_the_other_filters(officer, world):
    html = officer.get("/register", query_string={"postcode": "S40"}).get_data(as_text=True)
    counts = dict(re.findall(r'data-status="(\w+)">(\d+)<', html))
    assert counts == {
        "all": "2",
        "admitted": "2",
        "pending": "0",
        "rejected": "0",
        "suspended": "1",
        "not_applied": "0",
    }


def test_each_order_is_stable_with_the_id_last(officer, world):
    # Two providers with the same name and the same number of homes: the id decides.
    twin_a = make_provider(legal_name="Ashgate Homes")
    twin_b = make_provider(legal_name="Ashgate Homes")
    # Damson admitted a day after Ashgate.
    admissions = {
        admission.provider_id: admission for admission in db.session.scalars(select(Admission))
    }
    admissions[world.damson.id].admitted_at = admissions[world.ashgate.id].admitted_at + DAY
    db.session.commit()
    everyone = [world.ashgate, twin_a, twin_b, world.beech, world.cedar, world.damson, world.elm]
    assert listed(officer) == ids(*everyone)
    assert listed(officer, sort="name_desc") == ids(*reversed(everyone))
    # Admitted first (Ashgate, then Damson, in the order admitted), then the rest by name.
    rest = [twin_a, twin_b, world.beech, world.cedar, world.elm]
    assert listed(officer, sort="admitted_oldest") == ids(world.ashgate, world.damson, *rest)
    assert listed(officer, sort="admitted_newest") == ids(world.damson, world.ashgate, *rest)
    assert listed(officer, sort="homes_most") == ids(
        world.ashgate, world.beech, world.cedar, world.damson, twin_a, twin_b, world.elm
    )
    assert listed(officer, sort="homes_fewest") == ids(
        twin_a, twin_b, world.elm, world.beech, world.cedar, world.damson, world.ashgate
    )


def test_pages_keep_the_search(officer, world):
    for number in range(PER_PAGE + 2):
        make_provider(legal_name=f"Zeta {number:03} Ltd")
    db.session.commit()
    first = listed(officer, name="zeta")
    second = listed(officer, name="zeta", page=2)
    assert len(first) == PER_PAGE and len(second) == 2
    assert not set(first) & set(second)
    html = officer.get("/register", query_string={"name": "zeta"}).get_data(as_text=True)
    assert "/register?page=2&amp;name=zeta" in html
    assert f"{PER_PAGE + 2} providers: page 1 of 2" in html
    # Past the last page, or not a page at all: no crash.
    assert listed(officer, name="zeta", page=3) == []
    assert len(listed(officer, name="zeta", page="x")) == PER_PAGE
    assert len(listed(officer, name="zeta", page="9" * 26)) == 0


def test_a_row_shows_standing_homes_eligibility_and_links(officer, world):
    html = officer.get("/register").get_data(as_text=True)
    row = _row(html, world.ashgate.id)
    assert 'data-standing="admitted"' in row and ">MH</abbr>" in row
    assert "2 homes, 1 eligible" in row
    lodge = _home(row, world.ashgate_lodge.id)
    assert "S40 1AA, Chesterfield" in lodge and "Eligible" in lodge
    view = _home(row, world.ashgate_view.id)
    assert "Not eligible" in view
    assert "Home not put forward for Mental Health" in view
    assert f'href="/providers/{world.ashgate.id}"' in row
    assert f'href="/providers/{world.ashgate.id}/evidence"' in row
    assert 'href="/review/applications/' in row
    assert 'href="/visits/' in row
    beech = _row(html, world.beech.id)
    assert 'data-standing="pending"' in beech and ">LDA</abbr>" in beech
    assert f'href="/review/applications/{world.beech_application.id}"' in beech
    assert "decision due" in beech
    assert 'data-standing="rejected"' in _row(html, world.cedar.id)
    damson = _row(html, world.damson.id)
    assert 'data-standing="suspended"' in damson
    assert "Provider suspended: safeguarding concern" in damson
    elm = _row(html, world.elm.id)
    assert 'data-standing="not_applied"' in elm and "No care homes" in elm


def test_a_monitor_reads_it_without_links_to_applications(client, world):
    sign_in(client, world.monitor)
    html = client.get("/register").get_data(as_text=True)
    assert 'href="/review/applications/' not in html
    assert "1 application" in html
    assert 'href="/visits/' in html


@pytest.mark.parametrize("role", [Role.provider, Role.administrator])
def test_providers_and_administrators_are_refused(client, world, db, role):
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    assert client.get("/register").status_code == 403
    assert client.get("/register.csv").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, world):
    response = client.get("/register")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"cqc_id": "<script>"}, "cqc_id", "Enter a CQC ID in letters, numbers and hyphens"),
        ({"cqc_id": "1-" + "9" * 30}, "cqc_id", "CQC ID must be 20 characters or fewer"),
        ({"postcode": "S40;--"}, "postcode", "Enter a postcode or its start"),
        ({"postcode": "S40 1AAXX"}, "postcode", "Enter a postcode or its start"),
        ({"name": "x" * 201}, "name", "Name must be 200 characters or fewer"),
        ({"district": "999999"}, "district", "Select a district from the list"),
        ({"category": "MH"}, "category", "Select a category from the list"),
        ({"status": "asleep"}, "status", "Select a status from the list"),
        ({"sort": "random()"}, "sort", "Select an order from the list"),
    ],
)
def test_bad_input_is_a_message_and_no_filter(officer, world, query, field, message):
    response = officer.get("/register", query_string={**query, "name": query.get("name", "")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert message in html
    assert f'href="#{field}"' in html
    # The bad value is no filter: everyone is listed.
    assert len(re.findall(r'data-provider="', html)) == 5
    # What was typed is kept.
    if field in ("cqc_id", "postcode", "name"):
        assert f'value="{_escaped(query[field])}"' in html
    csv = officer.get("/register.csv", query_string=query)
    assert csv.status_code == 200


def test_what_was_typed_is_kept_and_the_filters_chosen(officer, world):
    query = {
        "name": "Ashgate",
        "cqc_id": "1-1",
        "postcode": "s40 1",
        "district": district("Chesterfield").id,
        "category": category("MH").id,
        "status": "admitted",
        "sort": "homes_most",
    }
    html = officer.get("/register", query_string=query).get_data(as_text=True)
    assert re.findall(r'data-provider="(\d+)"', html) == [str(world.ashgate.id)]
    assert 'value="Ashgate"' in html and 'value="1-1"' in html and 'value="s40 1"' in html
    assert f'<option value="{query["district"]}" selected>' in html
    assert '<option value="homes_most" selected>' in html
    assert "Clear the search" in html


@pytest.mark.parametrize("value", ["\x00", "9" * 26, "-1", "\u202e\U0001f600", "' OR '1'='1"])
def test_hostile_values_never_crash(officer, world, value):
    fields = ("name", "cqc_id", "postcode", "district", "category", "status", "sort", "page")
    query = {name: value for name in fields}
    for url in ("/register", "/register.csv"):
        assert officer.get(url, query_string=query).status_code == 200
        several = {name: [value, "other"] for name in fields}
        assert officer.get(url, query_string=several).status_code == 200


def test_admitted_pending_and_rejected_at_once(officer, world):
    """A provider admitted to MH with an application pending for LDA and ENH rejected earlier."""
    add_application(world.ashgate, ApplicationState.decided, ENH=CategoryDecision.rejected)
    add_application(world.ashgate, LDA=CategoryDecision.pending)
    admit_home(make_home(world.beech), "MH")
    db.session.commit()
    row = _row(officer.get("/register").get_data(as_text=True), world.ashgate.id)
    for standing in ("admitted", "pending", "rejected"):
        assert f'data-standing="{standing}"' in row
    assert world.ashgate.id in listed(officer, status="rejected")
    assert world.beech.id in listed(officer, status="admitted")


def _row(html: str, provider_id: int) -> str:
    start = html.index(f'data-provider="{provider_id}"')
    end = html.find("data-provider=", start + 1)
    return html[start : end if end > 0 else len(html)]


def _home(row: str, home_id: int) -> str:
    start = row.index(f'data-home="{home_id}"')
    return row[start : row.index("</li>\n", start)]


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
