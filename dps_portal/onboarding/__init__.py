"""Joining the DPS: the application (request to participate), its review and the decision."""
