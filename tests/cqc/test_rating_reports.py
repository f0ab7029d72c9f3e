"""A provider reports a new CQC rating of its home; an officer checks it against the CQC's
publication and confirms it (recording it as the officer's entry) or rejects it. Until then
nothing changes for the contract gate."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.contracts.eligibility import Barrier, eligibility
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.cqc import operations
from dps_portal.cqc.models import (
    CqcRatingChange,
    CqcRatingReport,
    CqcRatingReportState,
    RatingOrigin,
)
from dps_portal.notifications.models import Notification
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.contracts.factories import category, make_eligible_home
from tests.cqc.factories import make_rating_report
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user

REPORT = {
    "rating": "good",
    "published_on": ["2", "5", "2026"],
    "link": "https://www.cqc.org.uk/location/1-134558905",
    "note": "Re-inspected on 3 March 2026.",
}
TODAY = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


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


@pytest.fixture
def owner(db, home):
    user = make_provider_user(home.provider)
    db.session.commit()
    return user


def reports() -> list[CqcRatingReport]:
    from dps_portal.extensions import db

    return db.session.scalars(select(CqcRatingReport).order_by(CqcRatingReport.id)).all()


def actions(db, prefix: str) -> list[str]:
    return db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%"))
    ).all()


def told(db, user) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


# The provider's report.


def test_the_provider_reports_a_new_rating(client, db, home, owner, officer):
    sign_in(client, owner)
    form_page = client.get(f"/cqc/homes/{home.id}/report").get_data(as_text=True)

    response = client.post(f"/cqc/homes/{home.id}/report", data=REPORT)

    assert "Report a new CQC rating" in form_page
    assert response.status_code == 302
    assert response.headers["Location"] == f"/homes/{home.id}"
    [report] = reports()
    assert report.state is CqcRatingReportState.pending
    assert (report.rating, report.published_on) == (CqcRating.good, date(2026, 5, 2))
    assert report.link == REPORT["link"]
    assert report.note == "Re-inspected on 3 March 2026."
    assert (report.reported_by_id, report.provider_id) == (owner.id, home.provider_id)
    # Nothing changes until an officer confirms it.
    db.session.refresh(home)
    assert home.cqc_rating is CqcRating.requires_improvement
    assert db.session.scalar(select(func.count(CqcRatingChange.id))) == 0
    assert actions(db, "cqc_rating_report.") == ["cqc_rating_report.reported"]
    [notice] = told(db, officer)
    assert notice.title == "New CQC rating reported for Dovedale Court"
    assert notice.link == f"/cqc/reports/{report.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The council will check the rating" in page
    assert "You reported a new rating (Good, published 2 May 2026)" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rating": ""}, "Select the CQC rating"),
        ({"rating": "splendid"}, "Select the CQC rating"),
        ({"published_on": ["", "", ""]}, "Enter the date the CQC published the rating"),
        ({"published_on": ["31", "2", "2026"]}, "must be a real date"),
        ({"published_on": ["1", "7", "2026"]}, "must be today or in the past"),
        ({"link": "javascript:alert(1)"}, "Enter the link in the correct format"),
        ({"link": "www.cqc.org.uk"}, "Enter the link in the correct format"),
    ],
)
def test_a_report_is_checked(client, db, home, owner, changes, message):
    sign_in(client, owner)

    response = client.post(f"/cqc/homes/{home.id}/report", data={**REPORT, **changes})

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert reports() == []


def test_a_second_report_waits_for_the_first(client, db, home, owner):
    make_rating_report(home, owner)
    db.session.commit()
    sign_in(client, owner)

    page = client.get(f"/cqc/homes/{home.id}/report").get_data(as_text=True)
    response = client.post(f"/cqc/homes/{home.id}/report", data=REPORT)

    assert "The council is still checking it" in page
    assert 'name="rating"' not in page
    assert response.status_code == 302
    assert len(reports()) == 1


def test_the_operation_refuses_a_second_report_too(db, home, owner):
    make_rating_report(home, owner)

    with pytest.raises(OperationRefused, match="still checking"):
        operations.report_rating(
            home,
            rating=CqcRating.outstanding,
            published_on=date(2026, 5, 2),
            link="",
            note="",
            by=owner,
        )


# The officers' list and the check.


def test_the_officers_see_the_reports_waiting_oldest_first(client, db, owner, home, officer):
    later_home = make_home(owner.provider, name="Aardvark House")
    make_rating_report(home, owner)
    make_rating_report(later_home, owner, rating=CqcRating.outstanding)
    decided = make_home(owner.provider, name="Decided House")
    make_rating_report(decided, owner, state=CqcRatingReportState.rejected, decided_at=clock.now())
    db.session.commit()
    sign_in(client, officer)

    page = client.get("/cqc/reports").get_data(as_text=True)
    imports_page = client.get("/cqc/imports").get_data(as_text=True)

    assert page.index("Check Dovedale Court") < page.index("Check Aardvark House")
    assert "Decided House" not in page
    assert "Reports to check, oldest first: 2" in page
    assert 'href="/cqc/reports">Reported ratings to check: 2</a>' in imports_page


def test_the_report_page_shows_what_was_reported(client, db, home, owner, officer):
    report = make_rating_report(
        home, owner, link="https://www.cqc.org.uk/location/1-1", note="See the report."
    )
    db.session.commit()
    sign_in(client, officer)

    page = client.get(f"/cqc/reports/{report.id}").get_data(as_text=True)

    assert "Reported CQC rating of Dovedale Court" in page
    assert "Good, published 1 June 2026" in page
    assert 'href="https://www.cqc.org.uk/location/1-1"' in page
    assert "See the report." in page
    assert f'href="/cqc/reports/{report.id}/confirm"' in page
    assert f'href="/cqc/reports/{report.id}/reject"' in page


def test_a_link_that_is_not_the_cqcs_is_shown_as_text(client, db, home, owner, officer):
    report = make_rating_report(home, owner, link="https://example.com/our-rating")
    db.session.commit()
    sign_in(client, officer)

    page = client.get(f"/cqc/reports/{report.id}").get_data(as_text=True)

    assert 'href="https://example.com/our-rating"' not in page
    assert "https://example.com/our-rating" in page
    assert "Not a CQC web address" in page


def test_confirming_records_the_rating_as_the_officers_entry(client, db, home, owner, officer):
    report = make_rating_report(home, owner)
    db.session.commit()
    sign_in(client, officer)

    response = client.post(
        f"/cqc/reports/{report.id}/confirm",
        data={"source": "CQC website report", "note": "Report published 1 June 2026."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/cqc/reports"
    db.session.refresh(home)
    assert (home.cqc_rating, home.cqc_rating_on) == (CqcRating.good, date(2026, 6, 1))
    db.session.refresh(report)
    assert report.state is CqcRatingReportState.confirmed
    assert (report.decided_by_id, report.decided_at) == (officer.id, TODAY)
    [change] = db.session.scalars(select(CqcRatingChange)).all()
    assert change.origin is RatingOrigin.officer_entry
    assert (change.recorded_by_id, change.report_id) == (officer.id, report.id)
    assert (change.source, change.note) == ("CQC website report", "Report published 1 June 2026.")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "home.cqc_rating_changed")
    ).one()
    assert event.actor_id == officer.id
    assert event.after["origin"] == "officer_entry"
    assert event.after["source"] == "CQC website report"
    assert actions(db, "cqc_rating_report.confirmed") == ["cqc_rating_report.confirmed"]
    [notice] = told(db, owner)
    assert notice.title == "CQC rating of Dovedale Court confirmed"
    assert notice.link == f"/homes/{home.id}"
    # The provider reads it with its source.
    sign_in(client, owner)
    page = client.get(f"/homes/{home.id}").get_data(as_text=True)
    assert "Recorded by the council from: CQC website report" in page


def test_confirming_an_inadequate_rating_waits_for_a_review(client, db, officer):
    home = make_eligible_home("MH")
    owner = make_provider_user(home.provider)
    report = make_rating_report(home, owner, rating=CqcRating.inadequate)
    db.session.commit()
    mh = category("MH")
    assert eligibility(home, mh).is_eligible
    sign_in(client, officer)

    response = client.post(
        f"/cqc/reports/{report.id}/confirm", data={"source": "CQC letter", "note": "Checked."}
    )

    assert response.headers["Location"] == f"/cqc/homes/{home.id}/review"
    assert home.cqc_review_required_since is not None
    assert eligibility(home, mh).barriers == {Barrier.cqc_inadequate}


def test_confirming_a_rating_the_home_already_has_changes_nothing(client, db, home, owner, officer):
    report = make_rating_report(
        home, owner, rating=CqcRating.requires_improvement, published_on=date(2025, 1, 20)
    )
    db.session.commit()
    sign_in(client, officer)

    client.post(f"/cqc/reports/{report.id}/confirm", data={"source": "CQC", "note": "Same."})

    db.session.refresh(report)
    assert report.state is CqcRatingReportState.confirmed
    assert db.session.scalar(select(func.count(CqcRatingChange.id))) == 0
    assert len(told(db, owner)) == 1


def test_a_report_older_than_the_rating_cannot_replace_it(client, db, home, owner, officer):
    report = make_rating_report(home, owner, published_on=date(2024, 12, 1))
    db.session.commit()
    sign_in(client, officer)

    response = client.post(
        f"/cqc/reports/{report.id}/confirm", data={"source": "CQC", "note": "Old."}
    )

    assert response.headers["Location"] == f"/cqc/reports/{report.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dovedale Court has a newer rating: Requires improvement" in page
    db.session.refresh(report)
    db.session.refresh(home)
    assert report.state is CqcRatingReportState.pending
    assert home.cqc_rating is CqcRating.requires_improvement


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "Checked."}, "Enter where you read the rating"),
        ({"source": " ", "note": "Checked."}, "Enter where you read the rating"),
        ({"source": "CQC"}, "Enter a note about how you checked the rating"),
    ],
)
def test_confirming_needs_a_source_and_a_note(client, db, home, owner, officer, data, message):
    report = make_rating_report(home, owner)
    db.session.commit()
    sign_in(client, officer)

    response = client.post(f"/cqc/reports/{report.id}/confirm", data=data)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert report.state is CqcRatingReportState.pending


def test_rejecting_tells_the_provider_why_and_changes_nothing(client, db, home, owner, officer):
    report = make_rating_report(home, owner)
    db.session.commit()
    sign_in(client, officer)

    missing = client.post(f"/cqc/reports/{report.id}/reject", data={"reason": ""})
    response = client.post(
        f"/cqc/reports/{report.id}/reject",
        data={"reason": "The CQC website still shows Requires improvement."},
    )

    assert "Enter why the rating cannot be confirmed" in missing.get_data(as_text=True)
    assert response.headers["Location"] == "/cqc/reports"
    db.session.refresh(report)
    db.session.refresh(home)
    assert report.state is CqcRatingReportState.rejected
    assert report.decision_note == "The CQC website still shows Requires improvement."
    assert home.cqc_rating is CqcRating.requires_improvement
    assert db.session.scalar(select(func.count(CqcRatingChange.id))) == 0
    assert actions(db, "cqc_rating_report.rejected") == ["cqc_rating_report.rejected"]
    [notice] = told(db, owner)
    assert notice.title == "CQC rating of Dovedale Court not changed"
    assert "The CQC website still shows Requires improvement." in notice.body


@pytest.mark.parametrize("second", ["confirm", "reject"])
def test_a_report_is_decided_once(client, db, home, owner, officer, second):
    report = make_rating_report(home, owner)
    db.session.commit()
    sign_in(client, officer)
    client.post(f"/cqc/reports/{report.id}/reject", data={"reason": "Not on the CQC site."})

    page = client.get(f"/cqc/reports/{report.id}/{second}").get_data(as_text=True)
    response = client.post(
        f"/cqc/reports/{report.id}/{second}",
        data={"source": "CQC", "note": "Again.", "reason": "Again."},
    )

    assert "This report is rejected: it is not waiting for a check." in page
    assert response.headers["Location"] == f"/cqc/reports/{report.id}"
    db.session.refresh(report)
    assert report.decision_note == "Not on the CQC site."
    assert len(actions(db, "cqc_rating_report.rejected")) == 1


def test_an_officer_who_was_beaten_to_it_is_told(db, home, owner, officer):
    """Two officers on one report: the second one's operation is refused by the state table."""
    from dps_portal.core.errors import InvalidTransition

    report = make_rating_report(home, owner)
    operations.reject_report(report, reason="No.", by=officer)

    with pytest.raises(InvalidTransition):
        operations.confirm_report(report, source="CQC", note="Yes.", by=make_user())


