"""Awarding an evaluated mini-tender: recommendation, approval, telling the bidders, the
standstill and confirmation (officers); award letters and assessment summaries (bidders,
through the documents download)."""

from flask import Blueprint

from dps_portal.tenders.award import views

bp = Blueprint("award", __name__)

TENDER = "/tenders/<int:tender_id>/award"

bp.add_url_rule(f"{TENDER}/recommend", view_func=views.recommend_award, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/approve", view_func=views.approve_award, methods=["POST"])
bp.add_url_rule(f"{TENDER}/refuse", view_func=views.refuse_award, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/confirm", view_func=views.confirm_award, methods=["POST"])
