"""Opening the quarter's returns and the reminders: each once, however often they run."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.onboarding.models import Admission
from dps_portal.quality.models import QualityReturn, ReturnState
from dps_portal.quality.returns.tasks import open_quarterly_returns, remind_returns
from tests.contracts.factories import admit_home
from tests.factories import make_home, make_user
from tests.providers.factories import make_provider_user
from tests.quality.returns.helpers import make_return


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _returns(db):
    return db.session.scalars(select(QualityReturn).order_by(QualityReturn.id)).all()


def _told(db, user) -> list[str]:
    return db.session.scalars(
        select(Notification.title).where(Notification.user_id == user.id)
    ).all()


def test_opens_one_return_per_admitted_home_for_the_quarter_just_ended(db):
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)):
        two_categories = admit_home(make_home(), "MH", "ENH")
        one_category = admit_home(make_home(), "LDA")
        make_home()  # not admitted: no return
    counts = open_quarterly_returns(now=_at(date(2026, 4, 1)))
    assert counts == {"opened": 2, "already_open": 0}
    returns = _returns(db)
    assert {r.care_home_id for r in returns} == {two_categories.id, one_category.id}
    for quality_return in returns:
        assert quality_return.period_start == date(2026, 1, 1)
        assert quality_return.period_end == date(2026, 3, 31)
        assert quality_return.due_on == date(2026, 4, 30)
        assert quality_return.state is ReturnState.due

    again = open_quarterly_returns(now=_at(date(2026, 4, 2)))
    assert again == {"opened": 0, "already_open": 2}
    assert len(_returns(db)) == 2


def test_a_home_admitted_after_the_quarter_ended_waits_for_the_next(db):
    home = admit_home(make_home(), "MH")
    admission = db.session.scalars(select(Admission)).one()
    admission.admitted_at = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    db.session.flush()
    assert open_quarterly_returns(now=_at(date(2026, 4, 20)))["opened"] == 0
    assert open_quarterly_returns(now=_at(date(2026, 7, 1)))["opened"] == 1
    assert _returns(db)[0].care_home_id == home.id
    assert _returns(db)[0].period_start == date(2026, 4, 1)


def test_reminders_go_once_each(db):
    provider_user = make_provider_user()
    colleague = make_provider_user(provider_user.provider, manages=False)
    monitor = make_user(Role.quality_monitor)
    quality_return = make_return(provider_user.provider)  # due 30 April 2026

    # More than a week before: nothing.
    assert sum(remind_returns(now=_at(date(2026, 4, 20))).values()) == 0
    # Due soon: the provider's users, once.
    counts = remind_returns(now=_at(date(2026, 4, 23)))
    assert counts == {"due_soon": 2, "overdue_providers_told": 0, "overdue_monitors_told": 0}
    assert sum(remind_returns(now=_at(date(2026, 4, 30))).values()) == 0
    assert _told(db, provider_user) == [
        "Your quality return for " + quality_return.care_home.name + " is due by 30 April 2026"
    ]
    assert _told(db, monitor) == []
    # Overdue: the provider's users and the monitors, once.
    counts = remind_returns(now=_at(date(2026, 5, 1)))
    assert counts == {"due_soon": 0, "overdue_providers_told": 2, "overdue_monitors_told": 1}
    assert sum(remind_returns(now=_at(date(2026, 5, 8))).values()) == 0
    assert len(_told(db, colleague)) == 2
    assert _told(db, monitor)[0].startswith("Quality return overdue")


def test_no_reminder_for_a_submitted_return(db):
    make_provider_user()
    quality_return = make_return()
    make_provider_user(quality_return.provider)
    quality_return.state = ReturnState.submitted
    quality_return.submitted_at = clock.now()
    db.session.flush()
    assert sum(remind_returns(now=_at(date(2026, 5, 5))).values()) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
