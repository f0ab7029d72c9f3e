"""The audit trail: one hash-chained event per state change and per sensitive read."""
