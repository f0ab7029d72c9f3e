"""The provider's side of an application: start it, answer it section by section, submit it,
and follow it to the decision. Every application is loaded from the user's own organisation."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dps_portal.core.access import role_required
from dps_portal.core.forms import add_error, id_from
from dps_portal.core.money import format_gbp
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import DocumentRefused, store_document
from dps_portal.extensions import db
from dps_portal.framework.models import current_framework
from dps_portal.onboarding import answers, operations, queries
from dps_portal.onboarding.checks import (
    CATEGORIES_KEY,
    RATES_KEY,
    parse_date,
    parse_scope,
    submission_problems,
)
from dps_portal.onboarding.forms import (
    CategoriesFormBase,
    ClarificationResponseForm,
    DeclarationForm,
    DeleteDraftForm,
    StartApplicationForm,
    WithdrawForm,
    categories_form_class,
    check_section_answers,
    rate_field_name,
    rates_form_class,
    section_form_class,
)
from dps_portal.onboarding.models import Answer, Application, ClarificationRequest
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.questions import Section
from dps_portal.providers.models import CareHome

EVIDENCE_KIND = "application_evidence"


@role_required(Role.provider)
def list_applications():
    page = queries.own_applications()
    framework = current_framework()
    return render_template(
        "onboarding/list_applications.html",
        applications=page.items,
        page=page,
        open_application=queries.open_application(current_user.provider_id),
        decision_days=framework.decision_working_days if framework else 10,
        start_form=StartApplicationForm(),
    )


@role_required(Role.provider)
def start_application():
    form = StartApplicationForm()
    if not form.validate_on_submit():
        abort(400)
    previous = None
    if form.previous_application_id.data:
        previous_id = id_from(form.previous_application_id.data)
        if previous_id is None:
            abort(404)
        previous = queries.own_application_or_404(previous_id)
    with refusal_redirects_to(url_for("onboarding.list_applications")):
        application = operations.start_application(
            current_user.provider, by=current_user, previous=previous
        )
    flash(f"Application {application.reference} started.", "success")
    return redirect(url_for("onboarding.show_application", application_id=application.id))


@role_required(Role.provider)
def show_application(application_id: int):
    return _render_application(queries.own_application_or_404(application_id))


def _render_application(application: Application, response_form=None):
    clarification = application.open_clarification
    if clarification is not None and response_form is None:
        response_form = ClarificationResponseForm()
    return render_template(
        "onboarding/show_application.html",
        application=application,
        tasks=queries.task_list(application) if application.is_draft else None,
        summary=None if application.is_draft else queries.application_summary(application),
        clarification=clarification,
        reopened=application.reopened_parts,
        answered_clarifications=[c for c in application.clarifications if not c.is_open],
        problems=submission_problems(application) if clarification else [],
        form=response_form,
        can_apply_again=application.can_apply_again_from(current_user)
        and queries.open_application(application.provider_id) is None,
        start_form=StartApplicationForm(previous_application_id=str(application.id)),
    )


def _refuse_unless_changeable(application: Application, part_key: str) -> None:
    """Back to the application, saying why, when this part cannot be changed now."""
    with refusal_redirects_to(_back_to(application)):
        answers.ensure_changeable(application, part_key)


def _url_if_exists(endpoint: str, **values) -> str | None:
    """A link to another feature's page, once that page exists."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _back_to(application: Application) -> str:
    return url_for("onboarding.show_application", application_id=application.id)


# Categories and homes.


