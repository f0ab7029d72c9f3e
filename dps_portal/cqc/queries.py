"""Read models for the CQC pages: imports, homes waiting for review, a home's history, and
the ratings providers have reported."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from dps_portal.cqc.models import (
    CqcImport,
    CqcRatingChange,
    CqcRatingReport,
    CqcRatingReportState,
)
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome

PAGE_SIZE = 50
# The imports page shows the oldest of the homes to review and links to the rest.
REVIEWS_ON_IMPORTS_PAGE = 10


def imports() -> Select:
    """Every import, newest first, with who uploaded it (in the same statement)."""
    return (
        select(CqcImport)
        .options(joinedload(CqcImport.uploaded_by))
        .order_by(CqcImport.created_at.desc(), CqcImport.id.desc())
    )


def homes_to_review_query() -> Select:
    """Homes flagged by an import (rated Inadequate) and not yet reviewed, oldest first,
    with their providers (in the same statement)."""
    return (
        select(CareHome)
        .options(joinedload(CareHome.provider))
        .where(CareHome.cqc_review_required_since.is_not(None))
        .order_by(CareHome.cqc_review_required_since, CareHome.id)
    )


def homes_to_review(limit: int | None = None) -> list[CareHome]:
    return list(db.session.scalars(homes_to_review_query().limit(limit)))


def _reviews_waiting():
    return (
        select(func.count())
        .select_from(CareHome)
        .where(CareHome.cqc_review_required_since.is_not(None))
        .scalar_subquery()
    )


def waiting_counts() -> tuple[int, int]:
    """(homes waiting for a review, reported ratings waiting to be checked), in one
    statement."""
    return tuple(db.session.execute(select(_reviews_waiting(), _reports_waiting())).one())


def _changes_of(home: CareHome) -> Select:
    """The home's rating changes, newest first, with the officers who recorded them."""
    return (
        select(CqcRatingChange)
        .options(selectinload(CqcRatingChange.recorded_by))
        .where(CqcRatingChange.care_home_id == home.id)
        .order_by(CqcRatingChange.id.desc())
    )


def rating_history(home: CareHome) -> list[CqcRatingChange]:
    """Newest first."""
    return list(db.session.scalars(_changes_of(home)))


def current_rating_change(
    home: CareHome, history: list[CqcRatingChange] | None = None
) -> CqcRatingChange | None:
    """The change that gave the home its current rating: where the rating came from. None
    for a rating the portal holds no history of. `history`, newest first, if already read."""
    if history is not None:
        change = history[0] if history else None
    else:
        change = db.session.scalars(_changes_of(home).limit(1)).first()
    if change is None or (change.new_rating, change.published_on) != (
        home.cqc_rating,
        home.cqc_rating_on,
    ):
        return None
    return change


# Ratings providers have reported.


def pending_report_of(home: CareHome) -> CqcRatingReport | None:
    """The home's report waiting for an officer's check (there is at most one)."""
    return db.session.scalars(
        select(CqcRatingReport)
        .where(
            CqcRatingReport.care_home_id == home.id,
            CqcRatingReport.state == CqcRatingReportState.pending,
        )
        .order_by(CqcRatingReport.id)
        .limit(1)
    ).first()


def pending_reports_query() -> Select:
    """Reports waiting for a check, oldest first, with their homes, providers and reporters."""
    return (
        select(CqcRatingReport)
        .options(
            selectinload(CqcRatingReport.care_home),
            selectinload(CqcRatingReport.provider),
            selectinload(CqcRatingReport.reported_by),
        )
        .where(CqcRatingReport.state == CqcRatingReportState.pending)
        .order_by(CqcRatingReport.created_at, CqcRatingReport.id)
    )


def _reports_waiting():
    return (
        select(func.count())
        .select_from(CqcRatingReport)
        .where(CqcRatingReport.state == CqcRatingReportState.pending)
        .scalar_subquery()
    )
