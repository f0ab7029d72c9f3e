"""Definitions published in versions per framework (the visit template, the return form): new
work takes the newest version, and work already begun keeps the version it started with."""

from typing import TypeVar

from sqlalchemy import func, select

from dps_portal.extensions import db
from dps_portal.framework.models import Framework

Versioned = TypeVar("Versioned")


def newest_version(model: type[Versioned], framework: Framework) -> Versioned | None:
    return db.session.scalars(
        select(model).where(model.framework_id == framework.id).order_by(model.version.desc())
    ).first()


def add_next_version(model: type[Versioned], framework: Framework, definition: dict) -> Versioned:
    latest = db.session.scalar(
        select(func.max(model.version)).where(model.framework_id == framework.id)
    )
    row = model(framework_id=framework.id, version=(latest or 0) + 1, definition=definition)
    db.session.add(row)
    db.session.flush()
    return row
