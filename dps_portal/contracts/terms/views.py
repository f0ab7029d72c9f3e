from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.accounts.operations import PasswordCheck, check_password
from dps_portal.contracts.eligibility import accepted_versions
from dps_portal.contracts.models import TermsVersion
from dps_portal.contracts.terms import operations, queries
from dps_portal.contracts.terms.forms import AcceptTermsForm, PublishTermsForm
from dps_portal.core import clock
from dps_portal.core.access import role_required, staff_only
from dps_portal.core.forms import add_error
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on, requested_page
from dps_portal.extensions import db
from dps_portal.framework.models import Framework, current_framework
from dps_portal.providers.queries import own_organisation, users_of

officers_only = role_required(Role.contracts_officer)
# ?providers=not-accepted pages through a version's providers that have not accepted it.
NOT_ACCEPTED = "not-accepted"
providers_only = role_required(Role.provider)
PASSWORD_WRONG = "The password is not right: enter the password you use to sign in"


def _password_locked_message() -> str:
    minutes = int(current_app.config["LOGIN_LOCK_DURATION"].total_seconds() // 60)
    return (
        "Your account is locked after too many wrong passwords. "
        f"Wait {minutes} minutes, then try again"
    )


def _framework_or_404() -> Framework:
    framework = current_framework()
    if framework is None:
        abort(404)
    return framework


def _version_or_404(terms_version_id: int) -> TermsVersion:
    """A version of the framework the portal runs."""
    terms = db.session.get(TermsVersion, terms_version_id)
    framework = current_framework()
    if terms is None or framework is None or terms.framework_id != framework.id:
        abort(404)
    return terms


# Contracts officers.


@officers_only
def list_terms():
    framework = current_framework()
    return render_template(
        "contracts/terms/list_terms.html",
        rows=queries.version_rows(framework) if framework else [],
        current=queries.current_terms(framework.id, clock.today_uk()) if framework else None,
        today=clock.today_uk(),
    )


@officers_only
def publish_terms():
    framework = _framework_or_404()
    form = PublishTermsForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.effective_on):
            terms = operations.publish_terms(
                framework,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                effective_on=form.effective_on.data,
                accept_by=form.accept_by.data,
                by=current_user,
            )
            flash(
                f"Version {terms.version} has been published and admitted providers have been "
                "told. Those that accepted an earlier version have until "
                f"{clock.format_date(terms.accept_by)} to accept it.",
                "success",
            )
            return redirect(url_for("terms.show_version", terms_version_id=terms.id))
    return render_template(
        "contracts/terms/publish_terms.html",
        form=form,
        version=queries.next_version_number(framework),
        latest=queries.newest_version(framework.id),
    )


@staff_only
def show_version(terms_version_id: int):
    terms = _version_or_404(terms_version_id)
    # One list is paged through at a time; the other shows its first page and links to it.
    showing_not_accepted = request.args.get("providers") == NOT_ACCEPTED
    page = requested_page()
    accepted = db.paginate(
        queries.acceptances_of_version(terms),
        page=1 if showing_not_accepted else page,
        per_page=queries.PAGE_SIZE,
        error_out=False,
    )
    not_accepted = db.paginate(
        queries.not_accepted_version(terms),
        page=page if showing_not_accepted else 1,
        per_page=queries.PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "contracts/terms/show_version.html",
        terms=terms,
        accepted=accepted,
        not_accepted=not_accepted,
        showing_not_accepted=showing_not_accepted,
        not_accepted_value=NOT_ACCEPTED,
        today=clock.today_uk(),
    )


# Providers.


@providers_only
def show_terms():
    organisation = own_organisation()
    framework = current_framework()
    standing = (
        queries.provider_terms(organisation, framework, clock.today_uk()) if framework else None
    )
    return render_template(
        "contracts/terms/show_terms.html",
        organisation=organisation,
        standing=standing,
        can_accept=organisation.can_accept_terms(current_user),
        today=clock.today_uk(),
    )


@providers_only
def accept_terms(terms_version_id: int):
    terms = _version_or_404(terms_version_id)
    organisation = own_organisation()
    can_accept = organisation.can_accept_terms(current_user)
    if request.method == "POST" and not can_accept:
        abort(403)
    acceptance = queries.acceptance_of(organisation, terms)
    if acceptance is not None:
        flash(
            f"{organisation.display_name} has already accepted {terms.label}: "
            f"{acceptance.signatory_name} accepted them on "
            f"{clock.format_date(acceptance.accepted_at)}."
        )
        return redirect(url_for("terms.show_terms"))
    current = queries.current_terms(terms.framework_id, clock.today_uk())
    if current is not None and terms.version < current.version:
        flash(f"{terms.label.capitalize()} have been replaced: accept {current.label} instead.")
        return redirect(url_for("terms.show_terms"))
    form = AcceptTermsForm()
    form.confirm.label.text = (
        f"I confirm I am authorised to sign for {organisation.display_name} and accept these terms"
    )
    if request.method == "GET" and not form.signatory_name.data:
        form.signatory_name.data = current_user.full_name
    if request.method == "GET" and not form.signatory_role.data and can_accept:
        role, hint = queries.suggested_signatory_role(organisation, current_user)
        form.signatory_role.data = role
        if hint:
            form.signatory_role.description = hint
    if can_accept and form.validate_on_submit():
        # A wrong password counts towards the sign-in lockout, and is kept as the request ends.
        checked = check_password(
            current_user,
            form.password.data,
            asked_for="accepting terms and conditions",
            ip_address=request.remote_addr or "",
        )
        if checked is PasswordCheck.locked:
            add_error(form.password, _password_locked_message())
        elif checked is PasswordCheck.wrong:
            add_error(form.password, PASSWORD_WRONG)
        else:
            with refusal_redirects_to(url_for("terms.show_terms")):
                operations.accept_terms(
                    organisation,
                    terms,
                    by=current_user,
                    signatory_name=form.signatory_name.data,
                    signatory_role=form.signatory_role.data,
                    ip_address=request.remote_addr or "",
                )
            flash(
                f"You have accepted {terms.label} for {organisation.display_name}. "
                "The signed Provider Agreement is below and in your documents.",
                "success",
            )
            return redirect(url_for("terms.show_terms"))
    return render_template(
        "contracts/terms/accept_terms.html",
        terms=terms,
        organisation=organisation,
        form=form,
        can_accept=can_accept,
        managers=[user for user in users_of(organisation) if organisation.can_accept_terms(user)],
        accept_by=queries.accept_by_for(terms, accepted_versions(organisation, terms.framework_id)),
        today=clock.today_uk(),
    )
