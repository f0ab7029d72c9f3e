"""Provider-side reads start from the signed-in user's own organisation."""

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from dps_portal.core.roles import Role
from dps_portal.extensions import db


def own_provider_id() -> int:
    """The signed-in provider user's organisation id; anyone else is refused."""
    if not current_user.is_authenticated or current_user.role is not Role.provider:
        abort(403)
    return current_user.provider_id


def own_rows(model) -> Select:
    """SELECT rows of `model` belonging to the user's organisation, and no one else's.

    `model` must have a provider_id column; another organisation's rows cannot be reached
    by changing an id in a URL, because the query never includes them."""
    return select(model).where(model.provider_id == own_provider_id())


def own_row_or_404(model, row_id: int):
    row = db.session.scalars(own_rows(model).where(model.id == row_id)).first()
    if row is None:
        abort(404)
    return row
