"""Reminders to accept the newest terms: once 14 days before the accept-by date, once when it
has passed; never to a provider that has accepted; a second run sends nothing."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from dps_portal.contracts.terms.tasks import remind_terms_to_accept
from dps_portal.notifications.models import Notification, OutboxEmail
from tests.contracts.factories import accept_terms, publish_terms
from tests.contracts.terms.factories import make_signing_provider
from tests.providers.factories import make_provider_user


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 10, tzinfo=UTC)


def test_reminders_go_once_before_and_once_after_the_accept_by_date(db, frozen_clock):
    v1 = publish_terms(effective_on=date(2025, 1, 1))
    late, _home, signatory = make_signing_provider()
    colleague = make_provider_user(late, manages=False)
    prompt, _home, prompt_signatory = make_signing_provider()
    make_provider_user()  # a provider not admitted: not bound
    accept_terms(late, v1, by=signatory)
    accept_terms(prompt, v1, by=prompt_signatory)
    v2 = publish_terms(effective_on=date(2026, 4, 1), accept_by=date(2026, 4, 30))
    accept_terms(prompt, v2, by=prompt_signatory)

    assert remind_terms_to_accept(_at(date(2026, 4, 15))) == {"due_soon": 0, "overdue": 0}

    assert remind_terms_to_accept(_at(date(2026, 4, 16))) == {"due_soon": 2, "overdue": 0}
    assert remind_terms_to_accept(_at(date(2026, 4, 20))) == {"due_soon": 0, "overdue": 0}
    notes = list(db.session.scalars(select(Notification)))
    assert {n.user_id for n in notes} == {signatory.id, colleague.id}
    assert all(n.title == "Accept terms and conditions v2 by 30 April 2026" for n in notes)

    assert remind_terms_to_accept(_at(date(2026, 4, 30))) == {"due_soon": 0, "overdue": 0}
    assert remind_terms_to_accept(_at(date(2026, 5, 1))) == {"due_soon": 0, "overdue": 2}
    assert remind_terms_to_accept(_at(date(2026, 5, 2))) == {"due_soon": 0, "overdue": 0}
    overdue = [n for n in db.session.scalars(select(Notification)) if "cannot" in n.title]
    assert {n.user_id for n in overdue} == {signatory.id, colleague.id}
    assert "not eligible for new placements" in overdue[0].body
    assert prompt_signatory.id not in {n.user_id for n in db.session.scalars(select(Notification))}
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 4


def test_a_late_first_run_sends_only_the_overdue_reminder(db, frozen_clock):
    publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 1, 31))
    make_signing_provider()
    assert remind_terms_to_accept(_at(date(2026, 3, 3))) == {"due_soon": 0, "overdue": 1}


def test_nothing_to_do_without_terms(db, frozen_clock):
    make_signing_provider()
    assert remind_terms_to_accept() == {"due_soon": 0, "overdue": 0}
