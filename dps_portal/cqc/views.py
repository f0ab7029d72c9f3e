from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.contracts.eligibility import home_eligibility
from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.errors import InvalidTransition
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.cqc import operations, queries
from dps_portal.cqc.forms import (
    ALLOW,
    ConfirmReportForm,
    RecordRatingForm,
    RejectReportForm,
    ReportRatingForm,
    ReviewForm,
    UploadImportForm,
)
from dps_portal.cqc.models import CqcImport, CqcRatingReport
from dps_portal.cqc.runner import start_in_background
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome, CqcRating
from dps_portal.providers.queries import own_row_or_404

officers_only = role_required(Role.contracts_officer)

SUSPEND_ENDPOINT = "contracts.suspend"


@officers_only
def list_imports():
    page = db.paginate(queries.imports(), per_page=queries.PAGE_SIZE, error_out=False)
    reviews_waiting, reports_waiting = queries.waiting_counts()
    return render_template(
        "cqc/list_imports.html",
        imports=page.items,
        page=page,
        homes_to_review=queries.homes_to_review(queries.REVIEWS_ON_IMPORTS_PAGE),
        reviews_waiting=reviews_waiting,
        reports_waiting=reports_waiting,
    )


@officers_only
def upload_import():
    form = UploadImportForm()
    if form.validate_on_submit():
        upload = form.cqc_file.data
        cqc_import = operations.queue_import(
            upload.stream,
            original_filename=upload.filename,
            file_format=form.cqc_file.file_format,
            by=current_user,
        )
        start_in_background(current_app._get_current_object(), cqc_import.id)
        return redirect(url_for("cqc.show_import", cqc_import_id=cqc_import.id))
    return render_template("cqc/upload_import.html", form=form)


@officers_only
def show_import(cqc_import_id: int):
    cqc_import = db.get_or_404(CqcImport, cqc_import_id)
    return render_template("cqc/show_import.html", cqc_import=cqc_import)


@officers_only
def import_progress(cqc_import_id: int):
    cqc_import = db.get_or_404(CqcImport, cqc_import_id)
    return jsonify(
        state=cqc_import.state.name,
        rows_read=cqc_import.rows_read,
        percent_read=cqc_import.percent_read,
        is_done=cqc_import.is_done,
    )


@officers_only
def list_reviews():
    page = db.paginate(queries.homes_to_review_query(), per_page=queries.PAGE_SIZE, error_out=False)
    return render_template("cqc/list_reviews.html", homes=page.items, page=page)


@officers_only
def review_home(home_id: int):
    home = db.get_or_404(CareHome, home_id)
    history = queries.rating_history(home)
    form = ReviewForm()
    if form.validate_on_submit():
        decide = operations.allow_placements if form.decision.data == ALLOW else operations.keep_out
        with refusal_redirects_to(url_for("cqc.review_home", home_id=home.id)):
            decide(home, note=form.note.data, by=current_user)
        if form.decision.data == ALLOW:
            flash(f"{home.name} may take placements again despite its CQC rating.", "success")
            return redirect(url_for("cqc.list_reviews"))
        if SUSPEND_ENDPOINT in current_app.view_functions:
            flash(f"Your review of {home.name} is saved. Now suspend the home.", "success")
            return redirect(
                url_for(
                    SUSPEND_ENDPOINT,
                    provider_id=home.provider_id,
                    home_id=home.id,
                    reason="CQC rating Inadequate",
                )
            )
        flash(
            f"Your review of {home.name} is saved. The home stays out while its rating is "
            "Inadequate.",
            "success",
        )
        return redirect(url_for("cqc.list_reviews"))
    return render_template(
        "cqc/review_home.html",
        home=home,
        form=form,
        history=history,
        rating_change=queries.current_rating_change(home, history),
        pending_report=queries.pending_report_of(home),
        eligibilities=home_eligibility(home, clock.today_uk()),
        can_suspend=SUSPEND_ENDPOINT in current_app.view_functions,
    )


# An officer's entry of a home's rating.


@officers_only
def record_rating(home_id: int):
    home = db.get_or_404(CareHome, home_id)
    form = RecordRatingForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.published_on):
            operations.enter_rating(home, by=current_user, **form.entry())
            return _after_recording(home)
    return render_template(
        "cqc/record_rating.html",
        home=home,
        form=form,
        rating_change=queries.current_rating_change(home),
    )


