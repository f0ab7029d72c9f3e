"""A decision rests on a full review: every section reviewed before anything is admitted, a
failed section admitted over only with the officer's reason (in the notice and the audit
trail), a check page before the decision is sent, and a decision made once however many
officers confirm it."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import read_document
from dps_portal.onboarding import answers
from dps_portal.onboarding import operations as provider_operations
from dps_portal.onboarding.models import (
    Admission,
    ApplicationState,
    CategoryDecision,
    ReviewOutcome,
)
from dps_portal.onboarding.review import operations
from dps_portal.onboarding.review.operations import CategoryChoice
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import checked_values, error_summary, page_text, textarea_value
from tests.onboarding.review.factories import (
    carried_inputs,
    decide_through_pages,
    decision_data,
    make_received_application,
    provider_user_of,
    review_every_section,
)

UNSIGNED = "The employer's liability certificate is not signed"
OVERRIDE = "The signed certificate was seen at the visit on 2 March; the upload is an old copy."
REJECTION = "The specialist training described does not cover the Mental Health Act."


def _officer(db, name: str = "Ann Officer"):
    officer = make_user(Role.contracts_officer)
    officer.full_name = name
    db.session.flush()
    return officer


def _signed_in(client, db, officer):
    db.session.commit()
    sign_in(client, officer)
    return officer


def _decide_url(application) -> str:
    return f"/review/applications/{application.id}/decision"


def _check(client, db, application, **choices):
    """POST the decide page; answers the response (the check page when all is well)."""
    data = decision_data(application, **choices)
    db.session.commit()
    return client.post(_decide_url(application), data=data)


def _pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(read_document(document)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.sequence)
        )
    )


def _notices(db) -> int:
    return db.session.scalar(select(func.count()).where(StoredDocument.kind == "decision_notice"))


def _undecided(db, application) -> None:
    db.session.refresh(application)
    assert application.state is ApplicationState.submitted
    assert all(chosen.decision is CategoryDecision.pending for chosen in application.categories)
    assert db.session.scalars(select(Admission)).all() == []
    assert _events(db, "application.decided") == []
    assert _notices(db) == 0


def _choices(application, admit=True, reasons=""):
    return {chosen.id: CategoryChoice(admit, reasons) for chosen in application.categories}


# The decide page shows the review.


def test_the_decide_page_shows_each_sections_outcome_with_reviewer_and_time(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(
        application, officer, failed={"insurance": UNSIGNED}, skip=("modern_slavery",)
    )
    _signed_in(client, db, officer)

    response = client.get(_decide_url(application))

    html = response.get_data(as_text=True)
    table = html[html.index('id="section-outcomes"') :]
    table = table[: table.index("</table>")]
    rows = {
        re.sub(r"<[^>]+>", "", row.split("</th>")[0]).strip(): " ".join(
            re.sub(r"<[^>]+>", " ", row).split()
        )
        for row in table.split('<tr class="govuk-table__row">')[2:]
    }
    assert "Failed" in rows["Insurance"]
    assert UNSIGNED.replace("'", "&#39;") in rows["Insurance"]
    assert "Ann Officer 3 March 2026 at 10:00am (GMT)" in rows["Insurance"]
    assert "Not reviewed" in rows["Modern slavery"]
    assert "Not yet" in rows["Modern slavery"]
    assert "Passed" in rows["Safeguarding, DBS and whistleblowing"]
    assert "Ann Officer" in rows["Safeguarding, DBS and whistleblowing"]
    assert len(rows) == 10
    text = page_text(response)
    # Said before anyone tries to admit.
    assert (
        "No category can be admitted until every section has been reviewed. "
        "Not reviewed: Modern slavery." in text
    )
    # The choice is not described as made before it is.
    assert "If admitted" not in text
    assert "Admitted" not in text


def test_the_rejection_reasons_are_revealed_only_by_choosing_reject(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer)
    _signed_in(client, db, officer)

    html = client.get(_decide_url(application)).get_data(as_text=True)

    for chosen in application.categories:
        reject = re.search(
            rf'<input[^>]*name="decision_{chosen.id}"[^>]*value="reject"[^>]*>', html, re.S
        ).group(0)
        revealed = re.search(r'data-aria-controls="([^"]+)"', reject).group(1)
        start = html.index(f'id="{revealed}"')
        conditional = html[html.rindex("<div", 0, start) : html.index("</textarea>", start)]
        assert "govuk-radios__conditional--hidden" in conditional
        assert f'name="reasons_{chosen.id}"' in conditional
        admit = re.search(
            rf'<input[^>]*name="decision_{chosen.id}"[^>]*value="admit"[^>]*>', html, re.S
        ).group(0)
        assert "data-aria-controls" not in admit
    # No failed section: no override to offer.
    assert 'name="override"' not in html


# Unreviewed sections block admission.


def test_an_unreviewed_section_refuses_admission_through_the_pages(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer, skip=("insurance", "workforce"))
    _signed_in(client, db, officer)

    response = _check(client, db, application, MH="admit", LDA=("reject", REJECTION))

    assert response.status_code == 200
    assert error_summary(response) == [
        "No category can be admitted until every section has been reviewed. "
        "Not reviewed: Insurance and Workforce and specialist training"
    ]
    # What was typed is kept.
    mental_health, learning = application.categories
    assert checked_values(response, f"decision_{mental_health.id}") == ["admit"]
    assert checked_values(response, f"decision_{learning.id}") == ["reject"]
    assert textarea_value(response, f"reasons_{learning.id}") == REJECTION
    _undecided(db, application)


def test_an_unreviewed_section_refuses_admission_in_the_operation(db, framework, frozen_clock):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer, skip=("insurance",))

    with pytest.raises(OperationRefused, match="Not reviewed: Insurance"):
        operations.decide_application(application, _choices(application), by=officer)
    # Nor may one category be admitted while the other is rejected.
    mental_health, learning = application.categories
    with pytest.raises(OperationRefused, match="Not reviewed: Insurance"):
        operations.decide_application(
            application,
            {mental_health.id: CategoryChoice(False, REJECTION), learning.id: CategoryChoice(True)},
            by=officer,
        )
    _undecided(db, application)


def test_rejecting_needs_no_full_review(client, db, framework, frozen_clock):
    application = make_received_application()
    officer = _signed_in(client, db, _officer(db))

    response = decide_through_pages(
        client, application, MH=("reject", REJECTION), LDA=("reject", REJECTION)
    )

    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state is ApplicationState.decided
    assert [chosen.decision for chosen in application.categories] == [CategoryDecision.rejected] * 2
    (event,) = _events(db, "application.decided")
    assert event.actor_id == officer.id
    assert set(event.after["sections"].values()) == {"unreviewed"}
    assert "override" not in event.after


def test_a_review_made_before_the_provider_answered_a_clarification_no_longer_counts(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    provider_user = provider_user_of(application)
    officer = _officer(db)
    review_every_section(application, officer)
    clarification = operations.request_clarification(
        application, message="Send the renewed certificate", section_keys=["insurance"], by=officer
    )
    with pytest.raises(OperationRefused, match="Not reviewed: Insurance"):
        operations.decide_application(application, _choices(application), by=officer)

    frozen_clock.advance(timedelta(hours=1))
    answers.save_section(
        application,
        "insurance",
        "org",
        {"public_liability": {"amount": "6000000", "expires_on": "2027-03-01"}},
        by=provider_user,
    )
    provider_operations.respond_to_clarification(
        application, clarification, response="Renewed", by=provider_user
    )
    _signed_in(client, db, officer)

    page = page_text(client.get(_decide_url(application)))
    assert "Not reviewed: Insurance." in page
    assert "The provider answered a clarification about this section on 3 March 2026" in page
    with pytest.raises(OperationRefused, match="Not reviewed: Insurance"):
        operations.decide_application(application, _choices(application), by=officer)

    frozen_clock.advance(timedelta(minutes=5))
    operations.review_section(
        application, "insurance", outcome=ReviewOutcome.passed, comment="", by=officer
    )
    operations.decide_application(application, _choices(application), by=officer)
    assert application.state is ApplicationState.decided


# A failed section: admitted over only with the officer's reason.


def test_admitting_over_a_failed_section_needs_the_override_and_its_reason(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer, failed={"insurance": UNSIGNED})
    _signed_in(client, db, officer)
    page = page_text(client.get(_decide_url(application)))
    assert "Insurance failed its review. To admit a category you must confirm" in page

    without = _check(client, db, application, MH="admit", LDA="admit")

    assert error_summary(without) == [
        "Insurance failed its review: to admit, confirm that you are admitting despite it "
        "and give your reason"
    ]
    assert checked_values(without, "override") == []

    no_reason = _check(client, db, application, MH="admit", LDA="admit", override="  ")

    assert error_summary(no_reason) == ["Enter why you are admitting although sections failed"]
    assert checked_values(no_reason, "override") == ["y"]
    _undecided(db, application)
    with pytest.raises(OperationRefused, match="Insurance failed its review"):
        operations.decide_application(application, _choices(application), by=officer)
    with pytest.raises(OperationRefused, match="Insurance failed its review"):
        operations.decide_application(
            application, _choices(application), by=officer, override_reason="   "
        )
    _undecided(db, application)


def test_the_override_reason_goes_into_the_notice_the_audit_trail_and_the_page(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(
        application, officer, failed={"insurance": UNSIGNED, "modern_slavery": "No statement"}
    )
    _signed_in(client, db, officer)

    checked = _check(
        client, db, application, MH="admit", LDA=("reject", REJECTION), override=OVERRIDE
    )

    text = page_text(checked)
    assert "Check your decision before sending it" in text
    assert "Admitted although sections failed Failed: Insurance and Modern slavery." in text
    assert OVERRIDE in text
    confirmed = client.post(f"{_decide_url(application)}/confirm", data=carried_inputs(checked))

    assert confirmed.status_code == 302
    db.session.refresh(application)
    assert application.state is ApplicationState.decided
    assert application.override_reason == OVERRIDE
    mental_health, learning = application.categories
    assert mental_health.decision is CategoryDecision.admitted
    assert learning.decision is CategoryDecision.rejected
    (decided,) = _events(db, "application.decided")
    assert decided.after["override"] == {
        "failed_sections": ["insurance", "modern_slavery"],
        "reason": OVERRIDE,
    }
    assert decided.after["sections"]["insurance"] == "failed"
    assert decided.after["sections"]["workforce"] == "passed"
    admitted, rejected = _events(db, "application.category_decided")
    assert admitted.after["override_reason"] == OVERRIDE
    assert "override_reason" not in rejected.after

    notice = _pdf_text(application.decision_notice)
    assert "Admitted although parts of the application did not meet the requirements" in notice
    assert "these sections of your application did not meet the requirements: " in notice
    assert "Insurance, Modern slavery" in notice
    assert OVERRIDE in notice
    page = page_text(client.get(f"/review/applications/{application.id}"))
    assert f"Admitted although sections failed {OVERRIDE}" in page


def test_rejecting_everything_with_a_failed_section_needs_no_override(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer, failed={"insurance": UNSIGNED})
    _signed_in(client, db, officer)

    # A ticked override without an admission is not kept.
    response = decide_through_pages(
        client,
        application,
        MH=("reject", REJECTION),
        LDA=("reject", REJECTION),
        override=OVERRIDE,
    )

    assert response.status_code == 302
    db.session.refresh(application)
    assert application.override_reason == ""
    assert "override" not in _events(db, "application.decided")[0].after
    assert "did not meet the requirements" not in _pdf_text(application.decision_notice)


# The check page.


def test_the_check_page_decides_nothing_until_confirmed(client, db, framework, frozen_clock):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer)
    _signed_in(client, db, officer)
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))

    checked = _check(client, db, application, MH=("reject", REJECTION), LDA="admit")

    assert checked.status_code == 200
    text = page_text(checked)
    assert "Mental Health Reject " + REJECTION in text
    learning = application.categories[1]
    for entry in learning.homes:
        assert f"{entry.care_home.name}: £1,250.00 a week" in text
    assert "It cannot be changed afterwards" in text
    html = checked.get_data(as_text=True)
    assert ">Confirm decision<" in html.replace("\n", "").replace("  ", "")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    _undecided(db, application)

    # "Change your decisions" goes back with everything as typed, and no errors.
    back = client.post(_decide_url(application), data={**carried_inputs(checked), "change": "yes"})

    assert back.status_code == 200
    assert "Decide the application" in page_text(back)
    assert error_summary(back) == []
    mental_health = application.categories[0]
    assert checked_values(back, f"decision_{mental_health.id}") == ["reject"]
    assert checked_values(back, f"decision_{learning.id}") == ["admit"]
    assert textarea_value(back, f"reasons_{mental_health.id}") == REJECTION
    _undecided(db, application)

    confirmed = client.post(f"{_decide_url(application)}/confirm", data=carried_inputs(checked))

    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith(f"/review/applications/{application.id}#decision")
    db.session.refresh(application)
    assert [chosen.decision for chosen in application.categories] == [
        CategoryDecision.rejected,
        CategoryDecision.admitted,
    ]
    assert application.categories[0].reasons == REJECTION
    assert _notices(db) == 1


@pytest.mark.parametrize(
    "tamper, message",
    [
        # A category whose homes are all rated Inadequate, admitted anyway.
        ("inadequate", "none of the homes put forward for it can be"),
        # An answer that is not one of the choices.
        ("not_a_choice", "Not a valid choice"),
        # The failed section's override ticked off after the check page.
        ("override_dropped", "Insurance failed its review"),
        # The reasons for a rejection removed.
        ("reasons_dropped", "Enter the reasons for rejecting Mental Health"),
    ],
)
def test_a_tampered_confirmation_is_validated_again(
    client, db, framework, frozen_clock, tamper, message
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer, failed={"insurance": UNSIGNED})
    _signed_in(client, db, officer)
    checked = _check(
        client, db, application, MH=("reject", REJECTION), LDA="admit", override=OVERRIDE
    )
    data = carried_inputs(checked)
    mental_health, learning = application.categories
    if tamper == "inadequate":
        for entry in learning.homes:
            entry.care_home.cqc_rating = CqcRating.inadequate
    elif tamper == "not_a_choice":
        data[f"decision_{learning.id}"] = "maybe"
    elif tamper == "override_dropped":
        del data["override"]
    else:
        data[f"reasons_{mental_health.id}"] = ""
    db.session.commit()

    response = client.post(f"{_decide_url(application)}/confirm", data=data)

    assert response.status_code == 200
    assert "Decide the application" in page_text(response)
    assert any(message in error for error in error_summary(response)), error_summary(response)
    _undecided(db, application)


def test_a_section_failed_after_the_check_page_needs_the_override_on_confirming(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer)
    _signed_in(client, db, officer)
    checked = _check(client, db, application, MH="admit", LDA="admit")
    assert "Check your decision" in page_text(checked)
    # Another officer fails a section while the check page is open.
    operations.review_section(
        application, "insurance", outcome=ReviewOutcome.failed, comment=UNSIGNED, by=_officer(db)
    )
    db.session.commit()

    response = client.post(f"{_decide_url(application)}/confirm", data=carried_inputs(checked))

    assert response.status_code == 200
    assert error_summary(response) == [
        "Insurance failed its review: to admit, confirm that you are admitting despite it "
        "and give your reason"
    ]
    _undecided(db, application)


# Two officers.


def test_a_decision_made_between_the_check_page_and_confirming_is_not_made_twice(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    first = _officer(db, "Ann Officer")
    second = _officer(db, "Bob Officer")
    review_every_section(application, first)
    _signed_in(client, db, second)
    checked = _check(client, db, application, MH=("reject", REJECTION), LDA="admit")
    assert "Check your decision" in page_text(checked)

    # The other officer decides first.
    operations.decide_application(application, _choices(application), by=first)
    db.session.commit()
    frozen_clock.advance(timedelta(minutes=3))

    response = client.post(f"{_decide_url(application)}/confirm", data=carried_inputs(checked))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/applications/{application.id}")
    page = page_text(client.get(response.headers["Location"]))
    assert (
        f"Application {application.reference} was already decided by Ann Officer on "
        "3 March 2026 at 10:00am (GMT)." in page
    )
    db.session.refresh(application)
    assert [chosen.decision for chosen in application.categories] == [CategoryDecision.admitted] * 2
    assert {chosen.decided_by_id for chosen in application.categories} == {first.id}
    assert len(_events(db, "application.decided")) == 1
    assert len(_events(db, "application.category_decided")) == 2
    assert _notices(db) == 1


# Who may decide.


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
def test_only_contracts_officers_reach_the_decision(client, db, framework, frozen_clock, role):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer)
    user = provider_user_of(application) if role is Role.provider else make_user(role)
    data = decision_data(application, MH="admit", LDA="admit")
    _signed_in(client, db, user)

    for path in (_decide_url(application), f"{_decide_url(application)}/confirm"):
        assert client.post(path, data=data).status_code == 403
    assert client.get(_decide_url(application)).status_code == 403
    _undecided(db, application)


def test_anonymous_people_cannot_decide(client, db, framework, frozen_clock):
    application = make_received_application()
    review_every_section(application, _officer(db))
    data = decision_data(application, MH="admit", LDA="admit")
    db.session.commit()

    response = client.post(f"{_decide_url(application)}/confirm", data=data)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")
    _undecided(db, application)


def test_an_officer_cannot_decide_a_withdrawn_application(client, db, framework, frozen_clock):
    application = make_received_application()
    officer = _officer(db)
    review_every_section(application, officer)
    data = decision_data(application, MH="admit", LDA="admit")
    provider_operations.withdraw_application(
        application, by=provider_user_of(application), reason="We have sold the homes"
    )
    _signed_in(client, db, officer)

    for response in (
        client.get(_decide_url(application)),
        client.post(_decide_url(application), data=data),
        client.post(f"{_decide_url(application)}/confirm", data=data),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/review/applications/{application.id}")
    page = page_text(client.get(f"/review/applications/{application.id}"))
    assert f"Application {application.reference} is withdrawn: it is not waiting" in page
    db.session.refresh(application)
    assert application.state is ApplicationState.withdrawn
    assert db.session.scalars(select(Admission)).all() == []
    with pytest.raises(OperationRefused, match="withdrawn"):
        operations.decide_application(application, _choices(application), by=officer)
