"""Counting the SQL statements a page sends, for the query-count tests of every list and
home page: the same count on small data and on ten times more, and at most 30."""

from dps_portal.core.statements import count_statements


def statements_of(client, url: str, **query) -> tuple[int, str]:
    """The statements one GET of `url` sends (it must answer 200), and the page."""
    with count_statements() as counted:
        response = client.get(url, query_string=query or None)
    assert response.status_code == 200, url
    return counted.count, response.get_data(as_text=True)


def statement_counts(client, urls: list[str]) -> dict[str, int]:
    return {url: statements_of(client, url)[0] for url in urls}
