"""Evaluating a closed mini-tender: opening the bids, compliance, blind quality scoring,
moderation, the results and the person's choice. Contracts officers only."""

from flask import Blueprint

from dps_portal.tenders.evaluation import views  # noqa: F401

bp = Blueprint("evaluation", __name__)

TENDER = "/tenders/<int:tender_id>/evaluation"
