"""Awarding an evaluated mini-tender: recommendation, approval, telling the bidders, the
standstill and confirmation (officers); award letters and assessment summaries (bidders)."""

from flask import Blueprint

from dps_portal.tenders.award import views  # noqa: F401

bp = Blueprint("award", __name__)

TENDER = "/tenders/<int:tender_id>/award"
