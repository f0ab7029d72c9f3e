"""An officer records a home's CQC rating from the CQC's publication, with its source and a
note: the same change an import makes, so the contract gate reads it alike. And the gate holds
against the provider it gates: after an import flags a home Inadequate, nothing the provider
does makes it eligible again; only an officer's review does."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.contracts.eligibility import Barrier, eligibility
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.cqc.models import CqcRatingChange, CqcRatingReportState, RatingOrigin
from dps_portal.framework.models import current_framework
from dps_portal.notifications.models import Notification
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.contracts.factories import category, make_eligible_home
from tests.cqc.test_review import rate_inadequate
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user

TODAY = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
ENTRY = {
    "rating": "good",
    "published_on": ["20", "7", "2026"],
    "source": "CQC website report",
    "note": "The July report is on the CQC website; their file is a month behind.",
}


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def officer(db):
    user = make_user(Role.contracts_officer)
    db.session.commit()
    return user


@pytest.fixture
def home(db):
    home = make_home(
        name="Dovedale Court",
        cqc_rating=CqcRating.requires_improvement,
        cqc_rating_on=date(2025, 1, 20),
    )
    db.session.commit()
    return home


def changes(db) -> list[CqcRatingChange]:
    return db.session.scalars(select(CqcRatingChange).order_by(CqcRatingChange.id)).all()


def test_an_officer_records_a_rating_with_its_source(client, db, home, officer):
    sign_in(client, officer)
    form_page = client.get(f"/cqc/homes/{home.id}/rating").get_data(as_text=True)

    response = client.post(f"/cqc/homes/{home.id}/rating", data=ENTRY)

    assert "Record the CQC rating of Dovedale Court" in form_page
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cqc/homes/{home.id}/review"
    db.session.refresh(home)
    assert (home.cqc_rating, home.cqc_rating_on) == (CqcRating.good, date(2026, 7, 20))
    assert home.cqc_review_required_since is None
    [change] = changes(db)
    assert change.origin is RatingOrigin.officer_entry
    assert change.previous_rating is CqcRating.requires_improvement
    assert (change.recorded_by_id, change.source) == (officer.id, "CQC website report")
    assert change.note == ENTRY["note"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "home.cqc_rating_changed")
    ).one()
    assert event.actor_id == officer.id
    assert event.before == {"cqc_rating": "requires_improvement", "cqc_rating_on": "2025-01-20"}
    assert event.after["cqc_rating"] == "good"
    assert event.after["origin"] == "officer_entry"
    assert (event.after["source"], event.after["note"]) == ("CQC website report", ENTRY["note"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The rating of Dovedale Court is recorded." in page
    assert "Recorded by the council from: CQC website report" in page
    assert f"by {officer.full_name}" in page


def test_an_inadequate_entry_waits_for_a_review_as_an_import_does(client, db, officer):
    home = make_eligible_home("MH")
    other_officer = make_user(Role.contracts_officer)
    db.session.commit()
    mh = category("MH")
    assert eligibility(home, mh).is_eligible
    sign_in(client, officer)

    response = client.post(
        f"/cqc/homes/{home.id}/rating",
        data={**ENTRY, "rating": "inadequate", "source": "CQC letter"},
    )

    assert response.headers["Location"] == f"/cqc/homes/{home.id}/review"
    assert home.cqc_review_required_since == TODAY
    assert eligibility(home, mh).barriers == {Barrier.cqc_inadequate}
    told = db.session.scalars(
        select(Notification.title).where(Notification.user_id == other_officer.id)
    ).all()
    assert told == [f"CQC rated {home.name} Inadequate"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "It is Inadequate, so the home cannot take placements" in page
    assert "Allow placements to continue" in page


@pytest.mark.parametrize(
    ("changes_", "message"),
    [
        ({"rating": ""}, "Select the CQC rating"),
        ({"published_on": ["", "", ""]}, "Enter the date the CQC published the rating"),
        ({"published_on": ["1", "13", "2026"]}, "must be a real date"),
        ({"published_on": ["4", "8", "2026"]}, "must be today or in the past"),
        ({"source": ""}, "Enter where you read the rating"),
        ({"source": "x" * 201}, "200 characters or fewer"),
        ({"note": "  "}, "Enter a note about the rating"),
    ],
)
def test_an_entry_is_checked(client, db, home, officer, changes_, message):
    sign_in(client, officer)

    response = client.post(f"/cqc/homes/{home.id}/rating", data={**ENTRY, **changes_})

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert changes(db) == []


@pytest.mark.parametrize(
    ("published_on", "message"),
    [
        (["20", "1", "2025"], "Dovedale Court already has the rating Requires improvement"),
        (["1", "1", "2024"], "Dovedale Court has a newer rating: Requires improvement"),
    ],
)
def test_an_entry_that_changes_nothing_or_is_older_is_refused(
    client, db, home, officer, published_on, message
):
    sign_in(client, officer)

    response = client.post(
        f"/cqc/homes/{home.id}/rating",
        data={**ENTRY, "rating": "requires_improvement", "published_on": published_on},
    )

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(home)
    assert home.cqc_rating_on == date(2025, 1, 20)
    assert changes(db) == []


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_officers_record_ratings(client, db, home, role, method):
    user = make_provider_user(home.provider) if role is Role.provider else make_user(role)
    db.session.commit()
    sign_in(client, user)

    response = client.open(f"/cqc/homes/{home.id}/rating", method=method, data=ENTRY)

    assert response.status_code == 403
    assert changes(db) == []


def test_anonymous_people_are_sent_to_sign_in(client, db, home):
    for method in ("GET", "POST"):
        response = client.open(f"/cqc/homes/{home.id}/rating", method=method, data=ENTRY)
        assert response.headers["Location"].startswith("/account/sign-in")
    assert changes(db) == []


def test_an_unknown_home_is_not_found(client, officer):
    sign_in(client, officer)

    assert client.get("/cqc/homes/999999/rating").status_code == 404
    assert client.post("/cqc/homes/999999/rating", data=ENTRY).status_code == 404


# The gate holds against the provider it gates.


def _edit_form(home, **overrides) -> dict:
    framework = current_framework()
    return {
        "cqc_location_id": home.cqc_location_id,
        "name": home.name,
        "address_line_1": "1 High Street",
        "town": "Matlock",
        "postcode": "DE4 3AA",
        "district_id": str(framework.districts[0].id),
        "setting_id": str(framework.settings[0].id),
        "registered_beds": "10",
        "registered_manager": "Casey Reid",
        **overrides,
    }


def test_after_an_import_flags_inadequate_only_the_officers_review_lets_the_home_back(
    client, db, officer
):
    home = make_eligible_home("MH")
    home.cqc_rating, home.cqc_rating_on = CqcRating.good, date(2024, 4, 1)
    owner = make_provider_user(home.provider)
    db.session.commit()
    mh = category("MH")
    assert eligibility(home, mh).is_eligible
    rate_inadequate(home, datetime(2026, 7, 30, 9, 0, tzinfo=UTC))
    db.session.commit()
    assert eligibility(home, mh).barriers == {Barrier.cqc_inadequate}
    sign_in(client, owner)

    # The provider sets the rating back to Good through the home form's HTTP interface ...
    edited = client.post(
        f"/homes/{home.id}/edit",
        data=_edit_form(home, cqc_rating="good", cqc_rating_on=["1", "8", "2026"]),
    )
    # ... swaps the home to another location rated Good ...
    swapped = client.post(
        f"/homes/{home.id}/edit", data=_edit_form(home, cqc_location_id="1-555555555")
    )
    # ... reports a Good rating ...
    reported = client.post(
        f"/cqc/homes/{home.id}/report",
        data={"rating": "good", "published_on": ["1", "8", "2026"], "note": "We are Good."},
    )
    # ... and tries the officers' pages.
    reviewed = client.post(
        f"/cqc/homes/{home.id}/review", data={"decision": "allow", "note": "We say so."}
    )
    recorded = client.post(f"/cqc/homes/{home.id}/rating", data=ENTRY)

    assert edited.status_code == 302
    assert "You cannot change the CQC location ID while" in swapped.get_data(as_text=True)
    assert reported.status_code == 302
    assert (reviewed.status_code, recorded.status_code) == (403, 403)
    db.session.refresh(home)
    assert (home.cqc_rating, home.cqc_rating_on) == (CqcRating.inadequate, date(2026, 7, 30))
    assert home.cqc_review_required_since is not None
    assert home.cqc_review_cleared_at is None
    result = eligibility(home, mh)
    assert result.barriers == {Barrier.cqc_inadequate}
    assert [reason.text for reason in result.reasons] == [
        "CQC rating Inadequate: waiting for a contracts officer's review"
    ]
    assert db.session.scalar(select(func.count(CqcRatingChange.id))) == 1

    # The officer's review clears it; the provider's report waits for its own check.
    sign_in(client, officer)
    client.post(
        f"/cqc/homes/{home.id}/review",
        data={"decision": "allow", "note": "Action plan agreed with the CQC."},
    )
    assert eligibility(home, mh).is_eligible
    from dps_portal.cqc.queries import pending_report_of

    assert pending_report_of(home).state is CqcRatingReportState.pending
