"""Read models for the CQC pages: imports, homes waiting for review, a home's history."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from dps_portal.cqc.models import CqcImport, CqcRatingChange
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome


def recent_imports(limit: int = 50) -> list[CqcImport]:
    return list(
        db.session.scalars(
            select(CqcImport)
            .options(selectinload(CqcImport.uploaded_by))
            .order_by(CqcImport.created_at.desc(), CqcImport.id.desc())
            .limit(limit)
        )
    )


def homes_to_review() -> list[CareHome]:
    """Homes flagged by an import (rated Inadequate) and not yet reviewed, oldest first."""
    return list(
        db.session.scalars(
            select(CareHome)
            .options(selectinload(CareHome.provider))
            .where(CareHome.cqc_review_required_since.is_not(None))
            .order_by(CareHome.cqc_review_required_since, CareHome.id)
        )
    )


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
