from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.contracts import operations, queries
from dps_portal.contracts.forms import (
    THE_HOME,
    WHOLE_PROVIDER,
    ConfirmSuspensionForm,
    DeclineSuspensionForm,
    EligibilityFilterForm,
    LiftSuspensionForm,
    RecommendSuspensionForm,
    SuspendForm,
)
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.core import clock
from dps_portal.core.access import role_required, staff_only
from dps_portal.core.errors import InvalidTransition, OperationRefused
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import Visit, VisitState

officers_only = role_required(Role.contracts_officer)
monitors_only = role_required(Role.quality_monitor)

# Where a visit is read, whichever feature serves it.
VISIT_PAGES = ("quality.show_visit", "visits.show_visit")


# Eligibility across the market.


@role_required(Role.contracts_officer, Role.quality_monitor)
def list_eligibility():
    form = EligibilityFilterForm(request.args)
    categories = queries.categories()
    form.category.choices = [("", "All categories")] + [
        (str(category.id), category.name) for category in categories
    ]
    category_id = request.args.get("category", type=int)
    chosen = next((category for category in categories if category.id == category_id), None)
    not_eligible_only = bool(form.not_eligible_only.data)
    rows, counts = queries.market_eligibility(
        chosen.id if chosen else None, not_eligible_only=not_eligible_only
    )
    return render_template(
        "contracts/list_eligibility.html",
        form=form,
        rows=rows,
        counts=counts,
        category=chosen,
        not_eligible_only=not_eligible_only,
        is_filtered=bool(chosen or not_eligible_only),
    )


# Suspensions.


def _suspension_or_404(suspension_id: int) -> Suspension:
    return db.get_or_404(Suspension, suspension_id)


def _to_suspension(suspension: Suspension):
    return redirect(url_for("contracts.show_suspension", suspension_id=suspension.id))


@staff_only
def list_suspensions():
    return render_template(
        "contracts/list_suspensions.html",
        groups=queries.suspension_groups(),
        status=queries.suspension_status,
    )


@staff_only
def show_suspension(suspension_id: int):
    suspension = _suspension_or_404(suspension_id)
    return render_template(
        "contracts/show_suspension.html",
        suspension=suspension,
        status=queries.suspension_status(suspension),
        is_officer=current_user.role is Role.contracts_officer,
        visit_url=_visit_url(suspension.visit) if suspension.visit else None,
        users=_people(suspension),
    )


@officers_only
def suspend():
    provider = db.session.get(ProviderOrganisation, request.args.get("provider_id", type=int) or 0)
    if provider is None:
        abort(404)
    homes = sorted(provider.homes, key=lambda home: (home.name, home.id))
    if request.method == "GET":
        home_id = request.args.get("home_id", type=int)
        chosen = next((str(home.id) for home in homes if home.id == home_id), None)
        form = SuspendForm(
            data={
                "scope": chosen or (WHOLE_PROVIDER if home_id is None else None),
                "reason": request.args.get("reason", ""),
            }
        )
    else:
        form = SuspendForm()
    form.scope.choices = [(str(home.id), home.name) for home in homes] + [
        (WHOLE_PROVIDER, "The whole provider: every care home it has")
    ]
    if form.validate_on_submit():
        home = None
        if form.scope.data != WHOLE_PROVIDER:
            home = db.session.get(CareHome, int(form.scope.data))
        try:
            suspension = operations.suspend(
                provider,
                home,
                reason=form.reason.data,
                ends_on=form.ends_on.data,
                by=current_user,
            )
        except OperationRefused as refusal:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(refusal)]
        else:
            db.session.commit()
            flash(
                f"{_scope(suspension)} is suspended from new placements. "
                "The provider has been told.",
                "success",
            )
            return _to_suspension(suspension)
    return render_template(
        "contracts/suspend.html", form=form, provider=provider, has_homes=bool(homes)
    )


