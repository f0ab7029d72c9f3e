from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to
from dps_portal.extensions import db
from dps_portal.providers.queries import own_row_or_404
from dps_portal.quality.models import QualityReturn
from dps_portal.quality.returns import operations, queries
from dps_portal.quality.returns.forms import ReviewReturnForm, return_answers_form

COUNCIL_READERS = (Role.quality_monitor, Role.contracts_officer)


def _page(quality_return: QualityReturn, answers: dict) -> dict:
    """What every page about one return shows."""
    return {
        "quality_return": quality_return,
        "parts": queries.sections_of(quality_return),
        "answers": answers,
        "derived": queries.derived_values(quality_return, answers),
        "period": queries.period_label(quality_return),
        "today": clock.today_uk(),
    }


# The provider's side.


@role_required(Role.provider)
def list_returns():
    show = request.args.get("show")
    show = show if show in queries.OWN_FILTERS else None
    today = clock.today_uk()
    page = queries.own_returns(show=show, today=today)
    return render_template(
        "quality/returns/list_returns.html",
        returns=page.items,
        page=page,
        today=today,
        period_label=queries.period_label,
        show=show,
        filters=queries.OWN_FILTERS,
    )


@role_required(Role.provider)
def edit_return(return_id: int):
    quality_return = own_row_or_404(QualityReturn, return_id)
    here = url_for("returns.edit_return", return_id=quality_return.id)
    if not quality_return.is_due:
        if request.method == "POST":
            flash("This return has been submitted: it can no longer be changed.", "important")
            return redirect(here)
        return render_template(
            "quality/returns/show_return.html",
            review_form=None,
            **_page(quality_return, quality_return.answers or {}),
        )
    questions = queries.questions_of(quality_return)
    form = return_answers_form(questions, data=quality_return.answers or {})
    if form.validate_on_submit():
        if not form.wants_to_submit:
            operations.save_return_draft(quality_return, form.answers(), by=current_user)
            flash("Your answers have been saved. You can come back to them later.", "success")
            return redirect(here)
        if form.check_for_submission():
            with refusal_redirects_to(here):
                operations.submit_return(quality_return, form.answers(), by=current_user)
            flash(f"The return for {quality_return.care_home.name} has been submitted.", "success")
            return redirect(url_for("returns.list_returns"))
        # Nothing typed is lost: the answers are kept as a draft while the errors are shown.
        operations.save_return_draft(quality_return, form.answers(), by=current_user)
    return render_template(
        "quality/returns/edit_return.html", form=form, **_page(quality_return, form.answers())
    )


# The council's side.


@role_required(*COUNCIL_READERS)
def review_returns():
    show = request.args.get("show", "")
    if show not in queries.RETURN_LISTS:
        show = ""
    return render_template(
        "quality/returns/review_returns.html",
        queue=queries.review_queue(clock.today_uk(), show or None),
        show=show,
        today=clock.today_uk(),
        period_label=queries.period_label,
    )


@role_required(*COUNCIL_READERS)
def show_return(return_id: int):
    quality_return = db.get_or_404(QualityReturn, return_id)
    review_form = ReviewReturnForm() if quality_return.can_review(current_user) else None
    return render_template(
        "quality/returns/show_return.html",
        review_form=review_form,
        **_page(quality_return, quality_return.answers or {}),
    )


@role_required(Role.quality_monitor)
def review_return(return_id: int):
    quality_return = db.get_or_404(QualityReturn, return_id)
    back = url_for("returns.show_return", return_id=quality_return.id)
    if not quality_return.is_submitted:
        flash(
            "This return has not been submitted yet: it cannot be reviewed."
            if quality_return.is_due
            else "This return has already been reviewed.",
            "important",
        )
        return redirect(back)
    form = ReviewReturnForm()
    if form.validate_on_submit():
        with refusal_redirects_to(back):
            operations.review_return(quality_return, note=form.note.data or "", by=current_user)
        flash(f"The return for {quality_return.care_home.name} has been reviewed.", "success")
        return redirect(url_for("returns.review_returns"))
    return render_template(
        "quality/returns/show_return.html",
        review_form=form,
        form=form,
        **_page(quality_return, quality_return.answers or {}),
    )
