from flask import current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from dps_portal.contracts.eligibility import home_eligibility
from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to
from dps_portal.cqc import operations, queries
from dps_portal.cqc.forms import ALLOW, ReviewForm, UploadImportForm
from dps_portal.cqc.models import CqcImport
from dps_portal.cqc.runner import start_in_background
from dps_portal.extensions import db
from dps_portal.providers.models import CareHome

officers_only = role_required(Role.contracts_officer)

SUSPEND_ENDPOINT = "contracts.suspend"


@officers_only
def list_imports():
    page = db.paginate(queries.imports(), per_page=queries.PAGE_SIZE, error_out=False)
    return render_template(
        "cqc/list_imports.html",
        imports=page.items,
        page=page,
        homes_to_review=queries.homes_to_review(queries.REVIEWS_ON_IMPORTS_PAGE),
        reviews_waiting=queries.reviews_waiting(),
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
        history=queries.rating_history(home),
        eligibilities=home_eligibility(home, clock.today_uk()),
        can_suspend=SUSPEND_ENDPOINT in current_app.view_functions,
    )