@monitors_only
def recommend_suspension(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    form = RecommendSuspensionForm()
    form.scope.choices = [
        (THE_HOME, f"{visit.care_home.name} only"),
        (WHOLE_PROVIDER, f"The whole provider, {visit.provider.display_name}: every care home"),
    ]
    is_cancelled = visit.state is VisitState.cancelled
    if not is_cancelled and form.validate_on_submit():
        try:
            suspension = operations.recommend_suspension(
                visit,
                whole_provider=form.scope.data == WHOLE_PROVIDER,
                reason=form.reason.data,
                by=current_user,
            )
        except OperationRefused as refusal:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(refusal)]
        else:
            db.session.commit()
            flash(
                "Your recommendation has been sent to the contracts officers. "
                "They confirm or decline it.",
                "success",
            )
            return _to_suspension(suspension)
    return render_template(
        "contracts/recommend_suspension.html",
        form=form,
        visit=visit,
        visit_url=_visit_url(visit),
        is_cancelled=is_cancelled,
    )


def _decide(
    suspension_id: int, form_class, template: str, act, done: str, allowed_from, error_field
):
    """An officer's step on one suspension: the form, the operation, the message."""
    suspension = _suspension_or_404(suspension_id)
    form = form_class()
    can_act = suspension.state is allowed_from and (
        allowed_from is not SuspensionState.active or suspension.is_in_force(clock.today_uk())
    )
    if can_act and form.validate_on_submit():
        try:
            act(suspension, form)
        except OperationRefused as refusal:
            db.session.rollback()
            form[error_field].errors = [*form[error_field].errors, str(refusal)]
        except InvalidTransition:
            db.session.rollback()
            flash("Someone else has already acted on this suspension: see what they did.")
            return _to_suspension(suspension)
        else:
            db.session.commit()
            flash(done, "success")
            return _to_suspension(suspension)
    elif request.method == "POST" and not can_act:
        flash(f"This suspension is {queries.suspension_status(suspension).text.lower()}.")
        return _to_suspension(suspension)
    return render_template(
        template,
        form=form,
        suspension=suspension,
        can_act=can_act,
        status=queries.suspension_status(suspension),
    )


@officers_only
def confirm_suspension(suspension_id: int):
    return _decide(
        suspension_id,
        ConfirmSuspensionForm,
        "contracts/confirm_suspension.html",
        lambda suspension, form: operations.confirm_suspension(
            suspension, ends_on=form.ends_on.data, by=current_user
        ),
        "The suspension is confirmed and in force. The provider has been told.",
        SuspensionState.recommended,
        "ends_on",
    )


@officers_only
def decline_suspension(suspension_id: int):
    return _decide(
        suspension_id,
        DeclineSuspensionForm,
        "contracts/decline_suspension.html",
        lambda suspension, form: operations.decline_suspension(
            suspension, reason=form.reason.data, by=current_user
        ),
        "The recommendation is declined. The quality monitor has been told.",
        SuspensionState.recommended,
        "reason",
    )


@officers_only
def lift_suspension(suspension_id: int):
    return _decide(
        suspension_id,
        LiftSuspensionForm,
        "contracts/lift_suspension.html",
        lambda suspension, form: operations.lift_suspension(
            suspension, reason=form.reason.data, by=current_user
        ),
        "The suspension is lifted. The provider has been told.",
        SuspensionState.active,
        "reason",
    )


def _scope(suspension: Suspension) -> str:
    if suspension.care_home is not None:
        return suspension.care_home.name
    return f"{suspension.provider.display_name} (every care home)"


def _visit_url(visit: Visit) -> str | None:
    for endpoint in VISIT_PAGES:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, visit_id=visit.id)
    return None


def _people(suspension: Suspension) -> dict:
    from dps_portal.accounts.models import User

    ids = {
        "declined_by": suspension.declined_by_id,
        "lifted_by": suspension.lifted_by_id,
    }
    return {key: db.session.get(User, value) for key, value in ids.items() if value}
