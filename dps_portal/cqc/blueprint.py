"""The CQC pages: the contracts officers import the CQC's files in the browser, review homes
rated Inadequate, record a rating by hand and check the ratings providers report; a provider
reports a new rating of one of its homes."""

from flask import Blueprint

from dps_portal.cqc import views

bp = Blueprint("cqc", __name__, url_prefix="/cqc")

IMPORT = "/imports/<int:cqc_import_id>"
HOME = "/homes/<int:home_id>"
REPORT = "/reports/<int:report_id>"

bp.add_url_rule("/imports", view_func=views.list_imports)
bp.add_url_rule("/imports/new", view_func=views.upload_import, methods=["GET", "POST"])
bp.add_url_rule(IMPORT, view_func=views.show_import)
bp.add_url_rule(f"{IMPORT}/progress", view_func=views.import_progress)
bp.add_url_rule("/reviews", view_func=views.list_reviews)
bp.add_url_rule(f"{HOME}/review", view_func=views.review_home, methods=["GET", "POST"])
bp.add_url_rule(f"{HOME}/rating", view_func=views.record_rating, methods=["GET", "POST"])
bp.add_url_rule(f"{HOME}/report", view_func=views.report_rating, methods=["GET", "POST"])
bp.add_url_rule("/reports", view_func=views.list_reports)
bp.add_url_rule(REPORT, view_func=views.show_report)
bp.add_url_rule(f"{REPORT}/confirm", view_func=views.confirm_report, methods=["GET", "POST"])
bp.add_url_rule(f"{REPORT}/reject", view_func=views.reject_report, methods=["GET", "POST"])
