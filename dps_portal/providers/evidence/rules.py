"""When evidence is due for renewal."""

# Evidence expiring within this many days is "expiring": the gate warns, providers are reminded.
EXPIRY_WARNING_DAYS = 30
