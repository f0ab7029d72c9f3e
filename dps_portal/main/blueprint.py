from flask import Blueprint

from dps_portal.main import views

bp = Blueprint("main", __name__)

bp.add_url_rule("/", view_func=views.index)
bp.add_url_rule("/healthz", view_func=views.healthz)
bp.add_url_rule("/accessibility", view_func=views.accessibility_statement)
bp.add_url_rule("/provider", view_func=views.provider_home)
bp.add_url_rule("/officer", view_func=views.officer_home)
bp.add_url_rule("/quality", view_func=views.monitor_home)
bp.add_url_rule("/admin", view_func=views.admin_home)
