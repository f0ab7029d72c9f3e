"""The contracts officers' side of an application: the queue, the review and the decision."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.forms import add_error
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.extensions import db
from dps_portal.onboarding import rules
from dps_portal.onboarding.models import Application, ReviewOutcome
from dps_portal.onboarding.question_sets import definition_of
from dps_portal.onboarding.review import operations, queries, sections
from dps_portal.onboarding.review.forms import (
    ClarificationForm,
    ExtensionForm,
    SectionReviewForm,
    SelfCleaningForm,
    decision_form,
)

officers_only = role_required(Role.contracts_officer)


def _application_or_404(application_id: int, *, for_review: bool = False) -> Application:
    """An application the council has received; drafts are the provider's own business.
    `for_review`: with what the review pages read of it (queries.application_for_review)."""
    if for_review:
        application = queries.application_for_review(application_id)
    else:
        application = db.session.get(Application, application_id)
    if application is None or not application.can_review(current_user):
        abort(404)
    return application


def _url_of(application: Application, anchor: str = "") -> str:
    url = url_for("review.show_application", application_id=application.id)
    return f"{url}#{anchor}" if anchor else url


def _back_to(application: Application, anchor: str = ""):
    return redirect(_url_of(application, anchor))


def _not_awaiting(application: Application) -> str:
    """Why an application not waiting for a decision cannot be acted on."""
    if application.is_decided:
        return queries.decided_by_words(application)
    return (
        f"Application {application.reference} is {application.state.value.lower()}: "
        "it is not waiting for a decision."
    )


@officers_only
def list_applications():
    view = request.args.get("show", "awaiting")
    if view not in queries.QUEUE_VIEWS:
        view = "awaiting"
    counts = queries.queue_counts()
    page, rows = queries.queue(view, clock.today_uk(), counts[view])
    return render_template(
        "onboarding/review/list_applications.html",
        rows=rows,
        page=page,
        view=view,
        views=queries.QUEUE_VIEWS,
        counts=counts,
    )


def _section_form(section: queries.ReviewSection) -> SectionReviewForm:
    data = {}
    if section.review is not None:
        data = {"outcome": section.review.outcome.name, "comment": section.review.comment}
    return SectionReviewForm(formdata=None, prefix=section.key, data=data)


def _render_application(application: Application):
    """The application's overview: its summary and the section list with each outcome (no
    section's answers)."""
    review = queries.application_review(application, answers_of=())
    return render_template(
        "onboarding/review/show_application.html",
        application=application,
        review=review,
        section_items=sections.section_items(application, review),
        reviewed_count=sections.reviewed_count(review),
        clock=queries.decision_clock(application, clock.today_uk()),
        flags=queries.review_flags(application),
        homes=queries.homes_put_forward(application),
        admitted_to=queries.admitted_category_names(application.provider_id),
        part_titles=dict(queries.reopenable_parts(application)),
    )


def _render_section(application: Application, section_key: str, submitted_form=None):
    """One section's answers and its review form (with what was typed, after an error)."""
    review = queries.application_review(application, answers_of=(section_key,))
    place = sections.place_of(application, review, section_key)
    return render_template(
        "onboarding/review/review_section.html",
        application=application,
        review=review,
        place=place,
        section=place.section,
        item=place.item,
        clock=queries.decision_clock(application, clock.today_uk()),
        form=_section_form(place.section) if submitted_form is None else submitted_form,
    )


@officers_only
def show_application(application_id: int):
    return _render_application(_application_or_404(application_id, for_review=True))


@officers_only
def review_section(application_id: int, section_key: str):
    application = _application_or_404(application_id, for_review=True)
    titles = {
        section.key: section.title for section in definition_of(application.question_set).sections
    }
    if section_key not in titles:
        abort(404)
    if request.method != "POST":
        return _render_section(application, section_key)
    form = SectionReviewForm(prefix=section_key)
    if not form.validate_on_submit():
        return _render_section(application, section_key, form)
    with refusal_redirects_to(sections.section_url(application, section_key)):
        operations.review_section(
            application,
            section_key,
            outcome=ReviewOutcome[form.outcome.data],
            comment=form.comment.data or "",
            by=current_user,
        )
    flash(f"Your review of {titles[section_key]} has been saved.", "success")
    following = sections.next_key(list(titles), section_key)
    if following is None:
        return redirect(sections.list_url(application))
    return redirect(sections.section_url(application, following))


