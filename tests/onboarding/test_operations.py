"""Starting, submitting, applying again and the rules around them."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import move
from dps_portal.onboarding.answers import save_section
from dps_portal.onboarding.checks import (
    Problem,
    exclusion_flags,
    inadequate_homes,
    submission_problems,
)
from dps_portal.onboarding.models import (
    Application,
    ApplicationState,
    CategoryDecision,
)
from dps_portal.onboarding.operations import (
    SubmissionRefused,
    start_application,
    submit_application,
)
from dps_portal.providers.models import CqcRating, EvidenceItem
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import make_complete_application, make_draft_application
from tests.onboarding.helpers import error_summary, page_text


def _reject(application, by) -> None:
    """Decide the application as the officers' side would: every category rejected."""
    for chosen in application.categories:
        chosen.decision = CategoryDecision.rejected
        chosen.reasons = "Insurance cover too low."
        chosen.decided_at = clock.now()
        chosen.decided_by_id = by.id
    move(application, ApplicationState.decided)
    application.decided_at = clock.now()


# Starting.


def test_references_count_up_within_the_year(db):
    with clock.frozen(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):
        first, _ = make_draft_application()
        second, _ = make_draft_application()
    with clock.frozen(datetime(2027, 1, 1, 0, 30, tzinfo=UTC)):
        third, _ = make_draft_application()

    assert [first.reference, second.reference, third.reference] == [
        "APP-2026-0001",
        "APP-2026-0002",
        "APP-2027-0001",
    ]


def test_an_application_keeps_the_question_set_it_started_with(db):
    application, _ = make_draft_application()

    assert application.question_set.version == 1
    assert application.question_set.framework_id == application.framework_id


def test_a_second_open_application_is_refused(client, db):
    application, user = make_draft_application()
    db.session.commit()

    with pytest.raises(OperationRefused, match=application.reference):
        start_application(application.provider, by=user)
    # The refused start locked the organisation's row until its transaction ends.
    db.session.rollback()

    sign_in(client, user)
    response = client.post("/applications/start", follow_redirects=True)
    assert (
        f"Your organisation already has an application in progress ({application.reference})"
        in page_text(response)
    )
    assert db.session.scalars(select(Application)).all() == [application]


def test_a_submitted_application_is_still_open(db):
    application = make_complete_application(submit=True)

    user = make_user(Role.provider, provider=application.provider)

    with pytest.raises(OperationRefused, match="already has an application in progress"):
        start_application(application.provider, by=user)


# What stops submission.


def test_an_incomplete_organisation_and_home_stop_submission(db):
    application = make_complete_application()
    application.provider.signatory_email = ""
    home = sorted(application.provider.homes, key=lambda h: h.id)[0]
    home.registered_manager = ""
    db.session.flush()

    problems = submission_problems(application)

    assert problems == [
        Problem(
            "organisation",
            "Organisation details: Enter the authorised signatory’s email address",
            "/organisation",
        ),
        Problem(
            "categories",
            f"{home.name}: Enter the registered manager’s name",
            f"/homes/{home.id}/edit",
            scope=f"home:{home.id}",
        ),
    ]


def test_missing_categories_answers_and_rates_are_listed_with_their_pages(db):
    application, _user = make_draft_application()
    entry = application.categories[0].homes[0]

    problems = submission_problems(application)
    by_key = {}
    for problem in problems:
        by_key.setdefault(problem.section_key, []).append(problem)

    assert by_key["financial_standing"][0] == Problem(
        "financial_standing",
        "Answer “Annual turnover in the last financial year”",
        f"/applications/{application.id}/sections/financial_standing/org",
    )
    assert [p.message for p in by_key["insurance"]] == [
        "Give the details of your employer's liability insurance",
        "Give the details of your public liability insurance",
        "Give the details of your professional indemnity insurance",
    ]
    assert by_key["workforce"][0].message.startswith(
        "Workforce and specialist training: Mental Health: "
    )
    assert f"Enter the weekly rate for {entry.care_home.name} in Mental Health" in [
        p.message for p in by_key["rates"]
    ]
    assert "organisation" not in by_key


def test_insurance_that_expires_before_submission_stops_it(db):
    with clock.frozen(datetime(2026, 3, 2, 10, 0, tzinfo=UTC)):
        application = make_complete_application()
        answer = next(a for a in application.answers if a.question_key == "public_liability")
        answer.value = {**answer.value, "expires_on": "2026-03-02"}
        assert submission_problems(application) == []
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)):
        problems = submission_problems(application)
        user = make_user(Role.provider, provider=application.provider)
        with pytest.raises(SubmissionRefused) as refused:
            submit_application(application, by=user)

    assert [p.message for p in problems] == [
        "Public liability insurance expired on 2 March 2026: give the policy that replaced it"
    ]
    assert refused.value.problems == problems
    assert application.state is ApplicationState.draft


