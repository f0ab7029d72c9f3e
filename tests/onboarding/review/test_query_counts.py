"""The application's review pages (the overview and a section's page) send as many SQL
statements for an application with one home as for one with ten, each home with its
uploads and answers changed after a clarification, and never more than 30."""

from datetime import timedelta

import pytest

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.demo import applications as demo_applications
from dps_portal.onboarding import operations as provider_operations
from dps_portal.onboarding.review import operations
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import DEFAULT_RATE, ready_framework, sample_pdf
from tests.onboarding.review.factories import RECEIVED_AT, review_every_section
from tests.providers.factories import make_complete_home, make_complete_provider
from tests.query_counts import statement_counts

MOST = 30
PAGES = ["", "/sections/cqc_registration", "/sections/insurance", "/sections/workforce"]


@pytest.fixture(autouse=True)
def _quick_evidence(monkeypatch):
    """The demo's answers upload a PDF each; one made once is enough here."""
    monkeypatch.setattr(demo_applications, "_evidence_pdf", sample_pdf)


def _reviewed_and_clarified(homes: int, officer):
    """A received application putting `homes` homes forward for two categories, every
    section reviewed, then the homes' CQC section reopened and answered again (new uploads)."""
    framework = ready_framework()
    provider = make_complete_provider()
    for number in range(homes):
        make_complete_home(provider, framework, name=f"Home {number}")
    by = make_user(Role.provider, provider=provider)
    with clock.frozen(RECEIVED_AT) as frozen:
        application = provider_operations.start_application(provider, by=by)
        home_ids = [home.id for home in provider.homes]
        provider_operations.save_categories(
            application, {category.id: home_ids for category in framework.categories[:2]}, by=by
        )
        demo_applications.answer_every_section(application, by=by)
        provider_operations.save_rates(
            application,
            {
                (chosen.category_id, entry.care_home_id): DEFAULT_RATE
                for chosen in application.categories
                for entry in chosen.homes
            },
            by=by,
        )
        provider_operations.submit_application(application, by=by)
        review_every_section(application, officer)
        clarification = operations.request_clarification(
            application,
            message="Send each home's new Statement of Purpose",
            section_keys=["cqc_registration"],
            by=officer,
        )
        frozen.advance(timedelta(minutes=1))
        demo_applications.answer_every_section(application, by=by, only={"cqc_registration"})
        provider_operations.respond_to_clarification(
            application, clarification, response="Sent", by=by
        )
    return application


def test_the_review_pages_send_as_many_statements_for_ten_homes_as_for_one(
    app, db, framework, frozen_clock
):
    officer = make_user(Role.contracts_officer)
    small = _reviewed_and_clarified(1, officer)
    large = _reviewed_and_clarified(10, officer)
    db.session.commit()
    client = app.test_client()
    sign_in(client, officer)

    counts = {
        application: statement_counts(
            client, [f"/review/applications/{application.id}{page}" for page in PAGES]
        )
        for application in (small, large)
    }

    assert list(counts[small].values()) == list(counts[large].values())
    assert max(counts[large].values()) <= MOST, counts[large]
    changed = client.get(f"/review/applications/{large.id}/sections/cqc_registration")
    assert changed.get_data(as_text=True).count("Before the clarification:") == 10
