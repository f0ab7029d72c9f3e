"""The officers' register of the DPS: every provider's standing, homes and eligibility,
searched, filtered and sorted, and its CSV."""

from flask import Blueprint

from dps_portal.register import views

bp = Blueprint("register", __name__)

bp.add_url_rule("/register", view_func=views.list_register)
bp.add_url_rule("/register.csv", view_func=views.export_register)
