from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from dps_portal.accounts import operations, queries
from dps_portal.accounts.forms import InviteStaffForm
from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.extensions import db

USERS_PER_PAGE = 50


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _back_to(user: User):
    return redirect(url_for("admin.show_user", user_id=user.id))


@role_required(Role.administrator)
def list_users():
    role = Role.__members__.get(request.args.get("role", ""))
    locked_only = request.args.get("status") == "locked"
    now = clock.now()
    query = queries.users(role, locked_at=now if locked_only else None)
    page = db.paginate(query, per_page=USERS_PER_PAGE, error_out=False)
    filters = {"role": role.name} if role else {}
    if locked_only:
        filters["status"] = "locked"
    return render_template(
        "admin/users.html",
        page=page,
        roles=list(Role),
        selected_role=role,
        locked_only=locked_only,
        filters=filters,
        now=now,
    )


@role_required(Role.administrator)
def invite_user():
    form = InviteStaffForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.email):
            user = operations.invite_staff(
                by=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
            )
            flash(f"Invitation sent to {user.email}.", "success")
            return _back_to(user)
    return render_template("admin/invite_user.html", form=form)


@role_required(Role.administrator)
def show_user(user_id: int):
    return render_template("admin/user.html", user=_user_or_404(user_id), form=None)


@role_required(Role.administrator)
def set_user_active(user_id: int):
    user = _user_or_404(user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with refusal_redirects_to(url_for("admin.show_user", user_id=user.id)):
        operations.set_active(user, active=request.form.get("active") == "yes", by=current_user)
    flash(f"{user.full_name} is now {'active' if user.is_active else 'deactivated'}.", "success")
    return _back_to(user)


@role_required(Role.administrator)
def resend_invitation(user_id: int):
    user = _user_or_404(user_id)
    if user.is_active or user.role is Role.provider or not FlaskForm().validate_on_submit():
        abort(400)
    operations.send_invitation(user, by=current_user)
    flash(f"A new invitation has been sent to {user.email}.", "success")
    return _back_to(user)
