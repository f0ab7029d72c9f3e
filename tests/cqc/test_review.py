"""Officers review the homes an import found Inadequate: allow placements, or keep it out."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.contracts.eligibility import Barrier, eligibility
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.cqc.operations import update_home_rating
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.contracts.factories import category, make_eligible_home
from tests.factories import make_home, make_user

FLAGGED_AT = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def rate_inadequate(home, when=FLAGGED_AT):
    with clock.frozen(when):
        update_home_rating(
            home, CqcRating.inadequate, when.date(), now=when, source_file="ratings.csv"
        )


@pytest.fixture
def officer(db):
    user = make_user(Role.contracts_officer)
    db.session.commit()
    return user


@pytest.fixture
def flagged(db):
    home = make_home(name="Dovedale Court", cqc_rating=CqcRating.good)
    rate_inadequate(home)
    db.session.commit()
    return home


def test_the_reviews_list_the_flagged_homes_oldest_first(client, db, officer, flagged):
    later = make_home(name="Aardvark House")
    rate_inadequate(later, datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    make_home(name="Untroubled House", cqc_rating=CqcRating.inadequate)
    db.session.commit()
    sign_in(client, officer)

    page = client.get("/cqc/reviews").get_data(as_text=True)

    assert page.index("Review Dovedale Court") < page.index("Review Aardvark House")
    assert "Untroubled House" not in page


def test_the_dashboard_counts_the_reviews(client, db, officer, flagged):
    sign_in(client, officer)
    from flask import url_for

    with client.application.test_request_context():
        dashboard = url_for("main.officer_home")

    page = client.get(dashboard).get_data(as_text=True)

    assert "CQC ratings to review: <strong>1</strong>" in page
    assert 'href="/cqc/reviews"' in page


def test_the_review_page_shows_the_history_and_eligibility(client, db, officer):
    home = make_eligible_home("MH")
    rate_inadequate(home)
    db.session.commit()
    sign_in(client, officer)

    page = client.get(f"/cqc/homes/{home.id}/review").get_data(as_text=True)

    assert "Review the CQC rating of" in page
    assert "ratings.csv" in page
    assert "Not eligible" in page
    assert "CQC rating Inadequate: waiting for a contracts officer&#39;s review" in page
    assert "Allow placements to continue" in page
    assert "Keep the home out: suspend it" in page


def test_allowing_placements_clears_the_review_and_the_gate(client, db, officer):
    home = make_eligible_home("MH")
    db.session.commit()
    mh = category("MH")
    assert eligibility(home, mh).is_eligible
    rate_inadequate(home)
    db.session.commit()
    assert eligibility(home, mh).barriers == {Barrier.cqc_inadequate}
    sign_in(client, officer)

    response = client.post(
        f"/cqc/homes/{home.id}/review",
        data={"decision": "allow", "note": "Action plan agreed with the CQC; we visited."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/cqc/reviews"
    assert home.cqc_review_required_since is None
    assert home.cqc_review_cleared_by_id == officer.id
    assert home.cqc_review_cleared_at is not None
    assert home.cqc_review_note == "Action plan agreed with the CQC; we visited."
    assert eligibility(home, mh).is_eligible
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "home.cqc_review_cleared")
    ).one()
    assert event.actor_id == officer.id
    assert event.before["cqc_review_required_since"] is not None
    assert event.after["cqc_review_required_since"] is None

    # A later import that rates it Inadequate again needs a new review.
    rate_inadequate(home, datetime(2026, 9, 1, 9, 0, tzinfo=UTC))
    db.session.commit()
    assert eligibility(home, mh).barriers == {Barrier.cqc_inadequate}


@pytest.mark.parametrize("has_suspend_page", [True, False])
def test_keeping_the_home_out_leaves_it_ineligible(client, db, officer, has_suspend_page):
    home = make_eligible_home("MH")
    rate_inadequate(home)
    db.session.commit()
    sign_in(client, officer)
    views = client.application.view_functions
    if not has_suspend_page:
        views.pop("contracts.suspend", None)

    response = client.post(
        f"/cqc/homes/{home.id}/review",
        data={"decision": "keep_out", "note": "Serious safeguarding findings."},
    )

    assert response.status_code == 302
    location = response.headers["Location"]
    if has_suspend_page:
        assert location.startswith("/suspensions/new?")
        assert f"home_id={home.id}" in location
        assert f"provider_id={home.provider_id}" in location
        assert "reason=CQC+rating+Inadequate" in location
    else:
        assert location == "/cqc/reviews"
    assert home.cqc_review_required_since is None
    assert home.cqc_review_cleared_at is None
    assert home.cqc_review_note == "Serious safeguarding findings."
    result = eligibility(home, category("MH"))
    assert result.barriers == {Barrier.cqc_inadequate}
    assert [reason.text for reason in result.reasons] == ["CQC rating Inadequate"]
    assert db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "home.cqc_review_kept_out")
    ).all() == ["home.cqc_review_kept_out"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "Fine."}, "Select whether placements may continue"),
        ({"decision": "allow", "note": "  "}, "Enter the reasons for your decision"),
        ({"decision": "something_else", "note": "Fine."}, "Not a valid choice"),
    ],
)
def test_a_decision_needs_a_choice_and_reasons(client, db, officer, flagged, data, message):
    sign_in(client, officer)

    response = client.post(f"/cqc/homes/{flagged.id}/review", data=data)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert flagged.cqc_review_required_since == FLAGGED_AT


def test_a_home_not_waiting_for_review_cannot_be_decided(client, db, officer):
    home = make_home(cqc_rating=CqcRating.inadequate)
    db.session.commit()
    sign_in(client, officer)

    page = client.get(f"/cqc/homes/{home.id}/review").get_data(as_text=True)
    response = client.post(
        f"/cqc/homes/{home.id}/review", data={"decision": "allow", "note": "Sure."}
    )

    assert "This home is not waiting for a review." in page
    assert "Save the decision" not in page
    assert response.status_code == 302
    assert home.cqc_review_cleared_at is None
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is not waiting for a review of its CQC rating" in follow


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_officers_review(client, db, flagged, role, method):
    sign_in(client, make_user(role))
    db.session.commit()

    response = client.open(
        f"/cqc/homes/{flagged.id}/review",
        method=method,
        data={"decision": "allow", "note": "Let me."},
    )

    assert response.status_code == 403
    assert flagged.cqc_review_required_since == FLAGGED_AT


def test_an_unknown_home_is_not_found(client, officer):
    sign_in(client, officer)

    assert client.get("/cqc/homes/999999/review").status_code == 404
    assert client.post("/cqc/homes/999999/review", data={}).status_code == 404
