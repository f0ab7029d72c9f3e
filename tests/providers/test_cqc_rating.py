"""A home's CQC rating is the regulator's: the provider reads it on its home's page and may
report a change, but no form or operation of the provider's sets it."""

from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.cqc.models import CqcRatingChange, RatingOrigin
from dps_portal.framework.models import current_framework
from dps_portal.providers import operations
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.cqc.factories import make_rating_report
from tests.factories import make_home
from tests.providers.factories import audit_events, make_cqc_location, make_provider_user

ASHGATE = "1-134558905"


def home_form(**overrides) -> dict:
    framework = current_framework()
    return {
        "cqc_location_id": ASHGATE,
        "name": "Ashgate Lodge",
        "address_line_1": "12 Ashgate Road",
        "town": "Chesterfield",
        "postcode": "S40 4AA",
        "district_id": str(framework.districts[0].id),
        "setting_id": str(framework.settings[0].id),
        "registered_beds": "12",
        "registered_manager": "Rita Manager",
        **overrides,
    }


TAMPERED = {"cqc_rating": "outstanding", "cqc_rating_on": ["1", "6", "2026"]}


@pytest.fixture
def owner(db, framework):
    user = make_provider_user()
    db.session.commit()
    return user


@pytest.fixture
def rated_home(db, owner):
    home = make_home(
        owner.provider,
        cqc_location_id=ASHGATE,
        name="Ashgate Lodge",
        cqc_rating=CqcRating.requires_improvement,
        cqc_rating_on=date(2025, 3, 14),
    )
    db.session.commit()
    return home