@role_required(Role.provider)
def edit_categories(application_id: int):
    application = queries.own_application_or_404(application_id)
    _refuse_unless_changeable(application, CATEGORIES_KEY)
    categories = application.framework.categories
    homes = list(
        db.session.scalars(
            select(CareHome)
            .where(CareHome.provider_id == application.provider_id)
            .order_by(CareHome.name, CareHome.id)
        )
    )
    form_class = categories_form_class(categories, homes)
    if request.method == "POST":
        form = form_class()
    else:
        data = {"categories": [chosen.category_id for chosen in application.categories]}
        for chosen in application.categories:
            data[f"homes_{chosen.category_id}"] = [entry.care_home_id for entry in chosen.homes]
        form = form_class(data=data)
    form.categories.choices = [(category.id, category.name) for category in categories]
    if form.validate_on_submit() and homes:
        selections = _category_selections(form, categories, {home.id for home in homes})
        if selections is not None:
            with refusal_shown_on(form.categories):
                operations.save_categories(application, selections, by=current_user)
                return redirect(_back_to(application))
    return render_template(
        "onboarding/edit_categories.html",
        application=application,
        categories=categories,
        homes=homes,
        form=form,
        add_homes_href=_url_if_exists("providers.list_homes"),
    )


def _category_selections(form: CategoriesFormBase, categories, own_home_ids: set[int]):
    """category id -> home ids, or None after adding errors to the form. Homes chosen for a
    category mean applying for it, so the page works without JavaScript."""
    ticked = set(form.categories.data or ())
    selections = {}
    for category in categories:
        home_ids = [i for i in (form.home_field(category.id).data or ()) if i in own_home_ids]
        if category.id in ticked or home_ids:
            selections[category.id] = home_ids
            if not home_ids:
                add_error(
                    form.home_field(category.id),
                    f"Select the homes you are putting forward for {category.name}",
                )
    if not selections:
        add_error(form.categories, "Select at least one category")
    if form.errors:
        return None
    return selections


# A section of questions.


def _section_or_404(application: Application, section_key: str, scope: str) -> Section:
    try:
        section = definition_of(application.question_set).section(section_key)
        kind, number = parse_scope(scope)
    except (KeyError, ValueError):
        abort(404)
    if kind != section.scope:
        abort(404)
    if kind == "home" and number not in {
        entry.care_home_id for chosen in application.categories for entry in chosen.homes
    }:
        abort(404)
    if kind == "category" and number not in {c.category_id for c in application.categories}:
        abort(404)
    return section


def _initial_data(section: Section, answers: dict[str, Answer]) -> dict:
    data = {}
    for question in section.questions:
        answer = answers.get(question.key)
        if answer is None:
            continue
        if question.kind == "file":
            data[f"{question.key}__kept"] = answer.document_id
        elif question.kind == "insurance":
            value = answer.value if isinstance(answer.value, dict) else {}
            data[question.key] = {
                "amount": value.get("amount") or "",
                "expires_on": parse_date(value.get("expires_on")),
                "kept_document": answer.document_id,
            }
        elif question.kind == "date":
            data[question.key] = parse_date(answer.value)
        else:
            data[question.key] = answer.value
    return data


def _own_document(document_id) -> StoredDocument | None:
    """A document of the user's organisation named by a hidden field, or None."""
    document_id = id_from(document_id)
    if document_id is None:
        return None
    document = db.session.get(StoredDocument, document_id)
    if document is None or document.provider_id != current_user.provider_id:
        return None
    return document


def _upload(field, kept_field, description: str) -> StoredDocument | None:
    """Keep a valid new upload (so errors elsewhere on the page do not lose it), or the
    document uploaded before."""
    if field.has_upload and not field.errors:
        try:
            document = store_document(
                field.data.stream,
                original_filename=field.data.filename,
                kind=EVIDENCE_KIND,
                provider_id=current_user.provider_id,
                uploaded_by=current_user,
                description=description[:200],
            )
        except DocumentRefused as refusal:
            add_error(field, str(refusal))
        else:
            kept_field.data = document.id
            return document
    document = _own_document(kept_field.data)
    kept_field.data = document.id if document is not None else ""
    return document


