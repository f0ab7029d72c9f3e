"""Each role's home page sends as many statements on a small dataset as on one ten times
larger, and no more than 30: its counts are aggregates, never lists built to be counted."""

import itertools
from datetime import timedelta

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.contracts.models import SuspensionState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.models import OutboxEmail, OutboxState
from dps_portal.onboarding.models import Application, ApplicationState
from dps_portal.onboarding.question_sets import current_question_set
from dps_portal.quality.models import ActionPriority, ActionState, VisitAction, VisitOutcome
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, make_visit, publish_terms, suspend
from tests.factories import make_home, make_provider, make_user
from tests.onboarding.factories import ready_framework
from tests.providers.factories import make_complete_home, make_provider_user
from tests.query_counts import statements_of as page_statements

_numbers = itertools.count(1)
MOST = 30


def statements_of(client, url: str) -> int:
    return page_statements(client, url)[0]


def assert_flat(client, db, url: str, grow, small: int = 2) -> tuple[int, int]:
    """Count one GET of `url` after grow(small), then after growing ten times as large."""
    grow(small)
    db.session.commit()
    before = statements_of(client, url)
    grow(small * 9)
    db.session.commit()
    after = statements_of(client, url)
    assert before == after <= MOST, (before, after)
    return before, after


def add_application(provider, *, due_in_days: int) -> Application:
    framework = ready_framework()
    today = clock.today_uk()
    application = Application(
        reference=f"COUNT-{next(_numbers)}",
        provider_id=provider.id,
        framework_id=framework.id,
        question_set_id=current_question_set(framework).id,
        state=ApplicationState.submitted,
        submitted_at=clock.now(),
        received_on=today - timedelta(days=5),
        due_on=today + timedelta(days=due_in_days),
    )
    db.session.add(application)
    return application


def add_action(visit, state: ActionState) -> VisitAction:
    action = VisitAction(
        visit_id=visit.id,
        provider_id=visit.provider_id,
        description="Update the care plans",
        priority=ActionPriority.medium,
        due_on=clock.today_uk() + timedelta(days=7),
        state=state,
    )
    db.session.add(action)
    return action


def test_the_officer_home(client, db):
    officer = make_user(Role.contracts_officer)
    ready_framework()

    def grow(count: int) -> None:
        for number in range(count):
            home = make_home(cqc_review_required_since=clock.now() if number % 2 else None)
            add_application(home.provider, due_in_days=-1 if number % 3 == 0 else 4)
            suspend(home.provider, home, state=SuspensionState.recommended)

    sign_in(client, officer)
    assert_flat(client, db, "/officer", grow)
    page = client.get("/officer").get_data(as_text=True)
    assert "Applications past their decision date: <strong>7</strong>" in page
    assert "Suspension recommendations to decide: <strong>20</strong>" in page
    assert "CQC ratings to review: <strong>10</strong>" in page


def test_the_monitor_home(client, db):
    monitor = make_user(Role.quality_monitor)
    ready_framework()

    def grow(count: int) -> None:
        for number in range(count):
            home = admit_home(make_home(), "MH")
            if number % 2:
                make_visit(home, outcome=None, monitor=monitor)
            else:
                visit = make_visit(home, outcome=VisitOutcome.satisfactory_with_actions)
                add_action(visit, ActionState.awaiting_verification)

    sign_in(client, monitor)
    assert_flat(client, db, "/quality", grow)


def test_the_administrator_home(client, db):
    admin = make_user(Role.administrator)

    def grow(count: int) -> None:
        for number in range(count):
            user = make_user(Role.quality_monitor, password=None, is_active=bool(number % 2))
            user.locked_until = clock.now() + timedelta(minutes=10) if number % 2 else None
            db.session.add(
                OutboxEmail(
                    to_address=user.email,
                    subject="Welcome",
                    body_text="Hello",
                    state=[OutboxState.queued, OutboxState.sent, OutboxState.failed][number % 3],
                )
            )
            record_event(AuditAction.user_invited, actor=admin, subject=user)

    sign_in(client, admin)
    assert_flat(client, db, "/admin", grow)
    page = client.get("/admin").get_data(as_text=True)
    assert "Users locked out after too many failed sign-ins: <strong>10</strong>" in page


def test_the_provider_home(client, db):
    framework = ready_framework()
    provider = make_provider()
    user = make_provider_user(provider)
    publish_terms(framework)

    def grow(count: int) -> None:
        for _ in range(count):
            home = admit_home(make_complete_home(provider, framework), "MH")
            visit = make_visit(home, outcome=VisitOutcome.satisfactory_with_actions)
            add_action(visit, ActionState.open)
            make_home()  # another provider's home, never shown

    sign_in(client, user)
    assert_flat(client, db, "/provider", grow)
    page = client.get("/provider").get_data(as_text=True)
    assert "Quality actions to answer: <strong>20</strong>" in page
    assert 'data-work="terms"' in page