def test_insurance_below_the_minimum_stops_submission(db):
    application = make_complete_application()
    answer = next(a for a in application.answers if a.question_key == "employers_liability")
    answer.value = {**answer.value, "amount": "4999999.99"}

    assert [p.message for p in submission_problems(application)] == [
        "Employer's liability insurance must cover at least £5,000,000"
    ]


def test_a_rate_above_the_ceiling_stops_submission(db):
    application = make_complete_application(categories=("MH",))
    entry = application.categories[0].homes[0]
    entry.proposed_weekly_rate = application.framework.max_weekly_rate + 1

    assert [p.message for p in submission_problems(application)] == [
        f"The weekly rate for {entry.care_home.name} in Mental Health must be £5,000.00 or less"
    ]


def test_an_exclusion_ground_or_an_inadequate_home_does_not_stop_submission(db):
    application = make_complete_application()
    user = make_user(Role.provider, provider=application.provider)
    save_section(
        application,
        "exclusion_grounds",
        "org",
        {
            "mandatory_exclusion": "yes",
            "mandatory_exclusion_details": "A former director; removed in 2020.",
            "discretionary_exclusion": "no",
        },
        by=user,
    )
    _first, second = sorted(application.provider.homes, key=lambda h: h.id)
    second.cqc_rating = CqcRating.inadequate

    assert submission_problems(application) == []
    assert exclusion_flags(application) == {"mandatory": True, "discretionary": False}
    assert inadequate_homes(application) == [second]

    submit_application(application, by=user)
    assert application.state is ApplicationState.submitted


def test_no_exclusion_and_no_inadequate_home(db):
    application = make_complete_application()

    assert exclusion_flags(application) == {"mandatory": False, "discretionary": False}
    assert inadequate_homes(application) == []


def test_the_check_page_lists_the_problems_with_links_and_no_submit_button(client, db):
    application, user = make_draft_application()
    db.session.commit()
    sign_in(client, user)

    response = client.get(f"/applications/{application.id}/check")

    errors = error_summary(response)
    assert "Answer “Annual turnover in the last financial year”" in errors
    assert f'href="/applications/{application.id}/sections/financial_standing/org"' in (
        response.get_data(as_text=True)
    )
    assert "Submit application" not in page_text(response)
    refused = client.post(f"/applications/{application.id}/submit", data={"confirm": "y"})
    assert "Answer “Annual turnover in the last financial year”" in error_summary(refused)
    db.session.refresh(application)
    assert application.state is ApplicationState.draft


# After submission.


def test_a_submitted_application_cannot_be_changed(client, db):
    application = make_complete_application(submit=True)
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, user)
    before = {(a.scope, a.question_key): a.value for a in application.answers}
    base = f"/applications/{application.id}"

    for url in (
        f"{base}/categories",
        f"{base}/rates",
        f"{base}/sections/financial_standing/org",
    ):
        for method in ("GET", "POST"):
            response = client.open(url, method=method, data={"annual_turnover": "1", "save": "y"})
            assert response.status_code == 302, url
            assert response.headers["Location"] == base
    shown = page_text(client.get(base))
    assert "has been submitted: it can no longer be changed" in shown
    assert client.get(f"{base}/check").headers["Location"] == base
    again = client.post(f"{base}/submit", data={"confirm": "y"}, follow_redirects=True)
    assert "has already been submitted" in page_text(again)

    with pytest.raises(OperationRefused, match="can no longer be changed"):
        save_section(application, "financial_standing", "org", {"annual_turnover": 1}, by=user)
    db.session.expire_all()
    assert {(a.scope, a.question_key): a.value for a in application.answers} == before


def test_submitting_twice_is_refused(db):
    application = make_complete_application(submit=True)

    user = make_user(Role.provider, provider=application.provider)

    with pytest.raises(OperationRefused, match="already been submitted"):
        submit_application(application, by=user)


def test_submission_is_audited_with_the_dates(db):
    with clock.frozen(datetime(2026, 12, 18, 15, 0, tzinfo=UTC)):
        application = make_complete_application(submit=True)

    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.application_submitted)
    ).one()
    assert event.subject_id == str(application.id)
    assert event.before == {"state": "draft"}
    assert event.after == {
        "state": "submitted",
        "reference": application.reference,
        "received_on": "2026-12-18",
        "due_on": "2027-01-06",
        "categories": ["MH", "LDA"],
    }


