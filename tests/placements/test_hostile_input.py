"""Hostile values posted to the officers' placement forms and the register's filters: never a
500, and nothing changes unless the form was valid. (The access matrix's world has no
placement, so tests/test_fuzz_forms.py reaches these forms only as 404s.)"""

import pytest

from dps_portal.placements.models import Placement, PlacementState
from tests.conftest import sign_in
from tests.placements.factories import Register

HOSTILE = [
    "   ",
    "9" * 26,
    "-1",
    "0",
    "Ash\x00gate\x01\x1f\x7f",
    "x" * 100_000,
    "\u202e\U0001f600 e\u0301\u0301 \u05e9\u05dc\u05d5\u05dd",
    "<script>alert(1)</script>' OR '1'='1\"; --",
    "31/02/2026",
    "",
]

FORMS = {
    "end": ("active", ("ended_on", "reason", "detail")),
    "cancel": ("awarded", ("reason",)),
    "review": ("active", ("reviewed_on", "note")),
}


@pytest.mark.parametrize("path", FORMS)
def test_hostile_values_on_every_field(app, db, path):
    world = Register()
    name, names = FORMS[path]
    placement = getattr(world, name)
    client = app.test_client()
    sign_in(client, world.officer)
    url = f"/placements/{placement.id}/{path}"
    for value in HOSTILE:
        data = {field: [value] * 3 if field.endswith("_on") else value for field in names}
        response = client.post(url, data=data)
        assert response.status_code in (200, 302), (value[:20], response.status_code)
        several = {field: [value, "other"] for field in names}
        assert client.post(url, data=several).status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).state is placement.state


def test_hostile_filters_on_the_register(app, db):
    world = Register()
    client = app.test_client()
    sign_in(client, world.officer)
    for value in HOSTILE:
        query = {
            key: value
            for key in ("status", "category", "home", "provider", "district", "route", "county")
        }
        query["page"] = value
        for url in ("/placements/register", "/placements/register.csv"):
            response = client.get(url, query_string=query)
            assert response.status_code == 200, (url, value[:20])
    assert db.session.get(Placement, world.active.id).state is PlacementState.active
