from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from dps_portal.accounts import operations
from dps_portal.accounts.forms import InviteStaffForm
from dps_portal.accounts.models import User
from dps_portal.core.access import role_required
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.extensions import db


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@role_required(Role.administrator)
def list_users():
    role = request.args.get("role")
    query = select(User).order_by(User.role, User.full_name)
    if role in Role.__members__:
        query = query.where(User.role == Role[role])
    users = db.session.scalars(query).all()
    return render_template("admin/users.html", users=users, roles=list(Role), selected_role=role)


@role_required(Role.administrator)
def invite_user():
    form = InviteStaffForm()
    if form.validate_on_submit():
        try:
            user = operations.invite_staff(
                by=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
            )
        except OperationRefused as refusal:
            db.session.rollback()
            form.email.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("admin.show_user", user_id=user.id))
    return render_template("admin/invite_user.html", form=form)


@role_required(Role.administrator)
def show_user(user_id: int):
    return render_template("admin/user.html", user=_user_or_404(user_id), form=None)


@role_required(Role.administrator)
def set_user_active(user_id: int):
    user = _user_or_404(user_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.set_active(user, active=request.form.get("active") == "yes", by=current_user)
    except OperationRefused as refusal:
        db.session.rollback()
        flash(str(refusal))
    else:
        db.session.commit()
        flash(
            f"{user.full_name} is now {'active' if user.is_active else 'deactivated'}.", "success"
        )
    return redirect(url_for("admin.show_user", user_id=user.id))


@role_required(Role.administrator)
def resend_invitation(user_id: int):
    user = _user_or_404(user_id)
    if user.is_active or user.role is Role.provider or not FlaskForm().validate_on_submit():
        abort(400)
    operations.send_invitation(user, by=current_user)
    db.session.commit()
    flash(f"A new invitation has been sent to {user.email}.", "success")
    return redirect(url_for("admin.show_user", user_id=user.id))
