from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.onboarding import rules
from dps_portal.onboarding.models import (
    Application,
    ApplicationState,
    DeclarationRequest,
    ReviewOutcome,
)
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.review import operations, queries
from dps_portal.onboarding.review.forms import (
    ClarificationForm,
    DeclarationRequestForm,
    ExtensionForm,
    SectionReviewForm,
    SelfCleaningForm,
    decision_form,
    declaration_form,
)
from dps_portal.providers.models import ProviderOrganisation
from dps_portal.providers.queries import own_row_or_404

officers_only = role_required(Role.contracts_officer)


def _application_or_404(application_id: int) -> Application:
    """An application the council has received; drafts are the provider's own business."""
    application = db.session.get(Application, application_id)
    if application is None or application.received_on is None:
        abort(404)
    return application


def _back_to(application: Application, anchor: str = ""):
    url = url_for("review.show_application", application_id=application.id)
    return redirect(f"{url}#{anchor}" if anchor else url)


@officers_only
def list_applications():
    view = request.args.get("show", "awaiting")
    if view not in queries.QUEUE_VIEWS:
        view = "awaiting"
    return render_template(
        "onboarding/review/list_applications.html",
        rows=queries.queue(view, clock.today_uk()),
        view=view,
        views=queries.QUEUE_VIEWS,
        counts=queries.queue_counts(),
    )


def _section_form(section: queries.ReviewSection) -> SectionReviewForm:
    data = {}
    if section.review is not None:
        data = {"outcome": section.review.outcome.name, "comment": section.review.comment}
    return SectionReviewForm(formdata=None, prefix=section.key, data=data)


def _render_application(application: Application, submitted_form=None, section_key=""):
    review = queries.application_review(application)
    forms = {
        section.key: submitted_form if section.key == section_key else _section_form(section)
        for section in review.sections
    }
    return render_template(
        "onboarding/review/show_application.html",
        application=application,
        review=review,
        section_forms=forms,
        clock=queries.decision_clock(application, clock.today_uk()),
        flags=queries.review_flags(application),
        homes=queries.homes_put_forward(application),
        is_awaiting_decision=application.state in rules.AWAITING_DECISION,
        admissions=queries.admissions_of(application.provider),
        part_titles=dict(queries.reopenable_parts(application)),
        form=submitted_form,
    )


@officers_only
def show_application(application_id: int):
    return _render_application(_application_or_404(application_id))


@officers_only
def review_section(application_id: int, section_key: str):
    application = _application_or_404(application_id)
    sections = {
        section.key: section for section in definition_of(application.question_set).sections
    }
    if section_key not in sections:
        abort(404)
    form = SectionReviewForm(prefix=section_key)
    if form.validate_on_submit():
        try:
            operations.review_section(
                application,
                section_key,
                outcome=ReviewOutcome[form.outcome.data],
                comment=form.comment.data or "",
                by=current_user,
            )
        except OperationRefused as refusal:
            db.session.rollback()
            flash(str(refusal))
            return _back_to(application)
        db.session.commit()
        flash(f"Your review of {sections[section_key].title} has been saved.", "success")
        return _back_to(application, f"section-{section_key}")
    return _render_application(application, form, section_key)


@officers_only
def request_clarification(application_id: int):
    application = _application_or_404(application_id)
    if application.state is not ApplicationState.submitted:
        flash(
            "A clarification request is already open: wait for the provider to answer it."
            if application.state is ApplicationState.clarification_requested
            else f"Application {application.reference} is not waiting for a decision."
        )
        return _back_to(application)
    form = ClarificationForm()
    form.section_keys.choices = queries.reopenable_parts(application)
    if form.validate_on_submit():
        try:
            operations.request_clarification(
                application,
                message=form.message.data,
                section_keys=form.section_keys.data,
                by=current_user,
            )
        except OperationRefused as refusal:
            db.session.rollback()
            form.section_keys.errors = [str(refusal)]
        else:
            db.session.commit()
            flash(
                f"Your request has been sent to {application.provider.display_name}. "
                "The decision is still due by "
                f"{clock.format_date(application.decision_due_on)}.",
                "success",
            )
            return _back_to(application)
    return render_template(
        "onboarding/review/clarification.html", application=application, form=form
    )


@officers_only
def extend_deadline(application_id: int):
    application = _application_or_404(application_id)
    can_extend = (
        application.state in rules.AWAITING_DECISION and application.extended_due_on is None
    )
    if request.method == "POST" and not can_extend:
        flash(
            f"The deadline of application {application.reference} cannot be extended again: "
            "it can only be extended once."
            if application.extended_due_on is not None
            else f"Application {application.reference} is not waiting for a decision."
        )
        return _back_to(application)
    form = ExtensionForm()
    if form.validate_on_submit():
        try:
            due_on = operations.extend_deadline(
                application, reason=form.reason.data, by=current_user
            )
        except OperationRefused as refusal:
            db.session.rollback()
            form.reason.errors = [str(refusal)]
        else:
            db.session.commit()
            flash(f"The decision is now due by {clock.format_date(due_on)}.", "success")
            return _back_to(application)
    return render_template(
        "onboarding/review/extend.html",
        application=application,
        form=form,
        can_extend=can_extend,
        extended_due_on=rules.decision_due_on(
            application.received_on, application.framework.extended_decision_working_days
        ),
    )


