"""Who to tell (the people of a role, or of an organisation, who can sign in), and who a
session belongs to."""

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from dps_portal.accounts.models import User
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import Framework, current_framework_id, keep_current_framework
from dps_portal.notifications.queries import keep_unread_count, unread_count_of


def active_users_with_role(role: Role) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.role == role, User.is_active).order_by(User.id))
    )


def active_officers() -> list[User]:
    return active_users_with_role(Role.contracts_officer)


def organisation_users(provider_id: int) -> list[User]:
    """The provider's users who can sign in: everything about its organisation goes to them."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.provider_id == provider_id, User.role == Role.provider, User.is_active)
            .order_by(User.id)
        )
    )


def users(role: Role | None = None, *, locked_at: datetime | None = None) -> Select:
    """Everyone (of one role when given; only those locked out at `locked_at` when given), by
    role and name, with their organisation: a SELECT for the administrators' paginated list."""
    query = (
        select(User)
        .options(selectinload(User.provider))
        .order_by(User.role, User.full_name, User.id)
    )
    if role is not None:
        query = query.where(User.role == role)
    if locked_at is not None:
        query = query.where(is_locked_out_at(locked_at))
    return query


def is_locked_out_at(at: datetime):
    """SQL: an active account that User.is_locked (too many failed sign-ins, the lock not
    yet over), as the users list's "Locked" tag shows it."""
    return User.is_active & User.locked_until.is_not(None) & (User.locked_until > at)


def user_for_session(session_id: str) -> User | None:
    """Flask-Login's loader: the user a session names ("id:version"), while that user is
    active and has not signed out everywhere since. One statement, with what every page's
    header shows besides: the user's organisation and unread notifications, and the current
    framework (the council's name), each kept for the request."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    row = db.session.execute(_session_statement(), {"user_id": int(user_id)}).first()
    if row is None:
        return None
    user, unread, framework = row
    keep_current_framework(framework)
    if not user.is_active or user.session_version != int(version):
        return None
    keep_unread_count(user, unread)
    return user


@cache
def _session_statement() -> Select:
    """Built once: every request runs it, and building it (and its cache key) cost as much
    as running it."""
    return (
        select(User, unread_count_of(User.id), Framework)
        .outerjoin(Framework, Framework.id == current_framework_id())
        .options(joinedload(User.provider))
        .where(User.id == bindparam("user_id"))
    )
