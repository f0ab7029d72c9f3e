"""Pages of a list whose rows are more than one entity (a count beside a provider, a home
and its total): Flask-SQLAlchemy's `db.paginate` gives the first column of each row only."""

from flask_sqlalchemy.pagination import SelectPagination


class RowsPagination(SelectPagination):
    """A page of a select's whole rows, with GOV.UK pagination's attributes (total, pages,
    has_next ...). `RowsPagination(select=query, session=db.session, page=n, per_page=50,
    error_out=False)`; `count=False` leaves the total for the caller to set."""

    def _query_items(self) -> list:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).all())
