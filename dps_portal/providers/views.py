from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.contracts.eligibility import home_eligibility, homes_eligibility
from dps_portal.contracts.queries import provider_advice, suspension_status
from dps_portal.core import clock
from dps_portal.core.access import role_required, staff_only
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_shown_on
from dps_portal.cqc import queries as cqc_queries
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.providers import operations, queries
from dps_portal.providers.forms import (
    FindHomeForm,
    HomeForm,
    InviteColleagueForm,
    OrganisationForm,
    ProviderFilterForm,
)
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.providers.operations import RefusedForField
from dps_portal.providers.rules import home_gaps, organisation_gaps


def _managed_organisation() -> ProviderOrganisation:
    """Changing the organisation and inviting colleagues is for the users who manage it."""
    organisation = queries.own_organisation()
    if not organisation.can_manage(current_user):
        abort(403)
    return organisation


@contextmanager
def refusal_shown_on_its_field(form) -> Iterator[None]:
    """A refusal about one detail (an identifier already in the portal, say) is shown on the
    field that holds it."""
    try:
        yield
    except RefusedForField as refusal:
        with refusal_shown_on(form[refusal.field]):
            raise


# The organisation.


@role_required(Role.provider)
def show_organisation():
    organisation = queries.own_organisation()
    return render_template(
        "providers/organisation.html",
        organisation=organisation,
        users=queries.users_of(organisation),
        gaps=organisation_gaps(organisation),
    )


@role_required(Role.provider)
def edit_organisation():
    organisation = _managed_organisation()
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        changes = {
            field: getattr(form, field).data or "" for field in operations.ORGANISATION_FIELDS
        }
        with refusal_shown_on_its_field(form):
            operations.update_organisation(organisation, by=current_user, **changes)
            flash("Your organisation’s details have been saved.", "success")
            return redirect(url_for("providers.show_organisation"))
    return render_template("providers/edit_organisation.html", form=form)


@role_required(Role.provider)
def invite_colleague():
    _managed_organisation()
    form = InviteColleagueForm()
    if form.validate_on_submit():
        with refusal_shown_on_its_field(form):
            operations.invite_colleague(
                by=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                can_manage=form.can_manage.data == "yes",
            )
            # The same words whether or not the address has an account elsewhere.
            flash(f"Invitation sent to {form.email.data.strip().lower()}.", "success")
            return redirect(url_for("providers.show_organisation"))
    return render_template("providers/invite_colleague.html", form=form)


# Care homes.


def _home_form(**kwargs) -> HomeForm:
    """The home form, its districts and settings those the framework configures."""
    form = HomeForm(**kwargs)
    framework = current_framework()
    form.district_id.choices = [(d.id, d.name) for d in framework.districts] if framework else []
    form.setting_id.choices = [(s.id, s.name) for s in framework.settings] if framework else []
    return form


def _home_values(home: CareHome) -> dict:
    return {field: getattr(home, field) for field in operations.HOME_FIELDS}


@role_required(Role.provider)
def list_homes():
    """The organisation's homes, each with the contract gate's answer per category it is
    admitted to, asked once for the page's homes."""
    homes = queries.own_homes_page()
    page = homes.page
    return render_template(
        "providers/homes.html",
        # Held for the page: the header names it too, without reading it again.
        organisation=queries.own_organisation(),
        homes=page.items,
        page=page,
        is_admitted=homes.is_admitted,
        eligibility=homes_eligibility(page.items) if homes.is_admitted else {},
    )


@role_required(Role.provider)
def add_home():
    """Two steps that work without JavaScript: the CQC location ID (a GET form), then the
    home's details, filled in from the CQC's data where the portal has it."""
    organisation = queries.own_organisation()
    if request.method == "POST":
        form = _home_form()
        if form.validate_on_submit():
            with refusal_shown_on_its_field(form):
                home = operations.add_home(organisation, by=current_user, **form.details())
                flash(f"{home.name} has been added to your care homes.", "success")
                return redirect(url_for("providers.show_home", home_id=home.id))
        return render_template("providers/home_form.html", form=form, home=None, from_cqc=None)

    if "cqc_location_id" not in request.args:
        return render_template("providers/find_home.html", form=FindHomeForm(formdata=None))
    find = FindHomeForm(request.args)
    if find.validate():
        location_id = find.cqc_location_id.data
        with refusal_shown_on_its_field(find):
            operations.ensure_location_id_free(location_id, provider_id=organisation.id)
            from_cqc = queries.cqc_details(location_id, current_framework())
            values = from_cqc.values if from_cqc else {"cqc_location_id": location_id}
            # Without the CQC's data the provider enters the details: the page says why.
            return render_template(
                "providers/home_form.html",
                form=_home_form(data=values),
                home=None,
                from_cqc=from_cqc,
                no_cqc_data_for=None if from_cqc else location_id,
            )
    return render_template("providers/find_home.html", form=find)


@role_required(Role.provider)
def show_home(home_id: int):
    home = queries.own_row_or_404(CareHome, home_id)
    eligibility = home_eligibility(home)
    return render_template(
        "providers/home.html",
        home=home,
        gaps=home_gaps(home),
        eligibility=eligibility,
        advice=provider_advice(eligibility),
        rating_change=cqc_queries.current_rating_change(home),
        pending_report=cqc_queries.pending_report_of(home),
    )


@role_required(Role.provider)
def edit_home(home_id: int):
    home = queries.own_row_or_404(CareHome, home_id)
    form = _home_form(data=_home_values(home))
    if form.validate_on_submit():
        with refusal_shown_on_its_field(form):
            operations.update_home(home, by=current_user, **form.details())
            flash(f"The details of {home.name} have been saved.", "success")
            return redirect(url_for("providers.show_home", home_id=home.id))
    return render_template("providers/home_form.html", form=form, home=home, from_cqc=None)


# The council's view.


@staff_only
def list_providers():
    form = ProviderFilterForm(request.args)
    name = (form.name.data or "") if form.validate() else ""
    page = db.paginate(queries.providers_named(name), per_page=queries.PAGE_SIZE, error_out=False)
    return render_template(
        "providers/providers.html",
        form=form,
        rows=queries.with_capacity(page.items),
        page=page,
        name=name,
    )


@staff_only
def show_provider(provider_id: int):
    provider = db.get_or_404(ProviderOrganisation, provider_id)
    homes = queries.homes_of(provider)
    return render_template(
        "providers/provider.html",
        provider=provider,
        homes=homes,
        users=queries.users_of(provider),
        eligibility=homes_eligibility(homes),
        waiting_and_in_force=queries.suspensions_waiting_or_in_force(provider.id, clock.today_uk()),
        suspension_status=suspension_status,
    )
