"""A provider's dated evidence (insurance and the like), kept current."""

from flask import Blueprint

from dps_portal.providers.evidence import views

bp = Blueprint("evidence", __name__)

bp.add_url_rule("/organisation/evidence", view_func=views.list_evidence)
bp.add_url_rule(
    "/organisation/evidence/<int:evidence_id>/renew",
    view_func=views.renew_evidence,
    methods=["GET", "POST"],
)
# The council's view of one provider's evidence.
bp.add_url_rule("/providers/<int:provider_id>/evidence", view_func=views.provider_evidence)
