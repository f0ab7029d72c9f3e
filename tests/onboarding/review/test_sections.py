"""The review one section at a time: the application's page lists the sections with their
outcomes, each section has a page with the provider's answers and its review form, and
saving goes on to the next section."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.roles import Role
from dps_portal.onboarding import answers
from dps_portal.onboarding import operations as provider_operations
from dps_portal.onboarding.models import ReviewOutcome, SectionReview
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.review import operations
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import make_draft_application
from tests.onboarding.helpers import checked_values, error_summary, page_text, textarea_value
from tests.onboarding.review.factories import (
    make_received_application,
    provider_user_of,
    review_every_section,
)

SECTION_LINK = re.compile(r'href="/review/applications/\d+/sections/([a-z_]+)"')


def _officer_signed_in(client, db, name: str = "Ann Officer"):
    officer = make_user(Role.contracts_officer)
    officer.full_name = name
    db.session.commit()
    sign_in(client, officer)
    return officer


def _keys(application) -> list[str]:
    return [section.key for section in definition_of(application.question_set).sections]


def _section_url(application, key: str) -> str:
    return f"/review/applications/{application.id}/sections/{key}"


def _task(html: str, title: str) -> str:
    """The section list's item for the section titled `title`."""
    items = re.findall(r'<li class="govuk-task-list__item.*?</li>', html, flags=re.S)
    (item,) = [item for item in items if f">\n        {title}\n      </a>" in item]
    return " ".join(re.sub(r"<[^>]+>", " ", item).split())


def _review_events(db) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "application.section_reviewed")
            .order_by(AuditEvent.sequence)
        )
    )


# The application's page: a summary and the section list.


