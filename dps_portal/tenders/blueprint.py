"""Mini-tenders: officers' pages under /tenders, an invited provider's under /opportunities."""

from flask import Blueprint

from dps_portal.tenders import views

bp = Blueprint("tenders", __name__)

TENDER = "/tenders/<int:tender_id>"
OPPORTUNITY = "/opportunities/<int:tender_id>"

# Officers.
bp.add_url_rule("/tenders", view_func=views.list_tenders)
bp.add_url_rule("/tenders/new", view_func=views.new_tender, methods=["GET", "POST"])
bp.add_url_rule(TENDER, view_func=views.show_tender)
bp.add_url_rule(f"{TENDER}/request", view_func=views.edit_request, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/criteria", view_func=views.edit_criteria, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/attachments", view_func=views.edit_attachments, methods=["GET", "POST"])
bp.add_url_rule(
    f"{TENDER}/attachments/<int:document_id>/remove",
    view_func=views.remove_attachment,
    methods=["POST"],
)
bp.add_url_rule(
    f"{TENDER}/bid-attachments/<int:document_id>", view_func=views.download_bid_attachment
)
bp.add_url_rule(f"{TENDER}/publish", view_func=views.publish_tender, methods=["POST"])
bp.add_url_rule(f"{TENDER}/extend", view_func=views.extend_deadline, methods=["GET", "POST"])
bp.add_url_rule(f"{TENDER}/cancel", view_func=views.cancel_tender, methods=["GET", "POST"])
bp.add_url_rule(
    f"{TENDER}/clarifications/<int:clarification_id>",
    view_func=views.answer_clarification,
    methods=["GET", "POST"],
)

# Invited providers.
bp.add_url_rule("/opportunities", view_func=views.list_opportunities)
bp.add_url_rule(OPPORTUNITY, view_func=views.show_opportunity)
bp.add_url_rule(
    f"{OPPORTUNITY}/attachments/<int:document_id>", view_func=views.download_request_attachment
)
bp.add_url_rule(f"{OPPORTUNITY}/ask", view_func=views.ask_clarification, methods=["GET", "POST"])
bp.add_url_rule(f"{OPPORTUNITY}/bid", view_func=views.submit_bid, methods=["GET", "POST"])
bp.add_url_rule(f"{OPPORTUNITY}/withdraw", view_func=views.withdraw_bid, methods=["POST"])
bp.add_url_rule(f"{OPPORTUNITY}/decline", view_func=views.decline_tender, methods=["GET", "POST"])
bp.add_url_rule(f"{OPPORTUNITY}/receipts/<int:version_id>", view_func=views.show_receipt)
bp.add_url_rule(
    f"{OPPORTUNITY}/receipts/<int:version_id>/content",
    view_func=views.download_receipt_content,
)
