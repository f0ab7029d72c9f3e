"""A provider's name as people know it: the same rule in Python and in SQL."""

from sqlalchemy import select

from dps_portal.providers.models import ProviderOrganisation
from tests.factories import make_provider


def test_the_trading_name_else_the_legal_name_in_python_and_in_sql(db):
    trading = make_provider(legal_name="Peak Holdings Ltd", trading_name="Peakland Care")
    blank = make_provider(legal_name="Larch Trust Ltd", trading_name="")
    db.session.flush()

    in_sql = dict(
        db.session.execute(
            select(ProviderOrganisation.id, ProviderOrganisation.display_name).where(
                ProviderOrganisation.id.in_([trading.id, blank.id])
            )
        ).all()
    )

    assert trading.display_name == in_sql[trading.id] == "Peakland Care"
    assert blank.display_name == in_sql[blank.id] == "Larch Trust Ltd"
