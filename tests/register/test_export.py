"""The register's CSV: what the list shows, with the same search, filters and order, every page
of it, streamed, with formula-like cells made text; each copy taken is audited."""

import csv
import io
import re

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.register import queries, views
from tests.conftest import sign_in
from tests.contracts.factories import category
from tests.factories import make_home, make_provider
from tests.register.world import World, district


@pytest.fixture
def world(app, db):
    return World()


@pytest.fixture
def officer(client, world):
    sign_in(client, world.officer)
    return client


def table(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_one_line_per_home_with_standing_and_eligibility(officer, world):
    response = officer.get("/register.csv")
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    today = clock.today_uk().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="dps-register-{today}.csv"'
    )
    lines = table(response)
    assert [line["Provider"] for line in lines] == [
        "Ashgate Homes",
        "Ashgate Homes",
        "Beech Support Ltd",
        "Cedar Living Ltd",
        "Damson Care Ltd",
        "Elm Tree Homes Ltd",
    ]
    lodge, view, beech, cedar, damson, elm = lines
    assert lodge["Legal name"] == "Ashgate Care Ltd"
    assert lodge["Admitted to"] == "MH" and lodge["First admitted"]
    assert lodge["Care home"] == "Ashgate Lodge" and lodge["Postcode"] == "S40 1AA"
    assert lodge["District"] == "Chesterfield" and lodge["Care homes"] == "2"
    assert lodge["Eligibility: Mental Health"] == "Eligible"
    assert lodge["Eligibility: Learning Disabilities"] == ""
    assert view["Eligibility: Mental Health"].startswith(
        "Not eligible: Home not put forward for Mental Health; "
    )
    assert view["CQC location ID"] == "1-555000001"
    assert beech["Application pending for"] == "LDA" and beech["Decision due"]
    assert beech["Applications"] == "1"
    assert cedar["Rejected for"] == "ENH"
    assert damson["Suspended"] == "Whole provider"
    assert damson["Eligibility: Mental Health"] == (
        "Not eligible: Provider suspended: safeguarding concern"
    )
    # A provider without homes still has its line.
    assert elm["Care homes"] == "0" and elm["Care home"] == ""


@pytest.mark.parametrize(
    "query",
    [
        {"postcode": "s40"},
        {"status": "admitted", "sort": "homes_fewest"},
        {"name": "ltd", "sort": "name_desc"},
        {"category": "MH"},
        {"district": "Chesterfield"},
    ],
)
def test_the_same_search_filters_and_order_as_the_list(officer, world, query):
    if "category" in query:
        query["category"] = category(query["category"]).id
    if "district" in query:
        query["district"] = district(query["district"]).id
    html = officer.get("/register", query_string=query).get_data(as_text=True)
    shown = re.findall(r'data-provider="\d+">\s*<th[^>]*>\s*<a[^>]*>([^<]+)</a>', html)
    exported = []
    for line in table(officer.get("/register.csv", query_string=query)):
        if not exported or exported[-1] != line["Provider"]:
            exported.append(line["Provider"])
    assert exported == shown and shown


def test_the_page_links_to_the_csv_of_its_search(officer, world):
    html = officer.get("/register", query_string={"postcode": "S40", "sort": "homes_most"})
    assert 'href="/register.csv?postcode=S40&amp;sort=homes_most"' in html.get_data(as_text=True)


def test_every_page_in_batches(officer, world, monkeypatch):
    # Three providers read at a time, each line sent as a piece of its own.
    monkeypatch.setattr(queries, "CSV_BATCH", 3)
    monkeypatch.setattr(views, "CSV_CHUNK", 1)
    for number in range(queries.PER_PAGE + 5):
        make_home(make_provider(legal_name=f"Zeta {number:03} Ltd"), name=f"Zeta home {number}")
    db.session.commit()
    lines = table(officer.get("/register.csv", query_string={"name": "zeta", "sort": "name_desc"}))
    assert [line["Provider"] for line in lines] == [
        f"Zeta {number:03} Ltd" for number in reversed(range(queries.PER_PAGE + 5))
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_cells_a_spreadsheet_would_run_are_text(officer, world, start):
    provider = make_provider(legal_name=f'{start}HYPERLINK("http://x")', cqc_provider_id=None)
    make_home(provider, name=f"{start}1+1", postcode=f"{start}S40")
    db.session.commit()
    lines = table(officer.get("/register.csv", query_string={"name": "1+1"}))
    assert len(lines) == 1
    line = lines[0]
    assert line["Provider"] == f'\'{start}HYPERLINK("http://x")'
    assert line["Care home"] == f"'{start}1+1"
    assert line["Postcode"] == f"'{start}S40"


def test_each_copy_is_audited_with_its_search(officer, world):
    query = {"postcode": "s40 1", "status": "admitted", "sort": "admitted_newest"}
    officer.get("/register.csv", query_string=query).close()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.register_exported.value)
    ).all()
    assert len(events) == 1
    event = events[0]
    assert event.actor_id == world.officer.id
    assert event.subject_type == "dps_register"
    assert event.after == {
        "filters": {"postcode": "S401", "status": "admitted", "sort": "admitted_newest"},
        "sort": "admitted_newest",
    }


def test_a_monitor_may_export_too(client, world):
    sign_in(client, world.monitor)
    assert len(table(client.get("/register.csv"))) == 6
