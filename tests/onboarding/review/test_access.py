"""Who reaches the review's routes: contracts officers only, and a provider only its own
declaration requests."""

from datetime import date

import pytest

from dps_portal.core.roles import Role
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.extensions import db as _db
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.review.factories import make_received_application, provider_user_of

OFFICER_ROUTES = [
    ("GET", "/review/applications"),
    ("GET", "/review/applications/{application}"),
    ("GET", "/review/applications/{application}/sections/insurance"),
    ("POST", "/review/applications/{application}/sections/insurance"),
    ("GET", "/review/applications/{application}/clarification"),
    ("POST", "/review/applications/{application}/clarification"),
    ("GET", "/review/applications/{application}/extend"),
    ("POST", "/review/applications/{application}/extend"),
    ("GET", "/review/applications/{application}/self-cleaning"),
    ("POST", "/review/applications/{application}/self-cleaning"),
    ("GET", "/review/applications/{application}/decision"),
    ("POST", "/review/applications/{application}/decision"),
    ("POST", "/review/applications/{application}/decision/confirm"),
    ("GET", "/review/providers/{provider}/declaration"),
    ("POST", "/review/providers/{provider}/declaration"),
]
PROVIDER_ROUTES = [("GET", "/declarations/{declaration}"), ("POST", "/declarations/{declaration}")]


@pytest.fixture
def things(db, framework):
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    declaration = DeclarationRequest(
        provider_id=application.provider_id, requested_by_id=officer.id, due_on=date(2026, 3, 17)
    )
    db.session.add(declaration)
    db.session.commit()
    users = {
        Role.contracts_officer: officer,
        Role.quality_monitor: make_user(Role.quality_monitor),
        Role.administrator: make_user(Role.administrator),
        # The applicant itself: even its own application is not its to review.
        Role.provider: provider_user_of(application),
    }
    db.session.commit()
    values = {
        "application": application.id,
        "provider": application.provider_id,
        "declaration": declaration.id,
    }
    return users, values


def _open(client, method, path, values):
    return client.open(path.format(**values), method=method, data={})


def _answers(client, routes, values) -> dict[str, int]:
    return {
        f"{method} {path}": _open(client, method, path, values).status_code
        for method, path in routes
    }


def test_anonymous_people_are_sent_to_sign_in(client, things):
    _users, values = things

    for method, path in OFFICER_ROUTES + PROVIDER_ROUTES:
        response = _open(client, method, path, values)
        assert response.status_code == 302, f"{method} {path}"
        assert response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
def test_only_contracts_officers_reach_the_review(client, things, role):
    users, values = things
    sign_in(client, users[role])

    answers = _answers(client, OFFICER_ROUTES, values)

    assert set(answers.values()) == {403}, answers


def test_contracts_officers_reach_the_review(client, things):
    users, values = things
    sign_in(client, users[Role.contracts_officer])

    answers = _answers(client, OFFICER_ROUTES, values)

    assert set(answers.values()) <= {200, 302}, answers


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor, Role.administrator])
def test_only_providers_confirm_declarations(client, things, role):
    users, values = things
    sign_in(client, users[role])

    answers = _answers(client, PROVIDER_ROUTES, values)

    assert set(answers.values()) == {403}, answers


def test_a_provider_reaches_its_own_declaration_but_not_anothers(client, things):
    users, values = things
    stranger = make_user(Role.provider)
    _db.session.commit()

    sign_in(client, users[Role.provider])
    assert set(_answers(client, PROVIDER_ROUTES, values).values()) == {200}
    sign_in(client, stranger)
    assert set(_answers(client, PROVIDER_ROUTES, values).values()) == {404}


@pytest.mark.parametrize(
    "path",
    [
        "/review/applications/999999",
        "/review/applications/999999/decision",
        "/review/applications/{application}/sections/not_a_section",
        "/review/providers/999999/declaration",
    ],
)
def test_unknown_objects_are_not_found(client, things, path):
    users, values = things
    sign_in(client, users[Role.contracts_officer])

    assert _open(client, "GET", path, values).status_code == 404
    if "sections" in path:
        assert _open(client, "POST", path, values).status_code == 404
