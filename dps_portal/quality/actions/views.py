from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core import clock
from dps_portal.core.access import role_required
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import DocumentRefused, store_document
from dps_portal.providers.queries import own_provider_id
from dps_portal.quality.actions import operations, queries
from dps_portal.quality.actions.forms import CLOSE, ResponseForm, VerificationForm
from dps_portal.quality.models import VisitAction

providers_only = role_required(Role.provider)
# Contracts officers read the action plans; only quality monitors verify them.
council_readers = role_required(Role.quality_monitor, Role.contracts_officer)
monitors_only = role_required(Role.quality_monitor)


# The provider's side.


@providers_only
def list_visits():
    if request.args.get("show") == "to_answer":
        page = queries.own_actions_to_answer(own_provider_id())
        return render_template(
            "quality/actions/list_actions_to_answer.html", page=page, today=clock.today_uk()
        )
    return render_template(
        "quality/actions/list_visits.html",
        visits=queries.provider_visits(own_provider_id()),
        today=clock.today_uk(),
    )


@providers_only
def show_visit(visit_id: int):
    # Another organisation's visit, or one the provider may not see yet, is not found.
    visit = queries.visible_visit(own_provider_id(), visit_id)
    if visit is None:
        abort(404)
    return render_template(
        "quality/actions/show_visit.html",
        visit=visit,
        today=clock.today_uk(),
    )


def _own_action_or_404(action_id: int) -> VisitAction:
    action = queries.provider_action(own_provider_id(), action_id)
    if action is None:
        abort(404)
    return action


def _evidence(form: ResponseForm) -> StoredDocument | None:
    """Keep a valid new upload (so an error elsewhere on the page does not lose it), or the
    evidence uploaded before."""
    if form.has_upload and not form.evidence.errors:
        try:
            document = store_document(
                form.evidence.data.stream,
                original_filename=form.evidence.data.filename,
                kind=queries.EVIDENCE_KIND,
                provider_id=current_user.provider_id,
                uploaded_by=current_user,
                description="Evidence for a quality action",
            )
        except DocumentRefused as refusal:
            form.evidence.errors = [*form.evidence.errors, str(refusal)]
        else:
            form.kept_document.data = document.id
            return document
    document = queries.own_evidence(current_user.provider_id, form.kept_document.data)
    form.kept_document.data = document.id if document is not None else ""
    return document


@providers_only
def respond_to_action(action_id: int):
    action = _own_action_or_404(action_id)
    back = url_for("actions.show_visit", visit_id=action.visit_id)
    if action.is_closed:
        flash("This action has been closed: it cannot be answered.")
        return redirect(back)
    form = ResponseForm()
    document = None
    if form.is_submitted():
        form.validate()
        document = _evidence(form)
        if not form.errors:
            with refusal_redirects_to(back):
                operations.respond_to_action(
                    action, text=form.text.data, document=document, by=current_user
                )
            flash("Your response has been sent to the council.", "success")
            return redirect(f"{back}#action-{action.id}")
        # The file uploaded with the errors is kept (the request commits), so it need not be
        # chosen again.
    return render_template(
        "quality/actions/respond.html",
        action=action,
        form=form,
        document=document,
        today=clock.today_uk(),
    )


# The council's side.


@council_readers
def list_actions():
    view = request.args.get("state", "live")
    if view not in queries.ACTION_VIEWS:
        view = "live"
    counts = queries.action_counts()
    today = clock.today_uk()
    page = queries.council_actions(view, counts[view], today)
    return render_template(
        "quality/actions/list_actions.html",
        actions=page.items,
        page=page,
        view=view,
        views=queries.ACTION_VIEWS,
        counts=counts,
        today=today,
    )


def _live_action_or_404(action_id: int) -> VisitAction:
    action = queries.live_action(action_id)
    if action is None:
        abort(404)
    return action


@council_readers
def show_action(action_id: int):
    action = _live_action_or_404(action_id)
    return render_template(
        "quality/actions/verify.html", action=action, form=None, today=clock.today_uk()
    )


@monitors_only
def verify_action(action_id: int):
    action = _live_action_or_404(action_id)
    back = url_for("actions.show_action", action_id=action.id)
    if not action.is_awaiting_verification:
        if request.method == "POST":
            flash(
                f"This action is not waiting for verification: it is {action.state.value.lower()}."
            )
        return redirect(back)
    form = VerificationForm()
    if form.validate_on_submit():
        with refusal_redirects_to(back):
            if form.decision.data == CLOSE:
                operations.close_action(action, note=form.note.data or "", by=current_user)
                message = "The action is closed. The provider has been told."
            else:
                operations.send_back_action(action, note=form.note.data or "", by=current_user)
                message = "The action has been sent back. The provider has been told."
        flash(message, "success")
        return redirect(url_for("actions.list_actions"))
    return render_template(
        "quality/actions/verify.html", action=action, form=form, today=clock.today_uk()
    )
