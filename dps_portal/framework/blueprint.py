"""The framework's own pages: its summary as a PDF (kept at the address staff know)."""

from flask import Blueprint

from dps_portal.framework import views

bp = Blueprint("framework", __name__)

bp.add_url_rule("/documents/framework-summary.pdf", view_func=views.download_summary)
