"""Applications as the council receives them, for the review's tests."""

from datetime import UTC, datetime

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.onboarding.models import Answer, Application
from tests.onboarding.factories import make_complete_application

# 10am in March is 10am in England (GMT).
RECEIVED_AT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def make_received_application(received_at: datetime = RECEIVED_AT, **fields) -> Application:
    """A complete application submitted at `received_at` (the clock frozen there)."""
    with clock.frozen(received_at):
        application = make_complete_application(submit=True, **fields)
    db.session.flush()
    return application


def set_answer(application: Application, question_key: str, value, scope: str = "org") -> Answer:
    """Change one answer in place, as if the provider had given it."""
    answer = next(
        a for a in application.answers if a.question_key == question_key and a.scope == scope
    )
    answer.value = value
    db.session.flush()
    return answer


def provider_user_of(application: Application) -> User:
    """The provider's user the shared factory made when it started the application."""
    return db.session.scalars(
        select(User)
        .where(User.provider_id == application.provider_id, User.role == Role.provider)
        .order_by(User.id)
    ).first()
