"""The review's reminder jobs: each reminder goes once."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from dps_portal.core.roles import Role
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.declarations.tasks import JOBS as DECLARATION_JOBS
from dps_portal.declarations.tasks import remind_declarations_overdue
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.onboarding.review import operations
from dps_portal.onboarding.review.tasks import JOBS as REVIEW_JOBS
from dps_portal.onboarding.review.tasks import remind_decisions_due
from dps_portal.scheduler.registry import all_jobs
from tests.factories import make_user
from tests.onboarding.review.factories import (
    make_received_application,
    provider_user_of,
    review_every_section,
)

# The declarations' reminder job moved to its own package; both are checked here.
JOBS = [*REVIEW_JOBS, *DECLARATION_JOBS]


def _at(day: date) -> datetime:
    # 8am in England: GMT in March before the 29th.
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


def _reminders(db, user, prefix: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.to_address == user.email,
                OutboxEmail.dedupe_key.like(f"{prefix}%"),
            )
            .order_by(OutboxEmail.id)
        )
    )


def _notification_count(db, user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id)
    )


def test_officers_are_reminded_once_when_due_soon_and_once_when_overdue(db, framework):
    application = make_received_application()  # 3 March 2026: due 17 March
    officers = [make_user(Role.contracts_officer) for _ in range(2)]
    away = make_user(Role.contracts_officer, is_active=False)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    before = {officer.id: _notification_count(db, officer) for officer in officers}

    # 3 working days left: not yet.
    assert remind_decisions_due(_at(date(2026, 3, 12))) == {"due_soon": 0, "overdue": 0}
    # 2 working days left: due soon, to each active officer.
    assert remind_decisions_due(_at(date(2026, 3, 13))) == {"due_soon": 2, "overdue": 0}
    db.session.commit()
    assert remind_decisions_due(_at(date(2026, 3, 13))) == {"due_soon": 0, "overdue": 0}
    assert remind_decisions_due(_at(date(2026, 3, 17))) == {"due_soon": 0, "overdue": 0}
    # Overdue: once more.
    assert remind_decisions_due(_at(date(2026, 3, 18))) == {"due_soon": 0, "overdue": 2}
    db.session.commit()
    assert remind_decisions_due(_at(date(2026, 3, 19))) == {"due_soon": 0, "overdue": 0}

    for officer in officers:
        soon, overdue = _reminders(db, officer, "decision-")
        assert soon.subject == f"Decision due soon: application {application.reference}"
        assert "17 March 2026" in soon.body_text
        assert "2 working days left" in soon.body_text
        assert overdue.subject == f"Decision overdue: application {application.reference}"
        assert "overdue by 1 working day" in overdue.body_text
        assert f"/review/applications/{application.id}" in overdue.body_text
        assert _notification_count(db, officer) == before[officer.id] + 2
    for person in (away, monitor):
        assert _reminders(db, person, "decision-") == []


def test_an_extension_brings_a_fresh_reminder(db, framework):
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    remind_decisions_due(_at(date(2026, 3, 16)))
    db.session.commit()

    operations.extend_deadline(application, reason="More references needed", by=officer)
    db.session.commit()

    # Due 24 March now: nothing on the 18th, due soon again on the 20th.
    assert remind_decisions_due(_at(date(2026, 3, 18))) == {"due_soon": 0, "overdue": 0}
    assert remind_decisions_due(_at(date(2026, 3, 20))) == {"due_soon": 1, "overdue": 0}
    db.session.commit()
    assert remind_decisions_due(_at(date(2026, 3, 20))) == {"due_soon": 0, "overdue": 0}
    keys = [email.dedupe_key for email in _reminders(db, officer, "decision-")]
    assert keys == [
        f"decision-due-soon:{application.id}:2026-03-17:{officer.id}",
        f"decision-due-soon:{application.id}:2026-03-24:{officer.id}",
    ]


def test_decided_applications_are_not_reminded(client, db, framework):
    application = make_received_application()
    officer = make_user(Role.contracts_officer)
    review_every_section(application, officer)
    operations.decide_application(
        application,
        {chosen.id: operations.CategoryChoice(True) for chosen in application.categories},
        by=officer,
    )
    db.session.commit()

    assert remind_decisions_due(_at(date(2026, 3, 18))) == {"due_soon": 0, "overdue": 0}


def test_an_overdue_declaration_is_reminded_once(db, framework):
    application = make_received_application()
    provider_user = provider_user_of(application)
    officer = make_user(Role.contracts_officer)
    declaration = DeclarationRequest(
        provider_id=application.provider_id,
        requested_by_id=officer.id,
        due_on=date(2026, 3, 17),
    )
    db.session.add(declaration)
    db.session.commit()

    assert remind_declarations_overdue(_at(date(2026, 3, 17))) == {
        "providers_told": 0,
        "officers_told": 0,
    }
    assert remind_declarations_overdue(_at(date(2026, 3, 18))) == {
        "providers_told": 1,
        "officers_told": 1,
    }
    db.session.commit()
    assert remind_declarations_overdue(_at(date(2026, 3, 19))) == {
        "providers_told": 0,
        "officers_told": 0,
    }
    (email,) = _reminders(db, provider_user, "declaration-overdue")
    assert f"/declarations/{declaration.id}" in email.body_text
    assert "cannot receive placements" in email.body_text
    assert len(_reminders(db, officer, "declaration-overdue")) == 1


def test_the_jobs_are_registered_daily_in_the_morning():
    registered = {job.id: job for job in all_jobs()}
    for job in JOBS:
        assert registered[job.id] is job
    assert registered["remind_decisions_due"].schedule_text == "Every day at 8:00am (UK time)"
