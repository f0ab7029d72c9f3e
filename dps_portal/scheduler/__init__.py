"""Scheduled work: APScheduler with its job store in the portal's database."""
