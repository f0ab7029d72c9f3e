"""The contracts officers' CQC pages: importing the CQC's files in the browser, and the
review of homes an import found rated Inadequate."""

from flask import Blueprint

from dps_portal.cqc import views

bp = Blueprint("cqc", __name__, url_prefix="/cqc")

IMPORT = "/imports/<int:cqc_import_id>"

bp.add_url_rule("/imports", view_func=views.list_imports)
bp.add_url_rule("/imports/new", view_func=views.upload_import, methods=["GET", "POST"])
bp.add_url_rule(IMPORT, view_func=views.show_import)
bp.add_url_rule(f"{IMPORT}/progress", view_func=views.import_progress)
bp.add_url_rule("/reviews", view_func=views.list_reviews)
bp.add_url_rule("/homes/<int:home_id>/review", view_func=views.review_home, methods=["GET", "POST"])
