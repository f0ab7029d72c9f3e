"""The placements register: a placement's page, and the provider confirming its start."""

from flask import Blueprint

from dps_portal.placements import views  # noqa: F401

bp = Blueprint("placements", __name__)