def _after_recording(home: CareHome):
    if home.cqc_rating is CqcRating.inadequate and home.cqc_review_required_since is not None:
        flash(
            f"The rating of {home.name} is recorded. It is Inadequate, so the home cannot take "
            "placements until it has been reviewed.",
            "success",
        )
    else:
        flash(f"The rating of {home.name} is recorded.", "success")
    return redirect(url_for("cqc.review_home", home_id=home.id))


# Ratings providers report: the provider's page, and the officers' check.


@role_required(Role.provider)
def report_rating(home_id: int):
    """A provider tells the council the CQC has rated one of its homes anew."""
    home = own_row_or_404(CareHome, home_id)
    home_page = url_for("providers.show_home", home_id=home.id)
    pending_report = queries.pending_report_of(home)
    form = ReportRatingForm()
    if pending_report is None and form.validate_on_submit():
        with refusal_redirects_to(home_page):
            operations.report_rating(home, by=current_user, **form.report())
        flash(
            "Thank you. The council will check the rating against the CQC’s report and tell "
            "you when it has.",
            "success",
        )
        return redirect(home_page)
    if request.method == "POST" and pending_report is not None:
        flash("The council is still checking the rating you reported for this home.")
        return redirect(home_page)
    return render_template(
        "cqc/report_rating.html", home=home, form=form, pending_report=pending_report
    )


@officers_only
def list_reports():
    page = db.paginate(queries.pending_reports_query(), per_page=queries.PAGE_SIZE, error_out=False)
    return render_template("cqc/list_reports.html", reports=page.items, page=page)


def _report_page(report: CqcRatingReport) -> str:
    return url_for("cqc.show_report", report_id=report.id)


@officers_only
def show_report(report_id: int):
    report = db.get_or_404(CqcRatingReport, report_id)
    return render_template(
        "cqc/show_report.html",
        report=report,
        home=report.care_home,
        rating_change=queries.current_rating_change(report.care_home),
    )


def _someone_else_decided(refusal) -> str:
    if isinstance(refusal, InvalidTransition):
        return "Someone else has already checked this report: see what they decided."
    return refusal.message


def _decide(report_id: int, form_class, template: str, act):
    """Confirm or reject a report: the step's page, and its form sent."""
    report = db.get_or_404(CqcRatingReport, report_id)
    form = form_class()
    can_act = report.can_decide(current_user)
    if can_act and form.validate_on_submit():
        with refusal_redirects_to(_report_page(report), message=_someone_else_decided):
            return act(report, form)
    if request.method == "POST" and not can_act:
        flash(f"This report is {report.state.label.lower()}: it cannot be changed.")
        return redirect(_report_page(report))
    return render_template(
        template,
        form=form,
        report=report,
        home=report.care_home,
        can_act=can_act,
        rating_change=queries.current_rating_change(report.care_home),
    )


def _confirm(report: CqcRatingReport, form: ConfirmReportForm):
    home = report.care_home
    changed = operations.confirm_report(
        report, source=form.source.data, note=form.note.data, by=current_user
    )
    if home.cqc_rating is CqcRating.inadequate and home.cqc_review_required_since is not None:
        return _after_recording(home)
    if changed:
        flash(
            f"The rating of {home.name} is confirmed and recorded. The provider has been told.",
            "success",
        )
    else:
        flash(
            f"The report is confirmed: {home.name} already had this rating. The provider has "
            "been told.",
            "success",
        )
    return redirect(url_for("cqc.list_reports"))


def _reject(report: CqcRatingReport, form: RejectReportForm):
    operations.reject_report(report, reason=form.reason.data, by=current_user)
    flash("The report is rejected. The provider has been told why.", "success")
    return redirect(url_for("cqc.list_reports"))


@officers_only
def confirm_report(report_id: int):
    return _decide(report_id, ConfirmReportForm, "cqc/confirm_report.html", _confirm)


@officers_only
def reject_report(report_id: int):
    return _decide(report_id, RejectReportForm, "cqc/reject_report.html", _reject)