# Who may do what.


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_providers_home_cannot_be_reported(client, db, home, method):
    stranger = make_provider_user()
    db.session.commit()
    sign_in(client, stranger)

    response = client.open(f"/cqc/homes/{home.id}/report", method=method, data=REPORT)

    assert response.status_code == 404
    assert reports() == []


def test_the_operation_refuses_a_report_from_another_provider(db, home):
    stranger = make_provider_user()

    with pytest.raises(OperationRefused, match="own provider"):
        operations.report_rating(
            home,
            rating=CqcRating.good,
            published_on=date(2026, 5, 2),
            link="",
            note="",
            by=stranger,
        )


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor, Role.administrator])
def test_staff_do_not_report_for_a_provider(client, db, home, role):
    sign_in(client, make_user(role))
    db.session.commit()

    response = client.post(f"/cqc/homes/{home.id}/report", data=REPORT)

    assert response.status_code == 403
    assert reports() == []


OFFICER_PAGES = [
    ("GET", "/cqc/reports"),
    ("GET", "/cqc/reports/{id}"),
    ("GET", "/cqc/reports/{id}/confirm"),
    ("POST", "/cqc/reports/{id}/confirm"),
    ("GET", "/cqc/reports/{id}/reject"),
    ("POST", "/cqc/reports/{id}/reject"),
]
DECISION = {"source": "CQC website", "note": "Mine.", "reason": "Mine."}


