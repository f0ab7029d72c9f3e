"""Read models for the CQC pages: imports, homes waiting for review, a home's history."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from dps_portal.cqc.models import CqcImport, CqcRatingChange
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome

PAGE_SIZE = 50
# The imports page shows the oldest of the homes to review and links to the rest.
REVIEWS_ON_IMPORTS_PAGE = 10


def imports() -> Select:
    """Every import, newest first, with who uploaded it."""
    return (
        select(CqcImport)
        .options(selectinload(CqcImport.uploaded_by))
        .order_by(CqcImport.created_at.desc(), CqcImport.id.desc())
    )


def homes_to_review_query() -> Select:
    """Homes flagged by an import (rated Inadequate) and not yet reviewed, oldest first,
    with their providers."""
    return (
        select(CareHome)
        .options(selectinload(CareHome.provider))
        .where(CareHome.cqc_review_required_since.is_not(None))
        .order_by(CareHome.cqc_review_required_since, CareHome.id)
    )


def homes_to_review(limit: int | None = None) -> list[CareHome]:
    return list(db.session.scalars(homes_to_review_query().limit(limit)))


def reviews_waiting() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CareHome)
        .where(CareHome.cqc_review_required_since.is_not(None))
    )


def rating_history(home: CareHome) -> list[CqcRatingChange]:
    """Newest first."""
    return list(
        db.session.scalars(
            select(CqcRatingChange)
            .where(CqcRatingChange.care_home_id == home.id)
            .order_by(CqcRatingChange.id.desc())
        )
    )