def _posted_values(form, section: Section) -> tuple[dict, dict]:
    """(question key -> value to store, question key -> document shown as uploaded)."""
    values, documents = {}, {}
    for question in section.questions:
        field = form[question.key]
        if question.kind == "file":
            document = _upload(field, form[f"{question.key}__kept"], question.text)
            values[question.key] = document.id if document else None
            documents[question.key] = document
        elif question.kind == "insurance":
            sub = field.form
            document = _upload(sub.certificate, sub.kept_document, question.text)
            documents[question.key] = document
            values[question.key] = {
                "amount": sub.amount.amount,
                "expires_on": sub.expires_on.data,
                "document_id": document.id if document else None,
            }
        elif question.kind == "money":
            values[question.key] = field.amount
        elif question.kind == "choice":
            if field.data not in (None, "", *question.options):
                add_error(field, "Select an answer")
            values[question.key] = field.data or None
        elif question.kind == "yes_no":
            if field.data not in (None, "", "yes", "no"):
                add_error(field, "Select an answer")
            values[question.key] = field.data or None
        else:
            values[question.key] = field.data or None
    return values, documents


def _values_for_operation(section: Section, values: dict) -> dict:
    stored = {}
    for question in section.questions:
        value = values.get(question.key)
        if question.kind == "insurance":
            if not any(value.values()):
                stored[question.key] = None
            else:
                stored[question.key] = {
                    "amount": value["amount"],
                    "expires_on": value["expires_on"],
                    "document_id": value["document_id"],
                }
        else:
            stored[question.key] = value
    return stored


@role_required(Role.provider)
def edit_section(application_id: int, section_key: str, scope: str):
    application = queries.own_application_or_404(application_id)
    section = _section_or_404(application, section_key, scope)
    _refuse_unless_changeable(application, section_key)
    given = {
        answer.question_key: answer
        for answer in application.answers
        if answer.scope == scope and answer.section_key == section.key
    }
    form_class = section_form_class(section)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(data=_initial_data(section, given))
    documents = {
        question.key: answer.document
        for question in section.questions
        if (answer := given.get(question.key)) is not None and answer.document is not None
    }
    if form.is_submitted():
        form.validate()
        values, documents = _posted_values(form, section)
        if form.wants_to_continue:
            check_section_answers(form, values)
        if not form.errors:
            with refusal_redirects_to(_back_to(application)):
                answers.save_section(
                    application,
                    section.key,
                    scope,
                    _values_for_operation(section, values),
                    by=current_user,
                )
            if not form.wants_to_continue:
                flash(f"Your answers to {section.title} have been saved.", "success")
            return redirect(_back_to(application))
        # A file uploaded with the errors is kept when the request commits, so it need not
        # be chosen again.
    kind, number = parse_scope(scope)
    home = db.session.get(CareHome, number) if kind == "home" else None
    category = (
        next((c.category for c in application.categories if c.category_id == number), None)
        if kind == "category"
        else None
    )
    return render_template(
        "onboarding/edit_section.html",
        application=application,
        section=section,
        scope=scope,
        home=home,
        category=category,
        form=form,
        documents=documents,
    )


# Rates.


@role_required(Role.provider)
def edit_rates(application_id: int):
    application = queries.own_application_or_404(application_id)
    _refuse_unless_changeable(application, RATES_KEY)
    entries = queries.homes_for_rates(application)
    ceiling = application.framework.max_weekly_rate
    form_class = rates_form_class(entries, ceiling)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(
            data={
                rate_field_name(category.id, home.id): rate
                for category, home, rate in entries
                if rate is not None
            }
        )
    if entries and form.is_submitted():
        form.validate()
        rates = {}
        for category, home, _rate in entries:
            field = form[rate_field_name(category.id, home.id)]
            if field.errors:
                continue
            amount = field.amount
            if amount is None:
                if form.wants_to_continue:
                    add_error(field, f"Enter {field.noun}")
            elif amount <= 0:
                add_error(field, "The weekly rate must be more than £0")
            elif amount > ceiling:
                add_error(field, f"The weekly rate must be {format_gbp(ceiling)} or less")
            rates[(category.id, home.id)] = amount
        if not form.errors:
            operations.save_rates(application, rates, by=current_user)
            if not form.wants_to_continue:
                flash("Your rates have been saved.", "success")
            return redirect(_back_to(application))
    return render_template(
        "onboarding/edit_rates.html",
        application=application,
        entries=entries,
        ceiling=ceiling,
        form=form,
    )