@pytest.mark.parametrize(
    "who", ["owner", "other provider", Role.quality_monitor, Role.administrator]
)
@pytest.mark.parametrize(("method", "path"), OFFICER_PAGES)
def test_only_officers_check_reports(client, db, home, owner, who, method, path):
    report = make_rating_report(home, owner)
    user = {"owner": owner, "other provider": make_provider_user()}.get(who) or make_user(who)
    db.session.commit()
    sign_in(client, user)

    response = client.open(path.format(id=report.id), method=method, data=DECISION)

    assert response.status_code == 403
    db.session.refresh(report)
    assert report.state is CqcRatingReportState.pending
    assert home.cqc_rating is CqcRating.requires_improvement


@pytest.mark.parametrize(
    ("method", "path"),
    [*OFFICER_PAGES, ("GET", "/cqc/homes/{home}/report"), ("POST", "/cqc/homes/{home}/report")],
)
def test_anonymous_people_are_sent_to_sign_in(client, db, home, owner, method, path):
    report = make_rating_report(home, owner)
    db.session.commit()

    response = client.open(path.format(id=report.id, home=home.id), method=method, data=REPORT)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")
    assert len(reports()) == 1


def test_the_operations_refuse_anyone_but_an_officer(db, home, owner):
    report = make_rating_report(home, owner)

    for user in (owner, make_user(Role.quality_monitor), make_user(Role.administrator)):
        with pytest.raises(OperationRefused, match="Only a contracts officer"):
            operations.confirm_report(report, source="CQC", note="Mine.", by=user)
        with pytest.raises(OperationRefused, match="Only a contracts officer"):
            operations.reject_report(report, reason="Mine.", by=user)
    assert report.state is CqcRatingReportState.pending


def test_an_unknown_report_is_not_found(client, officer):
    sign_in(client, officer)

    for suffix in ("", "/confirm", "/reject"):
        assert client.get(f"/cqc/reports/999999{suffix}").status_code == 404
