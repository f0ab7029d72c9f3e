"""When providers are warned about terms they have still to accept."""

# Within this many days of a version's accept-by date, providers that have not accepted it
# are reminded: the date is near.
ACCEPT_BY_WARNING_DAYS = 14
