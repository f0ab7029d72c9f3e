"""Award pages (see blueprint.py): contracts officers only; the bidders read their documents
through the opportunity page and the documents download."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from dps_portal.core.access import role_required
from dps_portal.core.clock import format_date
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.tenders.award import operations, queries
from dps_portal.tenders.award.forms import ApproveForm, ConfirmForm, RecommendForm, RefuseForm
from dps_portal.tenders.queries import tender_or_404

officers_only = role_required(Role.contracts_officer)


def _tender_url(tender) -> str:
    return url_for("tenders.show_tender", tender_id=tender.id)


@officers_only
def recommend_award(tender_id: int):
    tender = tender_or_404(tender_id)
    if not queries.can_recommend(tender, current_user):
        flash(f"This tender is {tender.phase().lower()}: an award cannot be recommended now.")
        return redirect(_tender_url(tender))
    choice = queries.accepted_choice(tender)
    form = RecommendForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.note):
            award = operations.recommend_award(tender, note=form.note.data, by=current_user)
            if award.needs_approval:
                flash(
                    "The award is recommended. Its annual value is above the threshold: "
                    "another contracts officer must approve it.",
                    "success",
                )
            else:
                flash(
                    "The award is recommended and approved. Every bidder has been told and "
                    "sent an assessment summary.",
                    "success",
                )
            return redirect(_tender_url(tender))
    return render_template(
        "tenders/award/recommend_award.html", form=form, tender=tender, choice=choice
    )


def _live_award_or_back(tender):
    award = queries.live_award(tender)
    if award is None:
        flash("This tender has no award waiting.")
    return award


@officers_only
def approve_award(tender_id: int):
    tender = tender_or_404(tender_id)
    award = _live_award_or_back(tender)
    form = ApproveForm()
    if award is not None and form.validate_on_submit():
        with refusal_redirects_to(_tender_url(tender)):
            operations.approve_award(award, by=current_user)
            flash("The award is approved. Every bidder has been told.", "success")
    return redirect(_tender_url(tender))


@officers_only
def refuse_award(tender_id: int):
    tender = tender_or_404(tender_id)
    award = _live_award_or_back(tender)
    if award is None:
        return redirect(_tender_url(tender))
    if not queries.can_decide(award, current_user):
        flash(
            "You recommended this award: another contracts officer must decide it."
            if award.recommended_by_id == current_user.id
            else f"This award is {award.state.value.lower()}: it cannot be refused."
        )
        return redirect(_tender_url(tender))
    form = RefuseForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.refuse_award(award, reason=form.reason.data, by=current_user)
            flash("The award is refused. The tender is back in moderation.", "success")
            return redirect(_tender_url(tender))
    return render_template("tenders/award/refuse_award.html", form=form, tender=tender, award=award)


@officers_only
def confirm_award(tender_id: int):
    tender = tender_or_404(tender_id)
    award = _live_award_or_back(tender)
    form = ConfirmForm()
    if award is not None and form.validate_on_submit():
        with refusal_redirects_to(_tender_url(tender)):
            placement = operations.confirm_award(award, by=current_user)
            flash(
                f"The award is confirmed: placement {placement.reference}, planned to start "
                f"{format_date(placement.planned_start_on)}. The provider is asked to confirm "
                "the start.",
                "success",
            )
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return redirect(_tender_url(tender))
