"""Care homes: the two-step add with the CQC look-up, changes, uniqueness, who may reach them."""

from datetime import date

import pytest
from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.core.roles import STAFF_ROLES
from dps_portal.providers.models import CareHome, CqcRating
from tests.conftest import sign_in
from tests.factories import make_home, make_provider, make_user
from tests.providers.factories import audit_events, make_cqc_location, make_provider_user
from tests.providers.pages import checked, value_of


def home_form(framework, **overrides) -> dict:
    return {
        "cqc_location_id": "1-134558905",
        "name": "Ashgate Lodge",
        "address_line_1": "12 Ashgate Road",
        "address_line_2": "",
        "town": "Chesterfield",
        "postcode": "s40 4aa",
        "district_id": str(framework.districts[0].id),
        "setting_id": str(framework.settings[1].id),
        "registered_beds": "12",
        "registered_manager": "Rita Manager",
        **overrides,
    }


def count_homes(db) -> int:
    return db.session.scalar(select(func.count(CareHome.id)))


@pytest.fixture
def owner(db, framework):
    user = make_provider_user(make_provider(legal_name="Peakland Care Ltd"))
    db.session.commit()
    return user


@pytest.fixture
def signed_in_owner(client, owner):
    sign_in(client, owner)
    return owner


# The list.


def test_the_list_shows_only_the_users_own_homes(client, db, signed_in_owner):
    make_home(signed_in_owner.provider, name="Ashgate Lodge")
    make_home(make_provider(), name="Someone Else’s Home")
    db.session.commit()
    page = client.get("/homes").get_data(as_text=True)
    assert "Ashgate Lodge" in page
    assert "Someone Else" not in page
    assert 'href="/homes/add"' in page


# Adding: the first step.


