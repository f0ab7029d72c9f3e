"""Renewed self-declarations: asked for by contracts officers, confirmed by providers."""

from flask import Blueprint

from dps_portal.declarations import views

bp = Blueprint("declarations", __name__)

GET_POST = ["GET", "POST"]

bp.add_url_rule(
    "/review/providers/<int:provider_id>/declaration",
    view_func=views.request_declaration,
    methods=GET_POST,
)
bp.add_url_rule(
    "/declarations/<int:declaration_id>", view_func=views.confirm_declaration, methods=GET_POST
)