def test_the_application_page_lists_the_sections_with_their_outcomes(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer_signed_in(client, db)
    operations.review_section(
        application, "exclusion_grounds", outcome=ReviewOutcome.passed, comment="", by=officer
    )
    operations.review_section(
        application,
        "insurance",
        outcome=ReviewOutcome.failed,
        comment="The employer's liability certificate is not signed",
        by=officer,
    )
    db.session.commit()

    response = client.get(f"/review/applications/{application.id}")

    html = response.get_data(as_text=True)
    text = page_text(response)
    # The summary: provider, categories, homes, dates, clarifications.
    assert application.provider.legal_name in text
    assert "Mental Health" in text and "Learning Disabilities" in text
    for chosen in application.categories:
        for entry in chosen.homes:
            assert entry.care_home.name in text
    assert "Submitted 3 March 2026 at 10:00am (GMT)" in text
    assert "Decision due 17 March 2026 10 working days left" in text
    assert "Clarification requests None" in text
    # The section list, in the question set's order, each linked to its page.
    assert SECTION_LINK.findall(html) == _keys(application)
    assert "2 of 10 sections reviewed." in text
    assert _task(html, "Exclusion grounds").endswith("Passed")
    insurance = _task(html, "Insurance")
    assert "The employer's liability certificate is not signed" in insurance.replace("&#39;", "'")
    assert insurance.endswith("Failed")
    assert _task(html, "Modern slavery").endswith("Not reviewed")
    # No review form on it: each section is reviewed on its own page.
    assert "-outcome" not in html
    assert f'href="/review/applications/{application.id}/decision"' in html


def test_a_section_reopened_for_clarification_waits_and_then_asks_for_review_again(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer_signed_in(client, db)
    review_every_section(application, officer)
    clarification = operations.request_clarification(
        application, message="Send the renewal", section_keys=["insurance"], by=officer
    )
    db.session.commit()

    waiting = client.get(f"/review/applications/{application.id}").get_data(as_text=True)

    assert _task(waiting, "Insurance").endswith("Waiting for clarification")
    assert _task(waiting, "Equality").endswith("Passed")
    assert "Clarification requests 1 : waiting for the provider’s answer" in page_text(
        client.get(f"/review/applications/{application.id}")
    )

    provider_user = provider_user_of(application)
    frozen_clock.advance(timedelta(minutes=1))
    answers.save_section(
        application,
        "insurance",
        "org",
        {"public_liability": {"amount": "6000000", "expires_on": "2027-12-01"}},
        by=provider_user,
    )
    provider_operations.respond_to_clarification(
        application, clarification, response="Renewed", by=provider_user
    )
    db.session.commit()

    answered = client.get(f"/review/applications/{application.id}").get_data(as_text=True)
    insurance = _task(answered, "Insurance")
    assert insurance.endswith("Review again")
    assert "1 answer changed after the clarification request" in insurance
    assert "9 of 10 sections reviewed." in page_text(
        client.get(f"/review/applications/{application.id}")
    )
    section = client.get(_section_url(application, "insurance"))
    assert "review it again before admitting" in page_text(section)
    assert "Review again" in page_text(section)


# A section's page.


def test_a_section_page_shows_its_answers_its_place_and_its_form(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    _officer_signed_in(client, db)

    response = client.get(_section_url(application, "insurance"))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert '<h1 class="govuk-heading-l">Insurance</h1>' in html
    assert "Section 3 of 10" in text
    assert "Public liability insurance" in text
    assert "Cover: £10,000,000.00" in text
    # Only this section's answers.
    assert "Statement of Purpose" not in text.replace("CQC registration and Statement of", "")
    assert 'name="insurance-outcome"' in html
    assert checked_values(response, "insurance-outcome") == []
    assert "Save and go to the next section" in text
    previous = html.index('rel="prev"')
    following = html.index('rel="next"')
    assert _section_url(application, "financial_standing") in html[previous - 200 : previous]
    assert _section_url(application, "cqc_registration") in html[following - 200 : following]
    assert "Previous section : Economic and financial standing" in text
    assert "Next section : CQC registration and Statement of Purpose" in text


def test_next_and_previous_follow_the_question_sets_order(client, db, framework, frozen_clock):
    application = make_received_application()
    _officer_signed_in(client, db)
    keys = _keys(application)

    def neighbour(key: str, rel: str) -> str | None:
        html = client.get(_section_url(application, key)).get_data(as_text=True)
        found = re.search(rf'href="/review/applications/\d+/sections/([a-z_]+)" rel="{rel}"', html)
        return found.group(1) if found else None

    walked = [keys[0]]
    while (following := neighbour(walked[-1], "next")) is not None:
        walked.append(following)
    back = [keys[-1]]
    while (previous := neighbour(back[-1], "prev")) is not None:
        back.append(previous)

    assert walked == keys
    assert back == keys[::-1]
    last = client.get(_section_url(application, keys[-1]))
    assert "Save and go back to the sections" in page_text(last)


def test_saving_goes_to_the_next_section_and_the_last_back_to_the_list(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer_signed_in(client, db)
    keys = _keys(application)

    saved = client.post(
        _section_url(application, keys[0]),
        data={f"{keys[0]}-outcome": "passed", f"{keys[0]}-comment": ""},
    )

    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(_section_url(application, keys[1]))
    following = client.get(saved.headers["Location"])
    assert "Your review of Exclusion grounds has been saved." in page_text(following)

    last = client.post(
        _section_url(application, keys[-1]),
        data={f"{keys[-1]}-outcome": "failed", f"{keys[-1]}-comment": "No equality policy"},
    )

    assert last.headers["Location"].endswith(f"/review/applications/{application.id}#sections")
    reviews = {
        review.section_key: (review.outcome, review.comment, review.reviewed_by_id)
        for review in db.session.scalars(select(SectionReview))
    }
    assert reviews == {
        keys[0]: (ReviewOutcome.passed, "", officer.id),
        keys[-1]: (ReviewOutcome.failed, "No equality policy", officer.id),
    }
    events = _review_events(db)
    assert [event.after["section"] for event in events] == [keys[0], keys[-1]]
    assert all(event.subject_id == str(application.id) for event in events)
    # The saved review is shown, and the form starts from it.
    page = client.get(_section_url(application, keys[-1]))
    assert "Fail: reviewed by Ann Officer, 3 March 2026 at 10:00am (GMT)." in page_text(page)
    assert checked_values(page, f"{keys[-1]}-outcome") == ["failed"]
    assert textarea_value(page, f"{keys[-1]}-comment") == "No equality policy"


def test_errors_keep_what_was_typed(client, db, framework, frozen_clock):
    application = make_received_application()
    _officer_signed_in(client, db)
    url = _section_url(application, "insurance")

    failed_without_comment = client.post(url, data={"insurance-outcome": "failed"})
    comment_without_choice = client.post(url, data={"insurance-comment": "Cover too low"})

    assert failed_without_comment.status_code == 200
    assert error_summary(failed_without_comment) == ["Enter why the section fails"]
    assert 'href="#insurance-comment"' in failed_without_comment.get_data(as_text=True)
    assert checked_values(failed_without_comment, "insurance-outcome") == ["failed"]
    assert page_text(failed_without_comment).startswith("Error: Insurance")
    assert error_summary(comment_without_choice) == ["Select whether the section passes or fails"]
    assert textarea_value(comment_without_choice, "insurance-comment") == "Cover too low"
    assert 'href="#insurance-outcome"' in comment_without_choice.get_data(as_text=True)
    assert db.session.scalars(select(SectionReview)).all() == []
    assert _review_events(db) == []


def test_a_withdrawn_application_shows_its_sections_without_forms(
    client, db, framework, frozen_clock
):
    application = make_received_application()
    officer = _officer_signed_in(client, db)
    review_every_section(application, officer, skip=("equality",))
    provider_operations.withdraw_application(
        application, by=provider_user_of(application), reason="We have sold the homes"
    )
    db.session.commit()

    reviewed = client.get(_section_url(application, "insurance"))
    unreviewed = client.get(_section_url(application, "equality"))
    refused = client.post(
        _section_url(application, "equality"),
        data={"equality-outcome": "passed"},
        follow_redirects=True,
    )

    assert "-outcome" not in reviewed.get_data(as_text=True)
    assert "Pass: reviewed by Ann Officer" in page_text(reviewed)
    assert "This section was not reviewed." in page_text(unreviewed)
    assert refused.request.path == _section_url(application, "equality")
    assert "is withdrawn: it is not waiting for a decision" in page_text(refused)
    assert "equality" not in {
        review.section_key for review in db.session.scalars(select(SectionReview))
    }


# Who may.


def test_another_officer_reviews_as_any_officer_may(client, db, framework, frozen_clock):
    application = make_received_application()
    first = make_user(Role.contracts_officer)
    operations.review_section(
        application, "insurance", outcome=ReviewOutcome.passed, comment="", by=first
    )
    second = _officer_signed_in(client, db, name="Priya Shah")

    assert client.get(_section_url(application, "insurance")).status_code == 200
    changed = client.post(
        _section_url(application, "insurance"),
        data={"insurance-outcome": "failed", "insurance-comment": "Certificate unsigned"},
    )

    assert changed.status_code == 302
    review = db.session.scalars(select(SectionReview)).one()
    assert (review.outcome, review.reviewed_by_id) == (ReviewOutcome.failed, second.id)


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
def test_nobody_but_officers_reaches_a_section(client, db, framework, frozen_clock, role):
    application = make_received_application()
    # The provider is the applicant itself: its own application is not its to review.
    user = provider_user_of(application) if role is Role.provider else make_user(role)
    db.session.commit()
    sign_in(client, user)
    url = _section_url(application, "insurance")

    assert client.get(url).status_code == 403
    assert client.post(url, data={"insurance-outcome": "passed"}).status_code == 403
    assert db.session.scalars(select(SectionReview)).all() == []


def test_drafts_and_unknown_sections_are_not_found(client, db, framework, frozen_clock):
    draft, _by = make_draft_application()
    application = make_received_application()
    _officer_signed_in(client, db)

    assert client.get(_section_url(draft, "insurance")).status_code == 404
    assert client.get(_section_url(application, "nonsense")).status_code == 404
    assert client.post(_section_url(draft, "insurance"), data={}).status_code == 404
