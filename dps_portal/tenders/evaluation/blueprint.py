"""Evaluating a closed mini-tender: opening the bids, compliance, blind quality scoring,
moderation, the results and the person's choice. Contracts officers only."""

from flask import Blueprint

from dps_portal.tenders.evaluation import views

bp = Blueprint("evaluation", __name__)

TENDER = "/tenders/<int:tender_id>/evaluation"

bp.add_url_rule(f"{TENDER}/open", view_func=views.open_bids, methods=["POST"])
bp.add_url_rule(f"{TENDER}/compliance", view_func=views.list_compliance)
bp.add_url_rule(
    f"{TENDER}/compliance/record", view_func=views.record_compliance, methods=["GET", "POST"]
)
bp.add_url_rule(f"{TENDER}/start", view_func=views.start_evaluation, methods=["POST"])
bp.add_url_rule(f"{TENDER}/end", view_func=views.end_tender, methods=["GET", "POST"])
# Blind quality scoring: each evaluator's own sheet.
bp.add_url_rule(f"{TENDER}/scores/start", view_func=views.start_sheet, methods=["POST"])
bp.add_url_rule(f"{TENDER}/scores", view_func=views.score_bids, methods=["GET", "POST"])
# Moderation, then the results, low prices and the person's choice.
bp.add_url_rule(f"{TENDER}/moderation", view_func=views.moderate_scores, methods=["GET", "POST"])
bp.add_url_rule(
    f"{TENDER}/moderation/complete", view_func=views.complete_moderation, methods=["POST"]
)
bp.add_url_rule(f"{TENDER}/results", view_func=views.show_results)
bp.add_url_rule(f"{TENDER}/low-price", view_func=views.check_low_price, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/choice", view_func=views.record_choice, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/copy", view_func=views.copy_tender, methods=["POST"])