def test_adding_starts_with_the_location_id_alone(client, signed_in_owner):
    page = client.get("/homes/add").get_data(as_text=True)
    assert "What is the home’s CQC location ID?" in page
    assert 'name="cqc_location_id"' in page
    assert 'name="name"' not in page
    assert "There is a problem" not in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the home’s CQC location ID"),
        ("1-12", "Enter a CQC location ID in the correct format, like 1-123456789"),
        ("RX1-123456", "Enter a CQC location ID in the correct format, like 1-123456789"),
    ],
)
def test_a_wrong_location_id_is_asked_again(client, signed_in_owner, typed, message):
    response = client.get("/homes/add", query_string={"cqc_location_id": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert page.count(message) == 2
    assert value_of(page, "cqc_location_id") == typed
    assert 'name="name"' not in page


def test_without_cqc_data_the_page_says_so_and_asks_for_the_details(client, signed_in_owner):
    page = client.get("/homes/add", query_string={"cqc_location_id": " 1-134558905 "}).get_data(
        as_text=True
    )
    assert "Details from the CQC" not in page
    # Said plainly, with the way back to the ID and the way on by hand.
    assert 'data-cqc-lookup="none"' in page
    assert "The council holds no CQC data for this location ID" in page
    assert "Check that 1-134558905 is the location ID on the CQC’s page for the home." in page
    assert 'href="/homes/add">enter the CQC location ID again</a>' in page
    assert "enter the home’s details below yourself" in page
    assert value_of(page, "cqc_location_id") == "1-134558905"
    assert value_of(page, "name") == ""
    assert checked(page, "district_id") is None
    assert 'name="cqc_rating' not in page
    assert 'autocomplete="address-line1"' in page
    assert 'autocomplete="address-line2"' in page
    assert 'autocomplete="address-level2"' in page
    assert 'autocomplete="postal-code"' in page


def test_cqc_data_fills_in_the_details(client, db, framework, signed_in_owner):
    make_cqc_location(
        location_id="1-101000001",
        name="Ashgate Lodge",
        address="12 Ashgate Road, Brampton, Chesterfield",
        postcode="s40 4aa",
        service_types="Care home service without nursing",
        provider_name="Peakland Care Ltd",
        overall_rating="Requires improvement",
        rating_published_on=date(2025, 3, 14),
    )
    db.session.commit()
    page = client.get("/homes/add", query_string={"cqc_location_id": "1-101000001"}).get_data(
        as_text=True
    )
    assert "Details from the CQC" in page
    assert "Check each one" in page
    assert value_of(page, "cqc_location_id") == "1-101000001"
    assert value_of(page, "name") == "Ashgate Lodge"
    assert value_of(page, "address_line_1") == "12 Ashgate Road"
    assert value_of(page, "address_line_2") == "Brampton"
    assert value_of(page, "town") == "Chesterfield"
    assert value_of(page, "postcode") == "S40 4AA"
    assert checked(page, "district_id") == str(framework.districts[0].id)  # Chesterfield
    residential = next(s for s in framework.settings if s.code == "residential")
    assert checked(page, "setting_id") == str(residential.id)
    assert value_of(page, "registered_beds") == ""
    # The rating is the CQC's: told, not asked.
    assert 'name="cqc_rating' not in page
    assert (
        "The CQC’s published rating, Requires improvement (14 March 2025), will be recorded "
        "with the home." in page
    )


def test_a_location_the_cqc_data_only_rates_asks_for_the_details(client, db, signed_in_owner):
    """A ratings file alone names no location: the form is not passed off as filled in."""
    make_cqc_location(
        location_id="1-101000001",
        name="",
        overall_rating="Good",
        rating_published_on=date(2025, 3, 14),
    )
    db.session.commit()
    page = client.get("/homes/add", query_string={"cqc_location_id": "1-101000001"}).get_data(
        as_text=True
    )
    assert 'data-cqc-lookup="rating-only"' in page
    assert "The council holds only the CQC’s rating for this location" in page
    assert "We have filled in" not in page
    assert "The CQC’s published rating, Good (14 March 2025), will be recorded" in page
    assert value_of(page, "cqc_location_id") == "1-101000001"
    assert value_of(page, "name") == ""


def test_the_manager_hint_says_when_the_manager_is_needed(client, signed_in_owner):
    page = client.get("/homes/add", query_string={"cqc_location_id": "1-134558905"}).get_data(
        as_text=True
    )
    assert "Registered manager (optional)" in page
    assert (
        "You can leave this blank for now, for example while the post is vacant. You must add "
        "it before you submit an application that puts this home forward." in page
    )


def test_a_home_added_takes_its_rating_from_the_cqc_data(client, db, framework, signed_in_owner):
    make_cqc_location(
        location_id="1-134558905",
        name="Ashgate Lodge",
        overall_rating="Requires improvement",
        rating_published_on=date(2025, 3, 14),
    )
    db.session.commit()
    # Whatever rating the form is sent with.
    form = home_form(framework, cqc_rating="outstanding", cqc_rating_on=["1", "1", "2026"])
    response = client.post("/homes/add", data=form)
    home = db.session.scalars(select(CareHome)).one()
    assert response.headers["Location"] == f"/homes/{home.id}"
    assert (home.cqc_rating, home.cqc_rating_on) == (
        CqcRating.requires_improvement,
        date(2025, 3, 14),
    )
    [change] = audit_events(AuditAction.cqc_rating_changed)
    assert change.actor_id is None
    assert change.after["origin"] == "cqc_import"
    assert "CQC data for location 1-134558905" in change.after["source"]
    page = client.get(f"/homes/{home.id}").get_data(as_text=True)
    assert "Requires improvement" in page
    assert "The CQC’s published data (CQC data for location 1-134558905" in page


def test_a_town_that_is_not_a_district_leaves_the_district_to_the_person(
    client, db, signed_in_owner
):
    make_cqc_location(
        location_id="1-101000002",
        name="Brook House",
        address="3 Derwent Street, Belper",
        postcode="DE56 1AB",
        service_types="Care home service with nursing",
        overall_rating="Good",
    )
    db.session.commit()
    page = client.get("/homes/add", query_string={"cqc_location_id": "1-101000002"}).get_data(
        as_text=True
    )
    assert value_of(page, "town") == "Belper"
    assert value_of(page, "address_line_2") == ""
    assert checked(page, "district_id") is None
    assert "The CQC’s published rating, Good, will be recorded with the home." in page


def test_a_location_id_another_provider_has_is_refused_at_once(client, db, signed_in_owner):
    make_home(make_provider(), cqc_location_id="1-134558905", name="Their Home")
    db.session.commit()
    page = client.get("/homes/add", query_string={"cqc_location_id": "1-134558905"}).get_data(
        as_text=True
    )
    assert "Another care home in the portal has this CQC location ID" in page
    assert "contact the council" in page
    assert "Their Home" not in page
    assert 'name="name"' not in page


def test_a_location_id_already_among_the_users_homes_says_so(client, db, signed_in_owner):
    make_home(signed_in_owner.provider, cqc_location_id="1-134558905", name="Ashgate Lodge")
    db.session.commit()
    page = client.get("/homes/add", query_string={"cqc_location_id": "1-134558905"}).get_data(
        as_text=True
    )
    assert "already one of your care homes: Ashgate Lodge" in page


# Adding: the details.


def test_adding_a_home_stores_it_for_the_users_organisation(client, db, framework, signed_in_owner):
    response = client.post("/homes/add", data=home_form(framework))
    home = db.session.scalars(select(CareHome)).one()
    assert response.headers["Location"] == f"/homes/{home.id}"
    assert home.provider_id == signed_in_owner.provider_id
    assert home.postcode == "S40 4AA"
    assert home.registered_beds == 12
    assert home.cqc_rating is None
    assert home.cqc_rating_on is None
    assert home.district_id == framework.districts[0].id
    assert home.setting_id == framework.settings[1].id
    [event] = audit_events(AuditAction.home_added)
    assert event.actor_id == signed_in_owner.id
    assert (event.subject_type, event.subject_id) == ("care_home", str(home.id))
    assert event.after["cqc_location_id"] == "1-134558905"
    assert "cqc_rating" not in event.after
    assert event.after["provider_id"] == signed_in_owner.provider_id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ashgate Lodge has been added to your care homes." in page
    assert "S40 4AA" in page


def test_errors_in_the_details_keep_what_was_typed(client, db, framework, signed_in_owner):
    form = home_form(
        framework,
        name="",
        postcode="S40 4CC",
        district_id="",
        registered_beds="twelve",
        registered_manager="Rita Typed",
    )
    response = client.post("/homes/add", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for message in [
        "Enter the name of the home",
        "Enter a real postcode, like S40 4AA",
        "Select the district the home is in",
        "Registered beds must be a whole number, like 12",
    ]:
        assert page.count(message) == 2, message
    assert value_of(page, "postcode") == "S40 4CC"
    assert value_of(page, "registered_beds") == "twelve"
    assert value_of(page, "registered_manager") == "Rita Typed"
    assert checked(page, "setting_id") == str(framework.settings[1].id)
    assert count_homes(db) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"registered_beds": "0"}, "Registered beds must be between 1 and 999"),
        ({"registered_beds": ""}, "Enter the number of registered beds"),
        ({"district_id": "999999"}, "Select the district the home is in"),
        ({"setting_id": "x"}, "Select the home’s care setting"),
        ({"town": ""}, "Enter the town or city"),
    ],
)
def test_each_detail_is_checked(client, db, framework, signed_in_owner, changes, message):
    response = client.post("/homes/add", data=home_form(framework, **changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_homes(db) == 0


def test_the_manager_may_be_left_blank(client, db, framework, signed_in_owner):
    form = home_form(framework, registered_manager="")
    assert client.post("/homes/add", data=form).status_code == 302
    home = db.session.scalars(select(CareHome)).one()
    page = client.get(f"/homes/{home.id}").get_data(as_text=True)
    assert "Before you submit an application that puts this home forward" in page
    assert f'href="/homes/{home.id}/edit#registered_manager"' in page
    # No rating yet is not the provider's to fix.
    assert home.cqc_rating is None
    assert "#cqc_rating" not in page
    assert "current CQC rating" not in page
    assert "The council has no CQC rating for" in page


def test_a_duplicate_location_id_is_refused_when_saving(client, db, framework, signed_in_owner):
    """Another provider may take the ID between the two steps."""
    framework.contact_email = "contracts@testshire.gov.uk"
    make_home(make_provider(), cqc_location_id="1-134558905")
    db.session.commit()
    response = client.post("/homes/add", data=home_form(framework))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Another care home in the portal has this CQC location ID" in page
    assert "contact the Contracts team at contracts@testshire.gov.uk" in page
    assert value_of(page, "name") == "Ashgate Lodge"
    assert count_homes(db) == 1
    assert audit_events(AuditAction.home_added) == []


# Seeing and changing a home.


def test_the_owner_sees_the_home(client, db, framework, signed_in_owner):
    home = make_home(
        signed_in_owner.provider,
        name="Ashgate Lodge",
        district_id=framework.districts[1].id,
        cqc_rating=CqcRating.outstanding,
    )
    db.session.commit()
    page = client.get(f"/homes/{home.id}").get_data(as_text=True)
    assert "Ashgate Lodge" in page and "Erewash" in page and "Outstanding" in page
    assert f'href="/homes/{home.id}/edit#district_id"' in page
    # The rating is shown, not offered for change.
    assert "#cqc_rating" not in page
    assert "You cannot change it here." in page
    assert f'href="/cqc/homes/{home.id}/report"' in page


def test_changing_a_home_is_audited_with_the_changed_fields(client, db, framework, signed_in_owner):
    client.post("/homes/add", data=home_form(framework))
    home = db.session.scalars(select(CareHome)).one()
    edit_page = client.get(f"/homes/{home.id}/edit").get_data(as_text=True)
    assert value_of(edit_page, "name") == "Ashgate Lodge"
    form = home_form(framework, registered_beds="14")
    response = client.post(f"/homes/{home.id}/edit", data=form)
    assert response.headers["Location"] == f"/homes/{home.id}"
    db.session.refresh(home)
    assert home.registered_beds == 14
    [event] = audit_events(AuditAction.home_updated)
    assert event.before == {"registered_beds": 12}
    assert event.after == {"registered_beds": 14}


def test_a_home_cannot_take_another_homes_location_id(client, db, framework, signed_in_owner):
    home = make_home(signed_in_owner.provider, cqc_location_id="1-111111111")
    make_home(make_provider(), cqc_location_id="1-222222222")
    db.session.commit()
    response = client.post(
        f"/homes/{home.id}/edit", data=home_form(framework, cqc_location_id="1-222222222")
    )
    assert "Another care home in the portal has this CQC location ID" in response.get_data(
        as_text=True
    )
    db.session.refresh(home)
    assert home.cqc_location_id == "1-111111111"
    # Its own ID is no conflict.
    response = client.post(
        f"/homes/{home.id}/edit", data=home_form(framework, cqc_location_id="1-111111111")
    )
    assert response.status_code == 302


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("GET", "/edit"), ("POST", "/edit")])
def test_another_providers_home_is_not_found(
    client, db, framework, signed_in_owner, method, suffix
):
    theirs = make_home(make_provider(), name="Their Home", registered_beds=9)
    db.session.commit()
    response = client.open(f"/homes/{theirs.id}{suffix}", method=method, data=home_form(framework))
    assert response.status_code == 404
    assert "Their Home" not in response.get_data(as_text=True)
    db.session.refresh(theirs)
    assert (theirs.name, theirs.registered_beds) == ("Their Home", 9)
    assert audit_events(AuditAction.home_updated) == []


def test_an_unknown_home_is_not_found(client, signed_in_owner):
    assert client.get("/homes/999999").status_code == 404


HOME_ROUTES = [
    ("GET", "/homes"),
    ("GET", "/homes/add"),
    ("POST", "/homes/add"),
    ("GET", "/homes/{id}"),
    ("GET", "/homes/{id}/edit"),
    ("POST", "/homes/{id}/edit"),
]


@pytest.mark.parametrize(("method", "path"), HOME_ROUTES)
def test_anonymous_people_are_sent_to_sign_in(client, db, method, path):
    home = make_home()
    db.session.commit()
    response = client.open(path.format(id=home.id), method=method, data={})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
@pytest.mark.parametrize(("method", "path"), HOME_ROUTES)
def test_staff_do_not_use_the_providers_home_pages(client, db, framework, role, method, path):
    home = make_home()
    staff = make_user(role)
    db.session.commit()
    sign_in(client, staff)
    response = client.open(path.format(id=home.id), method=method, data=home_form(framework))
    assert response.status_code == 403
    assert count_homes(db) == 1