# Applying again.


def test_applying_again_copies_the_answers_but_not_expired_insurance(client, db):
    with clock.frozen(datetime(2026, 2, 2, 10, 0, tzinfo=UTC)):
        previous = make_complete_application(submit=True)
        user = make_user(Role.provider, provider=previous.provider)
        officer = make_user(Role.contracts_officer)
        _reject(previous, officer)
        answers = {a.question_key: a for a in previous.answers if a.scope == "org"}
        expired = answers["public_liability"]
        expired.value = {"amount": "6000000.00", "expires_on": "2026-02-27"}
        # The accounts were evidenced by the same document as the expired policy.
        answers["latest_accounts"].document_id = expired.document_id
        # The safeguarding policy's document is dated evidence that has expired.
        db.session.add(
            EvidenceItem(
                provider_id=previous.provider_id,
                kind="safeguarding_policy",
                label="Safeguarding policy",
                expires_on=date(2026, 2, 1),
                document_id=answers["safeguarding_policy"].document_id,
            )
        )
        db.session.commit()
        still_valid = answers["employers_liability"]

    with clock.frozen(datetime(2026, 3, 2, 10, 0, tzinfo=UTC)):
        sign_in(client, user)
        listing = client.get("/applications")
        assert f"Apply again from {previous.reference}" in page_text(listing)
        response = client.post(
            "/applications/start", data={"previous_application_id": str(previous.id)}
        )
        assert response.status_code == 302
        application = db.session.scalars(
            select(Application).where(Application.previous_application_id == previous.id)
        ).one()
        copied = {(a.scope, a.question_key): a for a in application.answers}
        problems = submission_problems(application)

    assert application.state is ApplicationState.draft
    assert application.reference != previous.reference
    assert {c.category.code for c in application.categories} == {"MH", "LDA"}
    assert all(
        entry.proposed_weekly_rate == previous.categories[0].homes[0].proposed_weekly_rate
        for chosen in application.categories
        for entry in chosen.homes
    )
    renewed = copied[("org", "public_liability")]
    assert renewed.value == {"amount": "6000000.00"}
    assert renewed.document_id is None
    assert ("org", "latest_accounts") not in copied
    assert ("org", "safeguarding_policy") not in copied
    # Evidence that has not expired is reused as it is: the same stored document.
    assert copied[("org", "employers_liability")].document_id == still_valid.document_id
    assert copied[("org", "employers_liability")].value == still_valid.value
    assert copied[("org", "annual_turnover")].value == answers["annual_turnover"].value
    assert all(answer.question_text == "" for answer in application.answers)
    assert sorted({p.section_key for p in problems}) == [
        "financial_standing",
        "insurance",
        "safeguarding",
    ]
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == AuditAction.application_started)
        .where(AuditEvent.subject_id == str(application.id))
    ).one()
    assert event.after["previous"] == previous.reference
    assert event.after["expired_evidence_left_out"] == [
        "latest_accounts",
        "public_liability",
        "safeguarding_policy",
    ]


def test_applying_again_from_another_organisations_application_is_not_found(client, db):
    previous = make_complete_application(submit=True)
    _reject(previous, make_user(Role.contracts_officer))
    stranger, stranger_user = make_draft_application()
    stranger.state = ApplicationState.withdrawn
    stranger.withdrawn_at = clock.now()
    db.session.commit()
    sign_in(client, stranger_user)

    response = client.post(
        "/applications/start", data={"previous_application_id": str(previous.id)}
    )

    assert response.status_code == 404
    with pytest.raises(OperationRefused):
        start_application(stranger.provider, by=stranger_user, previous=previous)


def test_apply_again_is_offered_on_a_rejected_application(client, db):
    previous = make_complete_application(submit=True)
    _reject(previous, make_user(Role.contracts_officer))
    user = make_user(Role.provider, provider=previous.provider)
    db.session.commit()
    sign_in(client, user)

    text = page_text(client.get(f"/applications/{previous.id}"))

    assert "Mental Health Decision Rejected Reasons Insurance cover too low." in text
    assert "Apply again" in text


def test_a_reference_taken_at_the_same_moment_moves_on_to_the_next(db, monkeypatch):
    first, _ = make_draft_application()
    offered = iter([first.reference, "APP-2099-0042"])
    monkeypatch.setattr("dps_portal.onboarding.operations._next_reference", lambda: next(offered))

    second, _ = make_draft_application()

    assert second.reference == "APP-2099-0042"
    assert db.session.scalars(select(Application.reference).order_by(Application.id)).all() == [
        first.reference,
        "APP-2099-0042",
    ]