@officers_only
def request_clarification(application_id: int):
    application = _application_or_404(application_id)
    if not application.can_ask_for_clarification(current_user):
        flash(
            "A clarification request is already open: wait for the provider to answer it."
            if application.open_clarification is not None
            else f"Application {application.reference} is not waiting for a decision."
        )
        return _back_to(application)
    form = ClarificationForm()
    form.section_keys.choices = queries.reopenable_parts(application)
    if form.validate_on_submit():
        with refusal_shown_on(form.section_keys):
            operations.request_clarification(
                application,
                message=form.message.data,
                section_keys=form.section_keys.data,
                by=current_user,
            )
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
    if request.method == "POST" and not application.can_extend(current_user):
        flash(
            f"The deadline of application {application.reference} cannot be extended again: "
            "it can only be extended once."
            if application.extended_due_on is not None
            else f"Application {application.reference} is not waiting for a decision."
        )
        return _back_to(application)
    form = ExtensionForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            due_on = operations.extend_deadline(
                application, reason=form.reason.data, by=current_user
            )
            flash(f"The decision is now due by {clock.format_date(due_on)}.", "success")
            return _back_to(application)
    return render_template(
        "onboarding/review/extend.html",
        application=application,
        form=form,
        extended_due_on=rules.decision_due_on(
            application.received_on, application.framework.extended_decision_working_days
        ),
    )


@officers_only
def record_self_cleaning(application_id: int):
    application = _application_or_404(application_id)
    if request.method == "POST" and not application.can_record_self_cleaning(current_user):
        flash(f"Application {application.reference} is not waiting for a decision.")
        return _back_to(application)
    form = SelfCleaningForm(data={"note": application.self_cleaning_note})
    if form.validate_on_submit():
        with refusal_shown_on(form.note):
            operations.record_self_cleaning(application, note=form.note.data, by=current_user)
            flash("The self-cleaning evidence has been recorded.", "success")
            return _back_to(application)
    return render_template(
        "onboarding/review/self_cleaning.html",
        application=application,
        form=form,
        flags=queries.review_flags(application),
        exclusion_sections=queries.exclusion_sections(application),
    )


# Deciding: the decide page posts to a check page, whose "Confirm decision" decides. The check
# page carries the answers as hidden inputs, so confirming validates them (and the rules) again.

CHANGE = "change"


def _choices(form) -> dict[int, operations.CategoryChoice]:
    return {
        category_id: operations.CategoryChoice(admit=admit, reasons=reasons)
        for category_id, (admit, reasons) in form.choices().items()
    }


def _decision_checked(application: Application, form, review: queries.ReviewState) -> bool:
    """The form is valid and the rules allow the decision; each refusal shows beside the
    answer it is about."""
    if not form.validate_on_submit():
        return False
    problems = operations.decision_problems(
        application, _choices(form), form.override_given(), review
    )
    for problem in problems:
        field = form.field_about(problem.application_category_id, problem.about)
        if field is None:
            flash(problem.message)
        else:
            add_error(field, problem.message)
    return not problems


def _render_decision(application: Application, form, review: queries.ReviewState):
    return render_template(
        "onboarding/review/decide.html",
        application=application,
        form=form,
        flags=queries.review_flags(application),
        review=review,
        titles=queries.titles,
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
def decide(application_id: int):
    application = _application_or_404(application_id)
    if not application.can_decide(current_user):
        flash(_not_awaiting(application))
        return _back_to(application)
    form = decision_form(application.categories)
    review = queries.review_state(application)
    # "Change" on the check page comes back here with the answers as they were typed.
    checking = request.method == "POST" and CHANGE not in request.form
    if checking and _decision_checked(application, form, review):
        choices = form.choices()
        return render_template(
            "onboarding/review/check_decision.html",
            application=application,
            form=form,
            review=review,
            titles=queries.titles,
            change=CHANGE,
            categories=[
                (chosen, *choices[chosen.id], queries.admissible_homes(application, chosen))
                for chosen in application.categories
            ],
        )
    return _render_decision(application, form, review)


@officers_only
def confirm_decision(application_id: int):
    application = _application_or_404(application_id)
    if not application.can_decide(current_user):
        flash(_not_awaiting(application))
        return _back_to(application)
    form = decision_form(application.categories)
    review = queries.review_state(application)
    if not _decision_checked(application, form, review):
        # Changed since the check page (a section's review) or tampered with: decide again.
        return _render_decision(application, form, review)
    with refusal_redirects_to(_url_of(application)):
        operations.decide_application(
            application, _choices(form), override_reason=form.override_given(), by=current_user
        )
    flash(
        f"Your decisions have been recorded and the decision notice has been sent to "
        f"{application.provider.display_name}.",
        "success",
    )
    return _back_to(application, "decision")
