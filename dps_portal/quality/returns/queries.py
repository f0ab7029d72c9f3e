"""Reads for the returns' pages and jobs. A provider's reads start from its own organisation."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select

from dps_portal.core import clock
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.onboarding.admissions import admitted_categories, admitted_pairs
from dps_portal.onboarding.models import Admission
from dps_portal.providers.models import CareHome
from dps_portal.providers.queries import own_rows
from dps_portal.quality.models import QualityReturn, ReturnState
from dps_portal.quality.returns import rules
from dps_portal.quality.returns.return_forms import (
    ReturnQuestion,
    ReturnSection,
    definition_of,
)

REVIEWED_SHOWN = 50


def own_returns() -> list[QualityReturn]:
    """The signed-in provider's returns, newest quarter first."""
    return list(
        db.session.scalars(
            own_rows(QualityReturn)
            .join(CareHome, CareHome.id == QualityReturn.care_home_id)
            .order_by(QualityReturn.period_start.desc(), CareHome.name, QualityReturn.id)
        )
    )


@dataclass(frozen=True)
class SectionQuestions:
    section: ReturnSection
    questions: list[ReturnQuestion]


def sections_of(quality_return: QualityReturn) -> list[SectionQuestions]:
    """The return's sections with their questions for the home's admitted categories."""
    categories = admitted_categories(quality_return.care_home)
    return [
        SectionQuestions(section, section.questions_for(categories))
        for section in definition_of(quality_return.form).sections
    ]


def questions_of(quality_return: QualityReturn) -> list[ReturnQuestion]:
    return [q for part in sections_of(quality_return) for q in part.questions]


def derived_values(quality_return: QualityReturn, answers: dict) -> dict[str, Decimal | None]:
    """{derived key: percentage or None} for the answers given (the vacancy rate)."""
    return {
        derived.key: derived.value(answers)
        for section in definition_of(quality_return.form).sections
        for derived in section.derived
    }


def period_label(quality_return: QualityReturn) -> str:
    return rules.quarter_containing(quality_return.period_start).label


# The council's queue.


@dataclass(frozen=True)
class ReviewQueue:
    waiting: list[QualityReturn]
    not_submitted: list[QualityReturn]
    reviewed: list[QualityReturn]
    overdue: int


def review_queue(today: date | None = None) -> ReviewQueue:
    """Submitted returns waiting for review (oldest first), returns not yet submitted
    (overdue first, by due date) and the latest reviewed."""
    today = today or clock.today_uk()

    def rows(state, *order, limit=None):
        query = (
            select(QualityReturn)
            .join(CareHome, CareHome.id == QualityReturn.care_home_id)
            .where(QualityReturn.state == state)
            .order_by(*order, CareHome.name, QualityReturn.id)
        )
        if limit:
            query = query.limit(limit)
        return list(db.session.scalars(query))

    return ReviewQueue(
        waiting=rows(ReturnState.submitted, QualityReturn.submitted_at),
        not_submitted=rows(ReturnState.due, QualityReturn.due_on),
        reviewed=rows(ReturnState.reviewed, QualityReturn.reviewed_at.desc(), limit=REVIEWED_SHOWN),
        overdue=db.session.scalar(
            select(func.count(QualityReturn.id)).where(QualityReturn.is_overdue(today))
        ),
    )


# For the jobs.


def homes_to_open(period_end: date) -> list[tuple[CareHome, int]]:
    """(home, framework id) for every home admitted to a category by the end of the period,
    each home once however many categories it is admitted to."""
    pairs = admitted_pairs().add_columns(Admission.admitted_at.label("admitted_at")).subquery()
    rows = db.session.execute(
        select(CareHome, Category.framework_id, pairs.c.admitted_at)
        .join(pairs, pairs.c.care_home_id == CareHome.id)
        .join(Category, Category.id == pairs.c.category_id)
        .order_by(CareHome.id, pairs.c.admitted_at)
    )
    homes: dict[int, tuple[CareHome, int]] = {}
    for home, framework_id, admitted_at in rows:
        if home.id in homes or clock.to_uk(admitted_at).date() > period_end:
            continue
        homes[home.id] = (home, framework_id)
    return list(homes.values())


def return_for(home: CareHome, period_start: date) -> QualityReturn | None:
    return db.session.scalars(
        select(QualityReturn).where(
            QualityReturn.care_home_id == home.id, QualityReturn.period_start == period_start
        )
    ).first()


def returns_to_remind(today: date) -> list[QualityReturn]:
    """Returns not submitted that are overdue or due soon."""
    return list(
        db.session.scalars(
            select(QualityReturn)
            .where(or_(QualityReturn.is_overdue(today), QualityReturn.is_due_soon(today)))
            .order_by(QualityReturn.due_on, QualityReturn.id)
        )
    )
