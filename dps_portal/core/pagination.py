"""Pages of a list whose rows are more than one entity (a count beside a provider, a home
and its total): Flask-SQLAlchemy's `db.paginate` gives the first column of each row only."""

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, select


class RowsPagination(SelectPagination):
    """A page of a select's whole rows, with GOV.UK pagination's attributes (total, pages,
    has_next ...). `RowsPagination(select=query, session=db.session, page=n, per_page=50,
    error_out=False)`; `count=False` leaves the total for the caller to set."""

    def _query_items(self) -> list:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).all())


def counted_page(query: Select, session, page: int, per_page: int) -> RowsPagination:
    """A page of a select's first column (an entity or an id) and its total in one statement:
    a window counts the whole list before the LIMIT. For lists PostgreSQL reads whole to sort
    anyway; past the last page the total is counted on its own."""
    result = RowsPagination(
        select=query.add_columns(func.count().over()),
        session=session,
        page=page,
        per_page=per_page,
        error_out=False,
        count=False,
    )
    if result.items:
        result.total = result.items[0][-1]
    else:
        result.total = session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
    result.items = [row[0] for row in result.items]
    return result
