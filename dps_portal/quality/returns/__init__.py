"""Quarterly quality assurance returns."""