@officers_only
def record_self_cleaning(application_id: int):
    application = _application_or_404(application_id)
    is_awaiting = application.state in rules.AWAITING_DECISION
    if request.method == "POST" and not is_awaiting:
        flash(f"Application {application.reference} is not waiting for a decision.")
        return _back_to(application)
    form = SelfCleaningForm(data={"note": application.self_cleaning_note})
    if form.validate_on_submit():
        try:
            operations.record_self_cleaning(application, note=form.note.data, by=current_user)
        except OperationRefused as refusal:
            db.session.rollback()
            form.note.errors = [str(refusal)]
        else:
            db.session.commit()
            flash("The self-cleaning evidence has been recorded.", "success")
            return _back_to(application)
    return render_template(
        "onboarding/review/self_cleaning.html",
        application=application,
        form=form,
        is_awaiting=is_awaiting,
        flags=queries.review_flags(application),
        exclusion_sections=queries.exclusion_sections(application),
    )


@officers_only
def decide(application_id: int):
    application = _application_or_404(application_id)
    if application.state not in rules.AWAITING_DECISION:
        flash(
            f"Application {application.reference} has already been decided."
            if application.state is ApplicationState.decided
            else f"Application {application.reference} is not waiting for a decision."
        )
        return _back_to(application)
    form = decision_form(application.categories)
    if form.validate_on_submit():
        choices = {
            category_id: operations.CategoryChoice(admit=admit, reasons=reasons)
            for category_id, (admit, reasons) in form.choices().items()
        }
        try:
            operations.decide_application(application, choices, by=current_user)
        except operations.DecisionRefused as refusal:
            db.session.rollback()
            field = form.decision_field(refusal.application_category_id)
            if field is None:
                flash(str(refusal))
            else:
                field.errors = [*field.errors, str(refusal)]
        else:
            db.session.commit()
            flash(
                f"Your decisions have been recorded and the decision notice has been sent to "
                f"{application.provider.display_name}.",
                "success",
            )
            return _back_to(application)
    return render_template(
        "onboarding/review/decide.html",
        application=application,
        form=form,
        flags=queries.review_flags(application),
        categories=[
            (
                chosen,
                form[f"decision_{chosen.id}"],
                form[f"reasons_{chosen.id}"],
                queries.admissible_homes(application, chosen),
            )
            for chosen in application.categories
        ],
    )


@officers_only
def request_declaration(provider_id: int):
    provider = db.session.get(ProviderOrganisation, provider_id)
    if provider is None:
        abort(404)
    framework = current_framework()
    form = DeclarationRequestForm()
    admissions = queries.admissions_of(provider)
    open_request = queries.open_declaration(provider)
    if form.validate_on_submit():
        try:
            declaration = operations.request_declaration(
                provider, message=form.message.data or "", framework=framework, by=current_user
            )
        except OperationRefused as refusal:
            db.session.rollback()
            form.message.errors = [str(refusal)]
        else:
            db.session.commit()
            flash(
                f"{provider.display_name} has been asked to confirm its declaration by "
                f"{clock.format_date(declaration.due_on)}.",
                "success",
            )
            return redirect(url_for("review.request_declaration", provider_id=provider.id))
    questions = queries.declaration_questions(framework)
    return render_template(
        "onboarding/review/request_declaration.html",
        provider=provider,
        form=form,
        admissions=admissions,
        open_request=open_request,
        declarations=queries.declarations_of(provider),
        questions=questions,
        working_days=framework.declaration_working_days if framework else None,
    )


@role_required(Role.provider)
def confirm_declaration(declaration_id: int):
    declaration: DeclarationRequest = own_row_or_404(DeclarationRequest, declaration_id)
    questions = queries.declaration_questions(current_framework())
    if declaration.confirmed_at is not None:
        return render_template(
            "onboarding/review/confirm_declaration.html",
            declaration=declaration,
            questions=questions,
            form=None,
        )
    form = declaration_form(
        questions, previous=queries.declared_before(declaration.provider, questions)
    )
    if form.validate_on_submit():
        try:
            operations.confirm_declaration(
                declaration, form.answers(), questions=questions, by=current_user
            )
        except OperationRefused as refusal:
            db.session.rollback()
            flash(str(refusal))
        else:
            db.session.commit()
            flash("Thank you: your declaration has been confirmed.", "success")
        return redirect(url_for("review.confirm_declaration", declaration_id=declaration.id))
    return render_template(
        "onboarding/review/confirm_declaration.html",
        declaration=declaration,
        questions=questions,
        form=form,
    )
