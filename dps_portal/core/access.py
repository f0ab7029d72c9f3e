"""Who may reach each route. Every view declares it; a view that does not is refused."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from dps_portal.core.roles import STAFF_ROLES, Role

PUBLIC = "public"
ANY_SIGNED_IN = frozenset(Role)


def public(view: Callable) -> Callable:
    """Anyone may reach this route, signed in or not."""
    view.access = PUBLIC
    return view


def role_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Only signed-in users holding one of `roles` may reach this route."""
    allowed = frozenset(roles)
    if not allowed:
        raise ValueError("name at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                from dps_portal.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.access = allowed
        return guarded

    return decorator


signed_in = role_required(*ANY_SIGNED_IN)
staff_only = role_required(*STAFF_ROLES)


def declared_access(view: Callable | None):
    """The access a view declared, or None when it declared nothing."""
    return getattr(view, "access", None)
