"""Reads for the returns' pages and jobs. A provider's reads start from its own organisation."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from dps_portal.core import clock
from dps_portal.core.pagination import RowsPagination
from dps_portal.extensions import db
from dps_portal.framework.models import Category
from dps_portal.onboarding.admissions import admitted_categories, admitted_pairs
from dps_portal.onboarding.models import Admission
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.providers.queries import own_rows
from dps_portal.quality.models import QualityReturn, ReturnState
from dps_portal.quality.returns import rules
from dps_portal.quality.returns.return_forms import (
    ReturnQuestion,
    ReturnSection,
    definition_of,
)

# The filters of a provider's returns: key -> label.
OWN_FILTERS = {"overdue": "Overdue", "to_send": "To send, not yet overdue"}


def own_filter_condition(show: str, today: date):
    """SQL for a return the filter `show` keeps (the provider's home page counts with it)."""
    if show == "overdue":
        return QualityReturn.is_overdue(today)
    return (QualityReturn.state == ReturnState.due) & (QualityReturn.due_on >= today)


def own_returns(per_page: int = 50, show: str | None = None, today: date | None = None):
    """One page (`?page=`) of the signed-in provider's returns, newest quarter first; of one
    filter of OWN_FILTERS, soonest due first."""
    query = own_rows(QualityReturn).join(CareHome, CareHome.id == QualityReturn.care_home_id)
    if show in OWN_FILTERS:
        query = query.where(own_filter_condition(show, today or clock.today_uk())).order_by(
            QualityReturn.due_on, CareHome.name, QualityReturn.id
        )
    else:
        query = query.order_by(QualityReturn.period_start.desc(), CareHome.name, QualityReturn.id)
    return db.paginate(
        query.options(selectinload(QualityReturn.care_home)), per_page=per_page, error_out=False
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
    return _quarter_label(quality_return.period_start)


@lru_cache(maxsize=256)
def _quarter_label(period_start: date) -> str:
    """A list shows a few quarters over and over: each one's label is worked out once."""
    return rules.quarter_containing(period_start).label


# The council's queue.


@dataclass(frozen=True)
class ReturnList:
    """One list of the council's queue: the returns of one state, in its order."""

    key: str
    title: str
    state: ReturnState
    when_label: str
    when: str  # the attribute shown in the `when_label` column
    order: tuple


RETURN_LISTS = {
    returns_list.key: returns_list
    for returns_list in (
        ReturnList(
            "waiting",
            "Waiting for review",
            ReturnState.submitted,
            "Submitted",
            "submitted_at",
            (QualityReturn.submitted_at,),
        ),
        ReturnList(
            "not_submitted",
            "Not submitted",
            ReturnState.due,
            "Due by",
            "due_on",
            (QualityReturn.due_on,),
        ),
        ReturnList(
            "reviewed",
            "Reviewed",
            ReturnState.reviewed,
            "Reviewed",
            "reviewed_at",
            (QualityReturn.reviewed_at.desc(),),
        ),
    )
}


@dataclass(frozen=True)
class ReviewQueue:
    # (list, its page of returns) for each list shown: all three on the first page, or one.
    lists: list[tuple[ReturnList, Any]]
    waiting: int
    overdue: int


def _returns_page(
    returns_list: ReturnList, page: int | None, per_page: int, total: int, today: date
) -> RowsPagination:
    """One page of the list in one statement, as rows of the columns the queue shows (no
    return, home or provider objects to build and expire), its status's rules asked in the
    same SQL; its `total` is the list's count, already read by `return_counts`."""
    returns_page = RowsPagination(
        select=select(
            QualityReturn.id,
            QualityReturn.state,
            QualityReturn.period_start,
            QualityReturn.due_on,
            QualityReturn.submitted_at,
            QualityReturn.reviewed_at,
            QualityReturn.is_overdue(today).label("is_overdue"),
            QualityReturn.is_due_soon(today).label("is_due_soon"),
            CareHome.name.label("home_name"),
            ProviderOrganisation.display_name.label("provider_name"),
        )
        .join(CareHome, CareHome.id == QualityReturn.care_home_id)
        .join(ProviderOrganisation, ProviderOrganisation.id == QualityReturn.provider_id)
        .where(QualityReturn.state == returns_list.state)
        .order_by(*returns_list.order, CareHome.name, QualityReturn.id),
        session=db.session,
        page=page,
        per_page=per_page,
        error_out=False,
        count=False,
    )
    returns_page.total = total
    return returns_page


def return_counts(today: date) -> dict[str, int]:
    """{state name: returns in it} and "overdue", in one aggregate query (read from the
    (state, due_on) index alone)."""
    overdue = func.count().filter(QualityReturn.is_overdue(today))
    rows = db.session.execute(
        select(QualityReturn.state, func.count(), overdue).group_by(QualityReturn.state)
    ).all()
    counts = dict.fromkeys([state.name for state in ReturnState], 0) | {"overdue": 0}
    for state, number, overdue_number in rows:
        counts[state.name] = number
        counts["overdue"] += overdue_number
    return counts


# The overview shows the first few of each list, each with a link to see all of it (a page
# of three lists of 50 was 89 KB, and the most expensive page a monitor opens).
OVERVIEW_SIZE = 20


def review_queue(
    today: date | None = None,
    show: str | None = None,
    per_page: int = 50,
    overview_size: int = OVERVIEW_SIZE,
) -> ReviewQueue:
    """Submitted returns waiting for review (oldest first), returns not yet submitted (by
    due date, overdue first) and the reviewed (latest first): the first `overview_size` of
    each, or the page asked for (`?page=`, `per_page` a page) of the one list `show`."""
    today = today or clock.today_uk()
    counts = return_counts(today)
    if show in RETURN_LISTS:
        chosen = RETURN_LISTS[show]
        lists = [(chosen, _returns_page(chosen, None, per_page, counts[chosen.state.name], today))]
    else:
        lists = [
            (
                returns_list,
                _returns_page(
                    returns_list, 1, overview_size, counts[returns_list.state.name], today
                ),
            )
            for returns_list in RETURN_LISTS.values()
        ]
    return ReviewQueue(lists=lists, waiting=counts["submitted"], overdue=counts["overdue"])


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
