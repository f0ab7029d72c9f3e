"""The provider's return (drafts, submission, read-only after) and the monitors' review,
through the pages, with every refusal."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.quality.models import ReturnState
from dps_portal.quality.returns import operations
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import error_summary, input_value, page_text, textarea_value
from tests.providers.factories import audit_events, make_provider_user
from tests.quality.returns.helpers import VALID_ANSWERS, make_return


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(datetime(2026, 4, 10, 10, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def provider_user(db):
    return make_provider_user()


@pytest.fixture
def quality_return(db, provider_user):
    quality_return = make_return(provider_user.provider)
    db.session.commit()
    return quality_return


def _url(quality_return):
    return f"/returns/{quality_return.id}"


def _titles(db, user):
    return db.session.scalars(
        select(Notification.title).where(Notification.user_id == user.id)
    ).all()


def _submit(db, quality_return, user):
    operations.submit_return(quality_return, VALID_ANSWERS, by=user)
    db.session.commit()


# The provider's side.


def test_the_list_shows_each_return_with_its_status(client, db, provider_user, quality_return):
    overdue = make_return(provider_user.provider)
    overdue.due_on = datetime(2026, 4, 1).date()
    db.session.commit()
    sign_in(client, provider_user)
    response = client.get("/returns")
    text = page_text(response)
    assert response.status_code == 200
    assert "Quality returns" in text
    assert quality_return.care_home.name in text
    assert "January to March 2026" in text
    assert "30 April 2026" in text
    assert "Not submitted" in text
    assert "Overdue" in text


def test_the_edit_page_shows_every_question(client, provider_user, quality_return):
    sign_in(client, provider_user)
    text = page_text(client.get(_url(quality_return)))
    for words in (
        "Care staff in post (FTE)",
        "Vacancies (FTE)",
        "Agency staff hours used in the quarter",
        "Safeguarding incidents raised in the quarter",
        "Complaints upheld",
        "Restrictive-practice incidents in the quarter",
        "Mandatory training compliance",
        "Specialist training compliance for Mental Health",
        "Vacancy rate",
        "Due by 30 April 2026",
    ):
        assert words in text


def test_a_draft_keeps_everything_typed_even_when_not_valid(
    client, db, provider_user, quality_return
):
    sign_in(client, provider_user)
    data = {"agency_hours": "lots", "staff_in_post_fte": "9", "vacancies_fte": "1"}
    data["anything_else"] = "A new manager started."
    response = client.post(_url(quality_return), data={**data, "save_draft": "Save as draft"})
    assert response.status_code == 302
    db.session.refresh(quality_return)
    assert quality_return.state is ReturnState.due
    assert quality_return.answers["agency_hours"] == "lots"
    assert quality_return.answers["anything_else"] == "A new manager started."
    page = client.get(_url(quality_return))
    assert input_value(page, "agency_hours") == ["lots"]
    assert "Vacancy rate: 10.0%" in page_text(page)
    assert len(audit_events(AuditAction.return_saved)) == 1


def test_submitting_with_errors_shows_them_and_keeps_what_was_typed(
    client, db, provider_user, quality_return
):
    sign_in(client, provider_user)
    data = {**VALID_ANSWERS, "complaints_received": "two", "mandatory_training_pct": "150"}
    response = client.post(_url(quality_return), data={**data, "submit_return": "Submit"})
    assert response.status_code == 200
    assert error_summary(response) == [
        "The number of complaints received must be a whole number, like 3",
        "The mandatory training compliance must be between 0 and 100",
    ]
    assert input_value(response, "complaints_received") == ["two"]
    assert input_value(response, "mandatory_training_pct") == ["150"]
    assert textarea_value(response, "safeguarding_actions") == VALID_ANSWERS["safeguarding_actions"]
    db.session.refresh(quality_return)
    assert quality_return.state is ReturnState.due
    assert quality_return.answers["complaints_received"] == "two"


def test_submitting_a_valid_return(client, db, provider_user, quality_return):
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, provider_user)
    response = client.post(_url(quality_return), data={**VALID_ANSWERS, "submit_return": "Submit"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/returns"
    db.session.refresh(quality_return)
    assert quality_return.state is ReturnState.submitted
    assert quality_return.submitted_by_id == provider_user.id
    assert quality_return.answers["vacancies_fte"] == "3.5"
    (event,) = audit_events(AuditAction.return_submitted)
    assert event.subject_id == str(quality_return.id)
    assert _titles(db, monitor) == [
        f"Quality return submitted: {quality_return.care_home.name}, January to March 2026"
    ]


def test_a_submitted_return_is_read_only(client, db, provider_user, quality_return):
    _submit(db, quality_return, provider_user)
    sign_in(client, provider_user)
    page = client.get(_url(quality_return))
    text = page_text(page)
    assert "Submitted" in text
    assert "Vacancy rate 12.5%" in text
    assert 'name="agency_hours"' not in page.get_data(as_text=True)
    response = client.post(
        _url(quality_return), data={**VALID_ANSWERS, "agency_hours": "999", "save_draft": "x"}
    )
    assert response.status_code == 302
    db.session.refresh(quality_return)
    assert quality_return.answers["agency_hours"] == "120"
    assert "can no longer be changed" in page_text(client.get(_url(quality_return)))


def test_operations_refuse_changes_once_submitted(db, provider_user, quality_return):
    from dps_portal.core.errors import OperationRefused

    _submit(db, quality_return, provider_user)
    with pytest.raises(OperationRefused, match="can no longer be changed"):
        operations.save_return_draft(quality_return, VALID_ANSWERS, by=provider_user)
    with pytest.raises(OperationRefused, match="can no longer be changed"):
        operations.submit_return(quality_return, VALID_ANSWERS, by=provider_user)


def test_submission_refuses_invalid_answers(db, provider_user, quality_return):
    with pytest.raises(operations.ReturnNotValid) as refusal:
        operations.submit_return(quality_return, {}, by=provider_user)
    assert "agency_hours" in refusal.value.problems
    assert quality_return.state is ReturnState.due


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_organisations_return_is_not_found(client, db, quality_return, method):
    stranger = make_provider_user()
    db.session.commit()
    sign_in(client, stranger)
    response = client.open(_url(quality_return), method=method, data={**VALID_ANSWERS})
    assert response.status_code == 404
    db.session.refresh(quality_return)
    assert quality_return.answers == {}


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.contracts_officer, "/returns"),
        (Role.quality_monitor, "/returns/{id}"),
        (Role.administrator, "/returns/review"),
        (Role.administrator, "/returns/review/{id}"),
    ],
)
def test_wrong_roles_are_refused(client, db, quality_return, role, url):
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    assert client.get(url.format(id=quality_return.id)).status_code == 403


def test_providers_cannot_reach_the_review(client, provider_user, quality_return):
    sign_in(client, provider_user)
    assert client.get("/returns/review").status_code == 403
    assert client.get(f"/returns/review/{quality_return.id}").status_code == 403
    assert client.post(f"/returns/review/{quality_return.id}", data={}).status_code == 403


# The council's side.


def test_the_queue_puts_submitted_returns_first_and_flags_overdue(
    client, db, provider_user, quality_return
):
    overdue = make_return(provider_user.provider)
    overdue.due_on = datetime(2026, 4, 1).date()
    _submit(db, quality_return, provider_user)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    text = page_text(client.get("/returns/review"))
    assert "1 waiting for review; 1 overdue" in text
    assert text.index("Waiting for review") < text.index("Not submitted")
    assert text.index(quality_return.care_home.name) < text.index(overdue.care_home.name)
    assert "Overdue" in text


def test_a_monitor_reviews_a_submitted_return(client, db, provider_user, quality_return):
    _submit(db, quality_return, provider_user)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    page = client.get(f"/returns/review/{quality_return.id}")
    assert "Mark as reviewed" in page_text(page)
    assert "Agency staff hours used in the quarter 120" in page_text(page)
    response = client.post(
        f"/returns/review/{quality_return.id}", data={"note": "Thank you: staffing looks stable."}
    )
    assert response.status_code == 302
    db.session.refresh(quality_return)
    assert quality_return.state is ReturnState.reviewed
    assert quality_return.reviewed_by_id == monitor.id
    assert quality_return.review_note == "Thank you: staffing looks stable."
    assert len(audit_events(AuditAction.return_reviewed)) == 1
    assert _titles(db, provider_user) == [
        f"Your quality return for {quality_return.care_home.name}, January to March 2026, "
        "has been reviewed"
    ]
    # The provider reads the note on its return.
    sign_in(client, provider_user)
    assert "Thank you: staffing looks stable." in page_text(client.get(_url(quality_return)))


def test_review_refusals(client, db, provider_user, quality_return):
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    # Not yet submitted.
    client.post(f"/returns/review/{quality_return.id}", data={"note": "Too early"})
    db.session.refresh(quality_return)
    assert quality_return.state is ReturnState.due
    assert "not been submitted" in page_text(client.get(f"/returns/review/{quality_return.id}"))
    # Reviewed twice.
    _submit(db, quality_return, provider_user)
    client.post(f"/returns/review/{quality_return.id}", data={"note": "First"})
    client.post(f"/returns/review/{quality_return.id}", data={"note": "Second"})
    db.session.refresh(quality_return)
    assert quality_return.review_note == "First"
    assert len(audit_events(AuditAction.return_reviewed)) == 1


def test_a_contracts_officer_reads_but_does_not_review(client, db, provider_user, quality_return):
    _submit(db, quality_return, provider_user)
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)
    assert client.get("/returns/review").status_code == 200
    page = client.get(f"/returns/review/{quality_return.id}")
    assert page.status_code == 200
    assert "Mark as reviewed" not in page_text(page)
    assert client.post(f"/returns/review/{quality_return.id}", data={}).status_code == 403
    db.session.refresh(quality_return)
    assert quality_return.state is ReturnState.submitted


def test_a_missing_return_is_not_found(client, db):
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    sign_in(client, monitor)
    assert client.get("/returns/review/999999").status_code == 404