# Checking and submitting.


def _render_check(application: Application, form: DeclarationForm, problems=None):
    if problems is None:
        problems = submission_problems(application)
    return render_template(
        "onboarding/check_answers.html",
        application=application,
        summary=queries.application_summary(application),
        problems=problems,
        form=form,
    )


@role_required(Role.provider)
def check_answers(application_id: int):
    application = queries.own_application_or_404(application_id)
    if not application.can_submit(current_user):
        return redirect(_back_to(application))
    return _render_check(application, DeclarationForm())


@role_required(Role.provider)
def submit_application(application_id: int):
    application = queries.own_application_or_404(application_id)
    if not application.can_submit(current_user):
        flash(f"Application {application.reference} has already been submitted.")
        return redirect(_back_to(application))
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _render_check(application, form)
    try:
        operations.submit_application(application, by=current_user)
    except operations.SubmissionRefused as refusal:
        # Refused before anything changed: the page lists what to put right.
        return _render_check(application, form, refusal.problems)
    return redirect(url_for("onboarding.application_submitted", application_id=application.id))


@role_required(Role.provider)
def application_submitted(application_id: int):
    application = queries.own_application_or_404(application_id)
    if application.submitted_at is None:
        return redirect(_back_to(application))
    return render_template("onboarding/submitted.html", application=application)


# Withdrawing and clarifications.


@role_required(Role.provider)
def withdraw_application(application_id: int):
    application = queries.own_application_or_404(application_id)
    if not application.can_withdraw(current_user):
        if application.is_deleted_draft:
            flash(f"Draft application {application.reference} has already been deleted.")
        else:
            flash(
                f"Application {application.reference} has been "
                f"{application.state.value.lower()}: it can no longer be withdrawn."
            )
        return redirect(_back_to(application))
    # A draft never reached the council: the provider deletes it, with no reason to give.
    is_draft = application.is_draft
    form = DeleteDraftForm() if is_draft else WithdrawForm()
    if form.validate_on_submit():
        reason = "" if is_draft else form.reason.data
        operations.withdraw_application(application, by=current_user, reason=reason)
        if is_draft:
            flash(f"Draft application {application.reference} has been deleted.", "success")
        else:
            flash(f"Application {application.reference} has been withdrawn.", "success")
        return redirect(url_for("onboarding.list_applications"))
    return render_template(
        "onboarding/withdraw_application.html",
        application=application,
        form=form,
        is_draft=is_draft,
    )


@role_required(Role.provider)
def respond_to_clarification(application_id: int, clarification_id: int):
    application = queries.own_application_or_404(application_id)
    clarification = db.session.get(ClarificationRequest, clarification_id)
    if clarification is None or clarification.application_id != application.id:
        abort(404)
    if not (clarification.is_open and application.can_respond(current_user)):
        flash("This clarification has already been answered.")
        return redirect(_back_to(application))
    form = ClarificationResponseForm()
    if form.validate_on_submit():
        try:
            operations.respond_to_clarification(
                application, clarification, response=form.response.data, by=current_user
            )
        except operations.SubmissionRefused as refusal:
            # Refused before anything changed: each problem shows on the response.
            for problem in refusal.problems:
                add_error(form.response, problem.message)
        else:
            flash("Your response has been sent to the council.", "success")
            return redirect(_back_to(application))
    return _render_application(application, response_form=form)
