"""Every route, as anonymous and as each role: redirect to sign in, 403, or through."""

import pytest

from dps_portal import create_app
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core.access import PUBLIC, declared_access
from dps_portal.core.roles import Role
from dps_portal.documents.storage import store_document
from dps_portal.notifications.operations import notify, queue_email
from tests.access_matrix import MATRIX
from tests.conftest import sign_in
from tests.documents.samples import pdf_bytes
from tests.factories import make_user


def _routes():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, rule.rule, method))
    return app, routes


APP, ROUTES = _routes()
WHO = ["anonymous", *Role]


def test_every_route_declares_its_access_and_is_in_the_matrix():
    endpoints = {endpoint for endpoint, _, _ in ROUTES}
    undeclared = sorted(e for e in endpoints if declared_access(APP.view_functions[e]) is None)
    assert undeclared == [], "views without @public or @role_required"
    assert sorted(endpoints - MATRIX.keys()) == [], "routes missing from tests/access_matrix.py"
    assert sorted(MATRIX.keys() - endpoints) == [], "the matrix lists routes that do not exist"
    for endpoint in endpoints:
        declared = declared_access(APP.view_functions[endpoint])
        expected = MATRIX[endpoint]
        assert declared == expected, f"{endpoint} declares {declared}, the matrix says {expected}"


@pytest.fixture
def people(db):
    users = {role: make_user(role) for role in Role}
    provider_user = users[Role.provider]
    document = store_document(
        pdf_bytes(),
        original_filename="evidence.pdf",
        kind="organisation_document",
        provider_id=provider_user.provider_id,
        uploaded_by=provider_user,
    )
    event = record_event(
        AuditAction.user_invited, actor=users[Role.administrator], subject=provider_user
    )
    email = queue_email(
        "someone@example.org", "Hello", "notification", user=provider_user, title="Hello", body="Hi"
    )
    notifications = {role: notify(user, "Hello") for role, user in users.items()}
    # Providers: the provider user manages its organisation, which has a care home.
    from tests.factories import make_home

    provider_user.can_manage_organisation = True
    providers_values = {
        "home_id": make_home(provider_user.provider).id,
        "provider_id": provider_user.provider_id,
    }
    # Onboarding: a draft application of the provider user's organisation, with a question.
    from dps_portal.onboarding.models import ClarificationRequest
    from dps_portal.onboarding.operations import start_application
    from tests.onboarding.factories import ready_framework

    ready_framework()
    onboarding_application = start_application(provider_user.provider, by=provider_user)
    onboarding_clarification = ClarificationRequest(
        application=onboarding_application,
        section_keys=["insurance"],
        message="Which insurer?",
        requested_by_id=users[Role.contracts_officer].id,
    )
    db.session.add(onboarding_clarification)
    db.session.flush()
    onboarding_values = {
        "application_id": onboarding_application.id,
        "section_key": "insurance",
        "scope": "org",
        "clarification_id": onboarding_clarification.id,
    }
    # Review: a renewed self-declaration asked of the provider user's organisation.
    from datetime import date

    from dps_portal.declarations.models import DeclarationRequest

    review_declaration = DeclarationRequest(
        provider_id=provider_user.provider_id,
        requested_by_id=users[Role.contracts_officer].id,
        due_on=date(2026, 3, 17),
    )
    db.session.add(review_declaration)
    db.session.flush()
    onboarding_values["declaration_id"] = review_declaration.id
    # Terms: a published version the provider user's organisation can accept.
    from tests.contracts.factories import publish_terms

    onboarding_values["terms_version_id"] = publish_terms().id
    # Visits: an announced visit to the provider user's home, scheduled for the quality
    # monitor (who records it), with one planned action.
    from dps_portal.quality.models import ActionPriority as VisitActionPriority
    from dps_portal.quality.models import VisitAction as PlannedAction
    from tests.contracts.factories import make_visit as make_scheduled_visit

    quality_visit = make_scheduled_visit(
        make_home(provider_user.provider), outcome=None, monitor=users[Role.quality_monitor]
    )
    planned_action = PlannedAction(
        visit=quality_visit,
        provider_id=provider_user.provider_id,
        description="Review the falls risk assessments",
        priority=VisitActionPriority.medium,
        due_on=date(2026, 5, 1),
    )
    db.session.add(planned_action)
    db.session.flush()
    onboarding_values["visit_id"] = quality_visit.id
    onboarding_values["planned_action_id"] = planned_action.id
    # Actions: a finalised visit to the provider user's home, with an answered action.
    from dps_portal.quality.models import (
        ActionPriority,
        ActionResponse,
        ActionState,
        VisitAction,
        VisitOutcome,
    )
    from tests.contracts.factories import make_visit

    actions_visit = make_visit(
        make_home(provider_user.provider), outcome=VisitOutcome.satisfactory_with_actions
    )
    actions_visit.report_document_id = document.id
    actions_action = VisitAction(
        visit=actions_visit,
        provider_id=provider_user.provider_id,
        description="Update the medicines policy",
        priority=ActionPriority.high,
        due_on=date(2026, 4, 1),
        state=ActionState.awaiting_verification,
    )
    db.session.add(
        ActionResponse(action=actions_action, text="Done", responded_by_id=provider_user.id)
    )
    db.session.flush()
    onboarding_values.setdefault("visit_id", actions_visit.id)
    onboarding_values["action_id"] = actions_action.id
    # Suspensions: a monitor's recommendation for the provider user's organisation.
    from dps_portal.contracts.models import SuspensionState
    from tests.contracts.factories import suspend as make_suspension

    onboarding_values["suspension_id"] = make_suspension(
        provider_user.provider, state=SuspensionState.recommended
    ).id
    # Returns: a quarterly return of the provider user's home; evidence: its insurance.
    from dps_portal.providers.models import EvidenceItem
    from dps_portal.quality.returns.operations import open_return
    from dps_portal.quality.returns.return_forms import ensure_return_form

    onboarding_values["return_id"] = open_return(
        make_home(provider_user.provider),
        period_start=date(2026, 1, 1),
        form=ensure_return_form(ready_framework()),
    ).id
    returns_evidence = EvidenceItem(
        provider_id=provider_user.provider_id,
        kind="public_liability",
        label="Public liability insurance",
        expires_on=date(2026, 3, 3),
    )
    db.session.add(returns_evidence)
    db.session.flush()
    onboarding_values["evidence_id"] = returns_evidence.id
    # CQC: an import an officer uploaded (it has finished); home_id above is reviewed.
    from tests.cqc.factories import make_cqc_import

    onboarding_values["cqc_import_id"] = make_cqc_import(users[Role.contracts_officer]).id
    # ... and a new rating the provider user reported for its home, waiting for a check.
    from dps_portal.providers.models import CareHome
    from tests.cqc.factories import make_rating_report

    reported_home = db.session.get(CareHome, providers_values["home_id"])
    onboarding_values["report_id"] = make_rating_report(reported_home, provider_user).id
    # Tenders: one published to the provider user's organisation, with its bid.
    from tests.tenders.factories import access_matrix_values

    onboarding_values.update(access_matrix_values(provider_user, users[Role.contracts_officer]))
    # Placements: the role check comes first; a placement not there answers 404 after it.
    onboarding_values.setdefault("placement_id", 1)
    # The framework's lists, which administrators keep: its first of each.
    framework = ready_framework()
    onboarding_values["category_id"] = framework.categories[0].id
    onboarding_values["district_id"] = framework.districts[0].id
    onboarding_values["setting_id"] = framework.settings[0].id
    # Direct awards: an award listing the provider user's home, with an offer waiting.
    from tests.awards.factories import access_matrix_values as awards_values

    onboarding_values.update(awards_values(provider_user, users[Role.contracts_officer]))
    # Rates: a planned uplift (the provider user's own rate card is at provider_id, home_id).
    from tests.rates.factories import access_matrix_values as rates_values

    onboarding_values.update(rates_values(users[Role.contracts_officer]))
    db.session.commit()
    values = {
        "user_id": users[Role.contracts_officer].id,
        "event_id": event.id,
        "document_id": document.id,
        "email_id": email.id,
        "token": "not-a-real-token",
    }
    values.update(providers_values)
    values.update(onboarding_values)
    return users, values, notifications


