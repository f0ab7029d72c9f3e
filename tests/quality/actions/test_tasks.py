"""The action reminders: due within 7 days to the provider's users, overdue to them and the
visit's monitor; each once."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from dps_portal.notifications.models import OutboxEmail
from dps_portal.quality.actions.tasks import JOBS, remind_actions_due
from dps_portal.quality.models import ActionState
from dps_portal.scheduler.registry import all_jobs
from tests.contracts.factories import make_visit
from tests.providers.factories import make_provider_user
from tests.quality.actions.factories import (
    make_action,
    make_finalised_visit,
    provider_user_with_home,
)

NOTHING = {"due_soon": 0, "overdue_providers_told": 0, "overdue_monitors_told": 0}


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


def _emails(db, user) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == user.email, OutboxEmail.dedupe_key.like("action-%"))
            .order_by(OutboxEmail.id)
        )
    )


def test_reminders_go_once_when_due_soon_and_once_when_overdue(db):
    user, home = provider_user_with_home()
    colleague = make_provider_user(home.provider)
    visit = make_finalised_visit(home)
    action = make_action(visit, due_on=date(2026, 4, 10))
    db.session.commit()

    assert remind_actions_due(_at(date(2026, 4, 2))) == NOTHING  # 8 days left
    assert remind_actions_due(_at(date(2026, 4, 3))) == {**NOTHING, "due_soon": 2}
    db.session.commit()
    assert remind_actions_due(_at(date(2026, 4, 3))) == NOTHING
    assert remind_actions_due(_at(date(2026, 4, 10))) == NOTHING  # due today: not overdue
    assert remind_actions_due(_at(date(2026, 4, 11))) == {
        "due_soon": 0,
        "overdue_providers_told": 2,
        "overdue_monitors_told": 1,
    }
    db.session.commit()
    assert remind_actions_due(_at(date(2026, 4, 12))) == NOTHING

    for person in (user, colleague):
        soon, overdue = _emails(db, person)
        assert soon.subject == f"An action for {home.name} is due by 10 April 2026"
        assert f"/quality/visits/{visit.id}#action-{action.id}" in soon.body_text
        assert overdue.subject == f"An action for {home.name} is overdue"
    [to_monitor] = _emails(db, visit.monitor)
    assert to_monitor.subject == (
        f"{home.provider.display_name} has not answered an action for {home.name}"
    )
    assert f"/quality/actions/{action.id}" in to_monitor.body_text


def test_answered_closed_draft_and_far_off_actions_bring_no_reminder(db):
    _user, home = provider_user_with_home()
    visit = make_finalised_visit(home)
    make_action(visit, state=ActionState.awaiting_verification, due_on=date(2026, 3, 1))
    make_action(visit, state=ActionState.closed, due_on=date(2026, 3, 1))
    make_action(visit, due_on=date(2026, 6, 1))
    make_action(make_visit(home, outcome=None), due_on=date(2026, 3, 1))
    db.session.commit()

    assert remind_actions_due(_at(date(2026, 4, 1))) == NOTHING


def test_an_inactive_monitor_is_not_told(db):
    _user, home = provider_user_with_home()
    visit = make_finalised_visit(home)
    visit.monitor.is_active = False
    make_action(visit, due_on=date(2026, 3, 1))
    db.session.commit()

    counts = remind_actions_due(_at(date(2026, 4, 1)))

    assert counts == {**NOTHING, "overdue_providers_told": 1}


def test_the_job_is_registered():
    assert [job.id for job in JOBS] == ["remind_actions_due"]
    assert "remind_actions_due" in [job.id for job in all_jobs()]
    assert JOBS[0].schedule_text == "Every day at 8:20am (UK time)"
