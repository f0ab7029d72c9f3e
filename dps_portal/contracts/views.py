from collections.abc import Callable
from dataclasses import dataclass

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
from dps_portal.contracts.models import Suspension
from dps_portal.contracts.policy import can_recommend_suspension
from dps_portal.core.access import role_required, staff_only
from dps_portal.core.errors import InvalidTransition
from dps_portal.core.forms import id_from
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on, requested_page
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.quality.models import Visit

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
    passed_visit_only = bool(form.passed_visit_only.data)
    market = queries.market_eligibility(
        chosen.id if chosen else None,
        not_eligible_only=not_eligible_only,
        passed_visit_only=passed_visit_only,
    )
    filters = {}
    if chosen:
        filters["category"] = chosen.id
    if not_eligible_only:
        filters["not_eligible_only"] = "y"
    if passed_visit_only:
        filters["passed_visit_only"] = "y"
    return render_template(
        "contracts/list_eligibility.html",
        form=form,
        market=market,
        rows=market.rows,
        counts=market.counts,
        category=chosen,
        filters=filters,
        not_eligible_only=not_eligible_only,
        passed_visit_only=passed_visit_only,
        is_filtered=bool(chosen or not_eligible_only or passed_visit_only),
    )


# Suspensions.


def _suspension_or_404(suspension_id: int) -> Suspension:
    return db.get_or_404(Suspension, suspension_id)


def _suspension_url(suspension: Suspension) -> str:
    return url_for("contracts.show_suspension", suspension_id=suspension.id)


@staff_only
def list_suspensions():
    return render_template(
        "contracts/list_suspensions.html",
        groups=queries.suspension_groups(page=requested_page()),
        status=queries.suspension_status,
    )


@staff_only
def show_suspension(suspension_id: int):
    suspension = _suspension_or_404(suspension_id)
    return render_template(
        "contracts/show_suspension.html",
        suspension=suspension,
        status=queries.suspension_status(suspension),
        visit_url=_visit_url(suspension.visit) if suspension.visit else None,
        users=_people(suspension),
    )


@officers_only
def suspend():
    provider = db.session.get(ProviderOrganisation, id_from(request.args.get("provider_id")) or 0)
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
        with refusal_shown_on(form.reason):
            suspension = operations.suspend(
                provider, home, reason=form.reason.data, ends_on=form.ends_on.data, by=current_user
            )
            flash(
                f"{_scope(suspension)} is suspended from new placements. "
                "The provider has been told.",
                "success",
            )
            return redirect(_suspension_url(suspension))
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
    if can_recommend_suspension(current_user, visit) and form.validate_on_submit():
        with refusal_shown_on(form.reason):
            suspension = operations.recommend_suspension(
                visit,
                whole_provider=form.scope.data == WHOLE_PROVIDER,
                reason=form.reason.data,
                by=current_user,
            )
            flash(
                "Your recommendation has been sent to the contracts officers. "
                "They confirm or decline it.",
                "success",
            )
            return redirect(_suspension_url(suspension))
    return render_template(
        "contracts/recommend_suspension.html", form=form, visit=visit, visit_url=_visit_url(visit)
    )


@dataclass(frozen=True)
class Step:
    """An officer's step on one suspension: who may take it now, its form and page, the
    operation with the form's fields it takes, and what the officer is told once done."""

    may: Callable[[Suspension, object], bool]
    form: type
    template: str
    operation: Callable
    fields: tuple[str, ...]
    done: str


CONFIRM = Step(
    Suspension.can_decide,
    ConfirmSuspensionForm,
    "contracts/confirm_suspension.html",
    operations.confirm_suspension,
    ("ends_on",),
    "The suspension is confirmed and in force. The provider has been told.",
)
DECLINE = Step(
    Suspension.can_decide,
    DeclineSuspensionForm,
    "contracts/decline_suspension.html",
    operations.decline_suspension,
    ("reason",),
    "The recommendation is declined. The quality monitor has been told.",
)
LIFT = Step(
    Suspension.can_lift,
    LiftSuspensionForm,
    "contracts/lift_suspension.html",
    operations.lift_suspension,
    ("reason",),
    "The suspension is lifted. The provider has been told.",
)


def _someone_else_acted(refusal) -> str:
    if isinstance(refusal, InvalidTransition):
        return "Someone else has already acted on this suspension: see what they did."
    return refusal.message


def _take(step: Step, suspension_id: int):
    suspension = _suspension_or_404(suspension_id)
    form = step.form()
    can_act = step.may(suspension, current_user)
    if can_act and form.validate_on_submit():
        values = {name: form[name].data for name in step.fields}
        with refusal_redirects_to(_suspension_url(suspension), message=_someone_else_acted):
            step.operation(suspension, by=current_user, **values)
        flash(step.done, "success")
        return redirect(_suspension_url(suspension))
    if request.method == "POST" and not can_act:
        status = queries.suspension_status(suspension).text
        flash(f"This suspension is {status[:1].lower()}{status[1:]}.")
        return redirect(_suspension_url(suspension))
    return render_template(
        step.template,
        form=form,
        suspension=suspension,
        can_act=can_act,
        status=queries.suspension_status(suspension),
    )


@officers_only
def confirm_suspension(suspension_id: int):
    return _take(CONFIRM, suspension_id)


@officers_only
def decline_suspension(suspension_id: int):
    return _take(DECLINE, suspension_id)


@officers_only
def lift_suspension(suspension_id: int):
    return _take(LIFT, suspension_id)


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