def _url(rule: str, values: dict, notification_id: int) -> str:
    url = rule
    for name, value in {**values, "notification_id": notification_id}.items():
        url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in url, f"no value for a part of {rule}: add it to the people fixture"
    return url


@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES, ids=lambda x: str(x))
def test_route_answers_as_declared(app, people, endpoint, rule, method):
    """Each route as anonymous and as each role, on one set of data (made once per route:
    the data is the slow part), each caller with its own cookie jar."""
    users, values, notifications = people
    for who in WHO:
        client = app.test_client()
        if who != "anonymous":
            sign_in(client, users[who])
        own_notification = notifications[who].id if who != "anonymous" else 1
        url = _url(rule, values, own_notification)
        response = client.open(url, method=method, data={})
        response.close()
        _assert_answer(response, MATRIX[endpoint], who, method, url)


def _assert_answer(response, expected, who, method: str, url: str) -> None:
    location = response.headers.get("Location", "")
    sent_to_sign_in = response.status_code == 302 and location.startswith("/account/sign-in")
    if expected == PUBLIC:
        assert response.status_code < 500 and response.status_code != 403, f"{method} {url}"
    elif who == "anonymous":
        assert sent_to_sign_in, f"{method} {url} answered {response.status_code} to anonymous"
    elif who in expected:
        assert response.status_code < 500, f"{method} {url} failed for {who}"
        assert response.status_code != 403 and not sent_to_sign_in, f"{method} {url} refused {who}"
    else:
        assert response.status_code == 403, (
            f"{method} {url} let {who} through ({response.status_code})"
        )
