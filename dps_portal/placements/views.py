"""Placement pages (see blueprint.py): a provider's own placements and confirming a start;
the officers' register (monitors read it) and its CSV for finance; a placement's page for
officers, monitors and its own provider; ending, cancelling and reviews for officers."""

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_shown_on, requested_page
from dps_portal.framework.models import current_framework
from dps_portal.framework.queries import framework_lists
from dps_portal.placements import operations, queries
from dps_portal.placements.forms import (
    CancelPlacementForm,
    ConfirmStartForm,
    EndPlacementForm,
    ReviewForm,
)
from dps_portal.placements.models import EndReason, PlacementRoute, PlacementState
from dps_portal.placements.rules import review_due_by
from dps_portal.providers.queries import own_provider_id

providers_only = role_required(Role.provider)
officers_only = role_required(Role.contracts_officer)
register_readers = role_required(Role.contracts_officer, Role.quality_monitor)
placement_readers = role_required(Role.provider, Role.contracts_officer, Role.quality_monitor)


def _placement_url(placement) -> str:
    return url_for("placements.show_placement", placement_id=placement.id)


@providers_only
def list_placements():
    show = request.args.get("show")
    show = show if show in queries.OWN_FILTERS else None
    return render_template(
        "placements/list_placements.html",
        page=queries.own_placements(own_provider_id(), requested_page(), show),
        show=show,
        filters=queries.OWN_FILTERS,
    )


@register_readers
def list_register():
    filters = queries.RegisterFilters.from_args(request.args)
    today = clock.today_uk()
    register = queries.register(filters, requested_page(), today)
    return render_template(
        "placements/list_register.html",
        page=register.page,
        filters=filters,
        args=filters.as_args(),
        counts=register.counts,
        costs=register.costs,
        lists=framework_lists(current_framework(), "categories", "districts"),
        states=list(PlacementState),
        routes=list(PlacementRoute),
        review_due_by=review_due_by(today),
        today=today,
    )


# A cell that a spreadsheet would read as a formula is written as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


@register_readers
def export_register():
    filters = queries.RegisterFilters.from_args(request.args)
    today = clock.today_uk()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(queries.CSV_HEADER)
    for row in queries.register_rows(filters, today):
        writer.writerow([_cell(value) for value in row])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="placements-{today.isoformat()}.csv"'
        },
    )


@placement_readers
def show_placement(placement_id: int):
    placement = queries.placement_or_404(placement_id, current_user)
    return render_template(
        "placements/show_placement.html",
        placement=placement,
        documents=queries.documents_of(placement, current_user),
        history=queries.history_of(placement),
        review_due_by=review_due_by(clock.today_uk()),
        today=clock.today_uk(),
    )


@providers_only
def confirm_start(placement_id: int):
    placement = queries.placement_or_404(placement_id, current_user)
    if not placement.can_confirm_start(current_user):
        flash(f"This placement is {placement.state.value.lower()}: its start cannot be confirmed.")
        return redirect(_placement_url(placement))
    form = ConfirmStartForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.started_on):
            operations.confirm_start(placement, started_on=form.started_on.data, by=current_user)
            flash("The start is confirmed. The council has been told.", "success")
            return redirect(_placement_url(placement))
    return render_template("placements/confirm_start.html", form=form, placement=placement)


@officers_only
def end_placement(placement_id: int):
    placement = queries.placement_or_404(placement_id, current_user)
    if not placement.can_end(current_user):
        flash(f"This placement is {placement.state.value.lower()}: it cannot be ended.")
        return redirect(_placement_url(placement))
    form = EndPlacementForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.ended_on):
            operations.end_placement(
                placement,
                ended_on=form.ended_on.data,
                reason=EndReason[form.reason.data],
                detail=form.detail.data or "",
                by=current_user,
            )
            flash("The placement has ended. The provider has been told.", "success")
            return redirect(_placement_url(placement))
    return render_template("placements/end_placement.html", form=form, placement=placement)


@officers_only
def cancel_placement(placement_id: int):
    placement = queries.placement_or_404(placement_id, current_user)
    if not placement.can_cancel(current_user):
        flash(f"This placement is {placement.state.value.lower()}: it cannot be cancelled.")
        return redirect(_placement_url(placement))
    form = CancelPlacementForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.cancel_placement(placement, reason=form.reason.data, by=current_user)
            flash("The placement is cancelled. The provider has been told.", "success")
            return redirect(_placement_url(placement))
    return render_template("placements/cancel_placement.html", form=form, placement=placement)


@officers_only
def record_review(placement_id: int):
    placement = queries.placement_or_404(placement_id, current_user)
    if not placement.can_record_review(current_user):
        flash(f"This placement is {placement.state.value.lower()}: it is not reviewed.")
        return redirect(_placement_url(placement))
    form = ReviewForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reviewed_on):
            operations.record_review(
                placement,
                reviewed_on=form.reviewed_on.data,
                note=form.note.data or "",
                by=current_user,
            )
            flash(
                f"The review is recorded. The next is due on "
                f"{clock.format_date(placement.next_review_on)}.",
                "success",
            )
            return redirect(_placement_url(placement))
    return render_template("placements/record_review.html", form=form, placement=placement)
