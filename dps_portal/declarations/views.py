"""An officer asks an admitted provider to confirm its self-declaration; the provider does."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.declarations import operations, queries
from dps_portal.declarations.forms import DeclarationRequestForm, declaration_form
from dps_portal.declarations.models import DeclarationRequest
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.onboarding.admissions import admissions_of
from dps_portal.providers.models import ProviderOrganisation
from dps_portal.providers.queries import own_row_or_404


@role_required(Role.contracts_officer)
def request_declaration(provider_id: int):
    provider = db.session.get(ProviderOrganisation, provider_id)
    if provider is None:
        abort(404)
    framework = current_framework()
    form = DeclarationRequestForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.message):
            declaration = operations.request_declaration(
                provider, message=form.message.data or "", framework=framework, by=current_user
            )
            flash(
                f"{provider.display_name} has been asked to confirm its declaration by "
                f"{clock.format_date(declaration.due_on)}.",
                "success",
            )
            return redirect(url_for("declarations.request_declaration", provider_id=provider.id))
    return render_template(
        "declarations/request_declaration.html",
        provider=provider,
        form=form,
        admissions=admissions_of(provider),
        open_request=queries.open_declaration(provider),
        declarations=queries.declarations_of(provider),
        questions=queries.declaration_questions(framework),
        working_days=framework.declaration_working_days if framework else None,
    )


@role_required(Role.provider)
def confirm_declaration(declaration_id: int):
    declaration: DeclarationRequest = own_row_or_404(DeclarationRequest, declaration_id)
    questions = queries.declaration_questions(current_framework())
    form = None
    if declaration.can_confirm(current_user):
        form = declaration_form(
            questions, previous=queries.declared_before(declaration.provider, questions)
        )
    if form is not None and form.validate_on_submit():
        back = url_for("declarations.confirm_declaration", declaration_id=declaration.id)
        with refusal_redirects_to(back):
            operations.confirm_declaration(
                declaration, form.answers(), questions=questions, by=current_user
            )
        flash("Thank you: your declaration has been confirmed.", "success")
        return redirect(back)
    return render_template(
        "declarations/confirm_declaration.html",
        declaration=declaration,
        questions=questions,
        form=form,
    )
