"""The demo's vacancies: beds free in the eligible homes, one of them stale."""

from datetime import timedelta

from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.providers.models import CareHome
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.operations import set_vacancy

# (home, category code, beds free, days since the provider last confirmed it, note)
VACANCIES = [
    ("Ashgate Lodge", "MH", 2, 2, "First-floor rooms with their own shower rooms; lift."),
    ("Kinder Rise", "MH", 2, 10, ""),
    ("Larchwood, Burton", "LDA", 1, 0, "Ground-floor room near the garden."),
]


def seed_vacancies() -> int:
    """Make the demo's vacancies once: nothing is added if the first of them is there."""
    first = (
        select(Vacancy.id)
        .join(CareHome, CareHome.id == Vacancy.care_home_id)
        .where(CareHome.name == VACANCIES[0][0])
    )
    if db.session.scalar(first.limit(1)) is not None:
        return 0
    now = clock.now()
    for name, code, beds, days_ago, note in VACANCIES:
        home = db.session.scalars(select(CareHome).where(CareHome.name == name)).one()
        category = db.session.scalars(select(Category).where(Category.code == code)).one()
        owner = db.session.scalars(
            select(User).where(User.provider_id == home.provider_id).order_by(User.id)
        ).first()
        with clock.frozen(now - timedelta(days=days_ago)):
            set_vacancy(
                home,
                category=category,
                setting=home.setting,
                beds_free=beds,
                available_from=clock.today_uk(),
                note=note,
                by=owner,
            )
    return len(VACANCIES)
