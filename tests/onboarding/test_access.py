"""Who reaches the provider's application pages: its own organisation only."""

import pytest
from sqlalchemy import select

from dps_portal.core.roles import STAFF_ROLES, Role
from dps_portal.core.states import move
from dps_portal.onboarding.models import Answer, ApplicationState, ClarificationRequest
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.factories import make_complete_application, make_draft_application


@pytest.fixture
def owned(db):
    """Provider A's submitted application with an open clarification (reopening sections,
    categories and rates, so every edit page is live for A), and provider B's user."""
    application = make_complete_application(submit=True)
    officer = make_user(Role.contracts_officer)
    clarification = ClarificationRequest(
        application=application,
        section_keys=["insurance", "categories", "rates"],
        message="Please check.",
        requested_by_id=officer.id,
    )
    db.session.add(clarification)
    move(application, ApplicationState.clarification_requested)
    _other, other_user = make_draft_application()
    db.session.commit()
    return application, clarification, other_user


def _routes(application, clarification):
    base = f"/applications/{application.id}"
    mental_health = application.categories[0].category_id
    home = application.categories[0].homes[0].care_home_id
    return [
        ("GET", base, {}),
        ("GET", f"{base}/categories", {}),
        ("POST", f"{base}/categories", {f"homes_{mental_health}": [str(home)]}),
        ("GET", f"{base}/sections/insurance/org", {}),
        ("POST", f"{base}/sections/insurance/org", {"later": "y"}),
        ("GET", f"{base}/sections/cqc_registration/home:{home}", {}),
        ("GET", f"{base}/sections/workforce/category:{mental_health}", {}),
        ("GET", f"{base}/rates", {}),
        ("POST", f"{base}/rates", {"later": "y"}),
        ("GET", f"{base}/check", {}),
        ("POST", f"{base}/submit", {"confirm": "y"}),
        ("GET", f"{base}/submitted", {}),
        ("GET", f"{base}/withdraw", {}),
        ("POST", f"{base}/withdraw", {"reason": "Taken over"}),
        ("POST", f"{base}/clarifications/{clarification.id}", {"response": "Hijacked"}),
    ]


def test_another_provider_finds_none_of_its_pages(client, db, owned):
    application, clarification, other_user = owned
    answers_before = sorted((a.id, repr(a.value)) for a in application.answers)
    sign_in(client, other_user)

    for method, url, data in _routes(application, clarification):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"

    db.session.expire_all()
    assert application.state is ApplicationState.clarification_requested
    assert clarification.response == ""
    assert (
        sorted(
            (a.id, repr(a.value))
            for a in db.session.scalars(
                select(Answer).where(Answer.application_id == application.id)
            )
        )
        == answers_before
    )
    assert "Hijacked" not in client.get("/applications").get_data(as_text=True)
    assert application.reference not in client.get("/applications").get_data(as_text=True)


def test_apply_again_from_another_providers_application_is_not_found(client, db, owned):
    application, _clarification, other_user = owned
    sign_in(client, other_user)

    response = client.post(
        "/applications/start", data={"previous_application_id": str(application.id)}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("role", sorted(STAFF_ROLES), ids=lambda role: role.value)
def test_staff_are_refused_the_providers_pages(client, db, owned, role):
    application, clarification, _other_user = owned
    sign_in(client, make_user(role))
    db.session.commit()

    for method, url, data in [
        ("GET", "/applications", {}),
        ("POST", "/applications/start", {}),
        *_routes(application, clarification),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"


def test_anonymous_visitors_are_sent_to_sign_in(client, db, owned):
    application, clarification, _other_user = owned

    for method, url, data in [
        ("GET", "/applications", {}),
        ("POST", "/applications/start", {}),
        *_routes(application, clarification),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, f"{method} {url}"
        assert response.headers["Location"].startswith("/account/sign-in")
