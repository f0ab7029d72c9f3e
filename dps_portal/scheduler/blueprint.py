from flask import Blueprint

from dps_portal.scheduler import views

bp = Blueprint("scheduler", __name__)

bp.add_url_rule("/admin/jobs", view_func=views.list_job_runs)