def test_the_home_form_has_no_rating_fields(client, owner, rated_home):
    sign_in(client, owner)

    for url in (f"/homes/{rated_home.id}/edit", f"/homes/add?cqc_location_id={ASHGATE}9"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="name"' in page, url
        assert 'name="cqc_rating' not in page, url
        assert "Date of the rating" not in page, url


def test_a_rating_posted_with_the_edit_form_is_ignored(client, db, owner, rated_home):
    sign_in(client, owner)

    response = client.post(
        f"/homes/{rated_home.id}/edit", data=home_form(registered_beds="14", **TAMPERED)
    )

    assert response.status_code == 302
    db.session.refresh(rated_home)
    assert rated_home.registered_beds == 14
    assert rated_home.cqc_rating is CqcRating.requires_improvement
    assert rated_home.cqc_rating_on == date(2025, 3, 14)
    [event] = audit_events(AuditAction.home_updated)
    assert event.after["registered_beds"] == 14
    assert not {"cqc_rating", "cqc_rating_on"} & event.after.keys()
    assert audit_events(AuditAction.cqc_rating_changed) == []


def test_a_rating_posted_with_the_add_form_is_ignored(client, db, owner):
    """Without CQC data for the location, a new home has no rating, whatever was sent."""
    sign_in(client, owner)

    response = client.post("/homes/add", data=home_form(**TAMPERED))

    assert response.status_code == 302
    home = owner.provider.homes[0]
    assert (home.cqc_rating, home.cqc_rating_on) == (None, None)
    assert audit_events(AuditAction.cqc_rating_changed) == []


@pytest.mark.parametrize("field", ["cqc_rating", "cqc_rating_on"])
def test_the_operations_refuse_a_rating(db, owner, rated_home, field):
    """Even a caller that got round the form cannot hand a rating to the operations."""
    value = CqcRating.outstanding if field == "cqc_rating" else date(2026, 6, 1)

    with pytest.raises(TypeError, match=field):
        operations.update_home(rated_home, by=owner, **{field: value})
    with pytest.raises(TypeError, match=field):
        operations.add_home(
            owner.provider,
            by=owner,
            cqc_location_id="1-222222222",
            name="New Home",
            **{field: value},
        )
    assert rated_home.cqc_rating is CqcRating.requires_improvement


def test_the_home_page_shows_the_rating_its_source_and_date(client, db, owner, rated_home):
    db.session.add(
        CqcRatingChange(
            care_home_id=rated_home.id,
            previous_rating=CqcRating.good,
            new_rating=CqcRating.requires_improvement,
            published_on=date(2025, 3, 14),
            source_file="cqc-ratings-march.csv",
            origin=RatingOrigin.cqc_import,
        )
    )
    db.session.commit()
    sign_in(client, owner)

    page = client.get(f"/homes/{rated_home.id}").get_data(as_text=True)

    assert "Requires improvement" in page
    assert "14 March 2025" in page
    assert "The CQC’s published data (cqc-ratings-march.csv)" in page
    assert "You cannot change it here." in page
    assert f'href="/homes/{rated_home.id}/edit#cqc_rating' not in page
    assert f'href="/cqc/homes/{rated_home.id}/report"' in page


def test_a_rating_without_history_says_its_source_is_not_recorded(client, owner, rated_home):
    sign_in(client, owner)

    page = client.get(f"/homes/{rated_home.id}").get_data(as_text=True)

    assert "Not recorded: given before ratings came only from the CQC" in page


def test_a_pending_report_is_shown_instead_of_the_link(client, db, owner, rated_home):
    make_rating_report(rated_home, owner, rating=CqcRating.good, published_on=date(2026, 5, 2))
    db.session.commit()
    sign_in(client, owner)

    page = client.get(f"/homes/{rated_home.id}").get_data(as_text=True)

    assert "You reported a new rating (Good, published 2 May 2026)" in page
    assert f'href="/cqc/homes/{rated_home.id}/report"' not in page


# The location ID: the rating belongs to the location.


def test_a_new_location_id_brings_that_locations_rating(client, db, owner, rated_home):
    make_cqc_location(
        location_id="1-333333333", overall_rating="Good", rating_published_on=date(2026, 1, 5)
    )
    db.session.commit()
    sign_in(client, owner)

    response = client.post(
        f"/homes/{rated_home.id}/edit", data=home_form(cqc_location_id="1-333333333")
    )

    assert response.status_code == 302
    db.session.refresh(rated_home)
    assert (rated_home.cqc_rating, rated_home.cqc_rating_on) == (CqcRating.good, date(2026, 1, 5))
    [change] = db.session.scalars(select(CqcRatingChange)).all()
    assert change.origin is RatingOrigin.cqc_import
    assert change.previous_rating is CqcRating.requires_improvement


def test_a_new_location_id_without_cqc_data_clears_the_rating(client, db, owner, rated_home):
    sign_in(client, owner)

    client.post(f"/homes/{rated_home.id}/edit", data=home_form(cqc_location_id="1-444444444"))

    db.session.refresh(rated_home)
    assert rated_home.cqc_location_id == "1-444444444"
    assert (rated_home.cqc_rating, rated_home.cqc_rating_on) == (None, None)


@pytest.mark.parametrize("flagged", ["inadequate", "waiting for review"])
def test_an_inadequate_homes_location_id_cannot_be_changed(client, db, owner, rated_home, flagged):
    """Else a provider could swap to a location rated Good and wait for the next import."""
    if flagged == "inadequate":
        rated_home.cqc_rating = CqcRating.inadequate
    else:
        from dps_portal.core import clock

        rated_home.cqc_review_required_since = clock.now()
    make_cqc_location(location_id="1-333333333", overall_rating="Outstanding")
    db.session.commit()
    sign_in(client, owner)

    response = client.post(
        f"/homes/{rated_home.id}/edit", data=home_form(cqc_location_id="1-333333333")
    )

    assert response.status_code == 200
    assert "You cannot change the CQC location ID while" in response.get_data(as_text=True)
    db.session.refresh(rated_home)
    assert rated_home.cqc_location_id == ASHGATE
    assert audit_events(AuditAction.home_updated) == []
