"""Evaluation pages (see blueprint.py): contracts officers only, after the deadline. The
scoring page is blind (labels and answers only); names and prices are joined to the scores
for moderation and the results."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from dps_portal.core.access import role_required
from dps_portal.core.errors import OperationRefused
from dps_portal.core.forms import id_from
from dps_portal.core.roles import Role
from dps_portal.core.web import refusal_redirects_to, refusal_shown_on
from dps_portal.tenders import queries as tender_queries
from dps_portal.tenders import scoring
from dps_portal.tenders.evaluation import operations, queries
from dps_portal.tenders.evaluation.forms import (
    ACCEPTED,
    FAIL,
    PASS,
    ChoiceForm,
    CompleteModerationForm,
    ComplianceForm,
    CopyForm,
    EndForm,
    LowPriceForm,
    OpenForm,
    StartEvaluationForm,
    StartSheetForm,
    answers_form_class,
    answers_of,
    reason_field_name,
    score_field_name,
)
from dps_portal.tenders.models import TenderState

officers_only = role_required(Role.contracts_officer)


def _tender_url(tender) -> str:
    return url_for("tenders.show_tender", tender_id=tender.id)


def _not_now(tender, message: str):
    flash(message)
    return redirect(_tender_url(tender))


# Opening and compliance.


@officers_only
def open_bids(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if OpenForm().validate_on_submit():
        with refusal_redirects_to(_tender_url(tender)):
            count = operations.open_bids(tender, by=current_user)
        flash(
            f"The bids are opened: {count} bid{'' if count == 1 else 's'} to check for compliance.",
            "success",
        )
        return redirect(url_for("evaluation.list_compliance", tender_id=tender.id))
    return redirect(_tender_url(tender))


@officers_only
def list_compliance(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if tender.opened_at is None:
        return _not_now(tender, "The bids have not been opened yet.")
    return render_template(
        "tenders/evaluation/list_compliance.html",
        tender=tender,
        bids=queries.named_bids(tender),
        progress=queries.compliance_progress(tender),
        start_form=StartEvaluationForm(),
        may_change=tender.state is TenderState.opened,
    )


@officers_only
def record_compliance(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    evaluation = queries.evaluation_or_404(tender, id_from(request.args.get("bid")))
    if tender.state is not TenderState.opened:
        return _not_now(tender, "Compliance can be changed only before the evaluation starts.")
    named = next(bid for bid in queries.named_bids(tender) if bid.evaluation.id == evaluation.id)
    if request.method == "GET":
        is_compliant, reason = queries.suggested_compliance(named)
        outcome = None if is_compliant is None else (PASS if is_compliant else FAIL)
        form = ComplianceForm(data={"outcome": outcome, "reason": reason})
    else:
        form = ComplianceForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.record_compliance(
                evaluation,
                is_compliant=form.outcome.data == PASS,
                reason=form.reason.data or "",
                by=current_user,
            )
            flash(f"{evaluation.blind_label}'s compliance is recorded.", "success")
            return redirect(url_for("evaluation.list_compliance", tender_id=tender.id))
    attachments = tender_queries.sealed_attachments(evaluation.bid, current_user)
    return render_template(
        "tenders/evaluation/record_compliance.html",
        form=form,
        tender=tender,
        bid=named,
        documents=attachments.get(evaluation.bid_version_id, []),
    )


@officers_only
def start_evaluation(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if StartEvaluationForm().validate_on_submit():
        with refusal_redirects_to(url_for("evaluation.list_compliance", tender_id=tender.id)):
            operations.start_evaluation(tender, by=current_user)
        flash("The quality evaluation has started: evaluators may now score.", "success")
    return redirect(_tender_url(tender))


@officers_only
def end_tender(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if tender.state not in queries.ENDABLE_STATES:
        return _not_now(tender, f"This tender is {tender.phase().lower()}: it cannot end here.")
    form = EndForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.reason):
            operations.end_unsuccessful(tender, reason=form.reason.data, by=current_user)
            flash("The tender has ended without award. Every invitee has been told.", "success")
            return redirect(_tender_url(tender))
    return render_template(
        "tenders/evaluation/end_tender.html",
        form=form,
        tender=tender,
        progress=queries.compliance_progress(tender),
    )


# Blind quality scoring.


@officers_only
def start_sheet(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if StartSheetForm().validate_on_submit():
        with refusal_redirects_to(_tender_url(tender)):
            operations.start_sheet(tender, by=current_user)
        return redirect(url_for("evaluation.score_bids", tender_id=tender.id))
    return redirect(_tender_url(tender))


def _answer_keys(bids) -> list[tuple[int, int]]:
    return [(bid.evaluation_id, answer.question_id) for bid in bids for answer in bid.answers]


@officers_only
def score_bids(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    sheet = queries.sheet_of(tender, current_user)
    if sheet is None:
        if tender.state is not TenderState.evaluating:
            return _not_now(tender, "Quality is scored while the tender is being evaluated.")
        return render_template(
            "tenders/evaluation/start_sheet.html",
            tender=tender,
            form=StartSheetForm(),
            is_full=queries.sheet_count(tender) >= tender.evaluator_count,
        )
    bids = queries.blind_bids(tender)
    keys = _answer_keys(bids)
    form_class = answers_form_class(
        keys,
        reason_label="Reason for the score",
        buttons={"save": "Save as a draft", "submit_sheet": "Submit your scores"},
    )
    if request.method == "GET":
        data = {}
        for score in sheet.scores:
            data[score_field_name(score.bid_evaluation_id, score.question_id)] = str(score.score)
            data[reason_field_name(score.bid_evaluation_id, score.question_id)] = score.reason
        form = form_class(data=data)
    else:
        form = form_class()
    editable = not sheet.is_submitted and tender.state is TenderState.evaluating
    if editable and form.validate_on_submit():
        with refusal_shown_on(form.submit_sheet):
            operations.save_scores(sheet, answers_of(form, keys), by=current_user)
            if form.submit_sheet.data:
                operations.submit_sheet(sheet, by=current_user)
                flash("Your scores are submitted.", "success")
                return redirect(_tender_url(tender))
            flash("Your draft scores are saved.", "success")
            return redirect(url_for("evaluation.score_bids", tender_id=tender.id))
    others = []
    if sheet.is_submitted:
        others = [other for other in queries.submitted_sheets(tender) if other.id != sheet.id]
    return render_template(
        "tenders/evaluation/score_bids.html",
        tender=tender,
        sheet=sheet,
        bids=bids,
        form=form,
        editable=editable,
        others=others,
        others_scores=queries.scores_by_answer(others),
        own_scores={(s.bid_evaluation_id, s.question_id): s for s in sheet.scores},
    )


# Moderation.


@officers_only
def moderate_scores(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if tender.state is not TenderState.evaluating:
        return _not_now(tender, "Scores are moderated while the tender is being evaluated.")
    sheets = queries.submitted_sheets(tender)
    if len(sheets) < tender.evaluator_count:
        return _not_now(
            tender,
            f"Moderation starts when all {tender.evaluator_count} evaluators have submitted "
            f"their scores: {len(sheets)} so far.",
        )
    bids = [bid for bid in queries.named_bids(tender) if bid.evaluation.is_compliant]
    keys = [(bid.evaluation.id, question.id) for bid in bids for question in tender.questions]
    moderated = queries.moderated_scores(tender)
    form_class = answers_form_class(
        keys, reason_label="Rationale for the agreed score", buttons={"save": "Save agreed scores"}
    )
    scores = queries.scores_by_answer(sheets)
    if request.method == "GET":
        data = {}
        # Where every evaluator gave the same score, it is offered as the agreed one (the
        # moderator still writes the rationale and may change it).
        for (evaluation_id, question_id), given in scores.items():
            if len(given) == len(sheets) and len({score.score for _, score in given}) == 1:
                data[score_field_name(evaluation_id, question_id)] = str(given[0][1].score)
        for (evaluation_id, question_id), row in moderated.items():
            data[score_field_name(evaluation_id, question_id)] = str(row.score)
            data[reason_field_name(evaluation_id, question_id)] = row.rationale
        form = form_class(data=data)
    else:
        form = form_class()
    if form.validate_on_submit():
        evaluations = {bid.evaluation.id: bid.evaluation for bid in bids}
        questions = {question.id: question for question in tender.questions}
        with refusal_shown_on(form.save):
            for (evaluation_id, question_id), (score, rationale) in answers_of(form, keys).items():
                if score is None and not rationale:
                    continue
                if score is None:
                    raise OperationRefused("Choose the agreed score for every rationale you give")
                operations.record_moderated_score(
                    evaluations[evaluation_id],
                    questions[question_id],
                    score=score,
                    rationale=rationale,
                    by=current_user,
                )
            flash("The agreed scores are saved.", "success")
            return redirect(url_for("evaluation.moderate_scores", tender_id=tender.id))
    return render_template(
        "tenders/evaluation/moderate_scores.html",
        tender=tender,
        bids=bids,
        sheets=sheets,
        scores=scores,
        moderated=moderated,
        form=form,
        complete_form=CompleteModerationForm(),
        progress=queries.moderation_progress(tender),
    )


@officers_only
def complete_moderation(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if CompleteModerationForm().validate_on_submit():
        with refusal_redirects_to(url_for("evaluation.moderate_scores", tender_id=tender.id)):
            operations.complete_moderation(tender, by=current_user)
        flash("Moderation is complete: the ranking is final.", "success")
        return redirect(url_for("evaluation.show_results", tender_id=tender.id))
    return redirect(_tender_url(tender))


# Results, low prices and the person's choice.


def _results_or_redirect(tender):
    if tender.opened_at is None or tender.state not in queries.RESULT_STATES:
        return None
    return scoring.results_for(tender)


@officers_only
def show_results(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    results = _results_or_redirect(tender)
    if results is None:
        return _not_now(tender, "The results are shown once moderation is complete.")
    return render_template(
        "tenders/evaluation/show_results.html",
        tender=tender,
        results=results,
        bids={bid.evaluation.id: bid for bid in queries.named_bids(tender)},
        choices={choice.bid_evaluation_id: choice for choice in queries.person_choices(tender)},
    )


@officers_only
def check_low_price(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    evaluation = queries.evaluation_or_404(tender, id_from(request.args.get("bid")))
    results = _results_or_redirect(tender)
    if results is None or tender.state is not TenderState.moderated:
        return _not_now(tender, "Low prices are checked after moderation, before the choice.")
    if request.method == "GET":
        form = LowPriceForm(data={"explanation": evaluation.low_price_explanation})
    else:
        form = LowPriceForm()
    if form.validate_on_submit():
        with refusal_shown_on(form.explanation):
            operations.check_low_price(
                evaluation, explanation=form.explanation.data, by=current_user
            )
            flash(f"Your check of {evaluation.blind_label}'s price is recorded.", "success")
            return redirect(url_for("evaluation.show_results", tender_id=tender.id))
    named = next(bid for bid in queries.named_bids(tender) if bid.evaluation.id == evaluation.id)
    return render_template(
        "tenders/evaluation/check_low_price.html",
        form=form,
        tender=tender,
        bid=named,
        result=results.of(evaluation.id),
        results=results,
    )


@officers_only
def record_choice(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if tender.state is not TenderState.moderated:
        return _not_now(tender, "The person's choice is recorded after moderation.")
    results = scoring.results_for(tender)
    choices = queries.person_choices(tender)
    candidate = queries.next_candidate(results, choices)
    form = ChoiceForm()
    if form.validate_on_submit():
        evaluation = queries.evaluation_or_404(tender, id_from(form.evaluation_id.data))
        with refusal_shown_on(form.reason):
            operations.record_person_choice(
                tender,
                evaluation,
                is_accepted=form.decision.data == ACCEPTED,
                reason=form.reason.data or "",
                by=current_user,
            )
            flash(f"The person's choice about {evaluation.blind_label} is recorded.", "success")
            return redirect(url_for("evaluation.record_choice", tender_id=tender.id))
    if candidate is not None:
        form.evaluation_id.data = str(candidate.evaluation_id)
    return render_template(
        "tenders/evaluation/record_choice.html",
        form=form,
        tender=tender,
        results=results,
        candidate=candidate,
        choices=choices,
        accepted=next((choice for choice in choices if choice.is_accepted), None),
        bids={bid.evaluation.id: bid for bid in queries.named_bids(tender)},
    )


@officers_only
def copy_tender(tender_id: int):
    tender = tender_queries.tender_or_404(tender_id)
    if CopyForm().validate_on_submit():
        with refusal_redirects_to(_tender_url(tender)):
            copy = operations.copy_tender(tender, by=current_user)
        flash(
            f"{copy.reference} is a new draft copied from {tender.reference}: check it and "
            "its deadline, then publish it.",
            "success",
        )
        return redirect(url_for("tenders.show_tender", tender_id=copy.id))
    return redirect(_tender_url(tender))
